#pragma once

#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <optional>

// One invitation to register (XEP-0401 Easy User Onboarding): a XEP-0379 pre-auth token that
// XEP-0445 registration accepts, with how often and until when it may be used, an optional
// fixed account name, the user the invitee becomes a contact of, and a room to join.
struct Invite
{
    enum class Status { Valid, Unknown, Revoked, Expired, UsedUp };

    QString token;
    QDateTime created;          // UTC
    QDateTime expires;          // UTC; invalid: never
    int maxUses = 1;
    int uses = 0;
    QString username;           // fixed account name (prepared localpart); empty: the invitee picks
    QString contactOf;          // localpart of the account the invitee becomes a mutual contact of
    QString room;               // a room the account becomes a member of (modules/InviteRoomModule)
    QString createdBy;          // "console", "cli", or the inviting user's bare JID
    bool revoked = false;
    QStringList usedBy;         // accounts created with it, oldest first

    Status status(const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    static QString statusText(Status status);
    // The XEP-0401 §4 / XEP-0445 §3 registration URI: xmpp:DOMAIN?register;preauth=TOKEN, or
    // xmpp:USER@DOMAIN?register;preauth=TOKEN when the account name is fixed.
    QString uri(const QString &domain) const;
};

// The invitations table (module "invites" in module_schema, so that `switchboard invite
// create` can create it on a data directory no server has opened yet). Every write is one
// transaction; a use is counted only when it still fits (not revoked, not expired, uses left).
class InviteStore
{
public:
    explicit InviteStore(Database *database);

    static QStringList schema();
    bool ensureSchema(QString *error);

    // 18 random bytes, base64url without padding (24 characters).
    static QString generateToken();

    // Stores a new invite (token generated when empty, created stamped now).
    bool create(Invite *invite, QString *error);
    std::optional<Invite> find(const QString &token) const;
    QList<Invite> list() const;                 // newest first
    bool revoke(const QString &token, QString *error);
    // Counts one use by `username`, atomically with the check that the invite is still valid;
    // false with *error ("the invitation is ...") otherwise.
    bool recordUse(const QString &token, const QString &username, QString *error);
    // A fixed account name reserved by a valid, unused invite (XEP-0445 §6): registration
    // with another token or without one must not take it.
    bool isReserved(const QString &username, const QString &exceptToken = QString()) const;

private:
    Database *m_database;
};

Q_DECLARE_METATYPE(Invite)
