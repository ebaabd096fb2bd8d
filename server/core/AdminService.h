#pragma once

#include "host/AdminActions.h"
#include "storage/InviteStore.h"

#include <QDateTime>
#include <QHash>
#include <QList>
#include <QObject>
#include <QString>
#include <functional>
#include <memory>

class AccountService;
class AccountStore;
class Server;
struct ServerConfig;

// A temporary account lock set by a kick ("keep out for"): logins are refused with
// account-disabled and a text saying until when. Kept in memory (a restart lifts it); "until
// re-enabled" disables the account instead, which is stored.
struct KeepOut
{
    QString username;
    QDateTime until;        // UTC
    QString reason;
};

// What creating an invitation gives back to the console and the control socket.
struct InviteResult
{
    Invite invite;
    QString uri;            // xmpp:...?register;preauth=TOKEN
    QString pageUrl;        // https landing page, empty unless invite_page_url is configured
    QString error;          // empty on success
};

// The administration every path shares: the console (through Server), the control socket and
// the command line, and the modules (XEP-0133 ad-hoc commands, registration, the message of
// the day) through AdminActions. Account changes run Server's own functions, so the audit log
// records one entry per action whoever asked; `actor` says who. Lives in the server's thread.
class AdminService final : public QObject, public AdminActions
{
    Q_OBJECT
public:
    explicit AdminService(Server *server);
    ~AdminService() override;

    // After the database is open: the invitations' and the message of the day's tables.
    bool start(QString *error);

    // --- AdminActions ---
    QString addAccount(const QString &user, const QString &password, const QString &actor) override;
    QString deleteAccount(const QString &user, const QString &actor) override;
    QString setAccountDisabled(const QString &user, bool disabled, const QString &reason,
                               const QString &actor) override;
    QString setAccountPassword(const QString &user, const QString &password, const QString &actor) override;
    int endSessions(const QString &jid, int keepOutSeconds, const QString &reason, const QString &actor,
                    QString *error) override;
    QStringList onlineUsers() const override;
    int registeredUserCount() const override;
    int announce(const QString &subject, const QString &body, bool everyone, const QString &actor) override;
    QString messageOfTheDay() const override;
    QString setMessageOfTheDay(const QString &text, const QString &actor) override;
    void audit(const QString &action, const QString &target, const QString &reason, const QString &actor) override;
    QString keepOutText(const QString &username) const override;

    // --- keep-out locks (the Accounts tab shows and lifts them) ---
    QList<KeepOut> keepOuts() const;            // current ones, soonest to end first
    QString liftKeepOut(const QString &user, const QString &actor);
    // The text a kicked user's client sees in the stream error, and the SASL failure text of
    // its next login while kept out.
    static QString kickText(const QString &reason, const QDateTime &until, bool untilReenabled);
    static QString keepOutFailureText(const QDateTime &until);

    // --- invitations (XEP-0401) ---
    InviteResult createInvite(Invite spec, const QString &actor);
    // The checks every path runs before storing an invitation (the command line runs them on
    // the database directly): names prepared, a fixed name free and single-use, the contact an
    // existing account. False with *error.
    static bool prepareInvite(Invite *spec, AccountService *accounts, const AccountStore *store, QString *error);
    static QString describeInvite(const Invite &invite);      // for the audit log
    QList<Invite> invites() const;
    QString revokeInvite(const QString &token, const QString &actor);
    InviteStore *inviteStore() const { return m_invites.get(); }
    // The https landing page for a token: invite_page_url?TOKEN when that is set, else the
    // page the HTTPS listener serves (URL_BASE/invite?TOKEN) when it runs; else empty.
    QString invitePageUrl(const QString &token) const;
    // The same base (before '?TOKEN') as far as the config alone tells, for the command line:
    // empty when upload is off (nothing listens) or the port is picked at start.
    static QString invitePageBase(const ServerConfig &config);

Q_SIGNALS:
    void invitesChanged();
    void keepOutsChanged();

private:
    QString withActor(const QString &actor, const std::function<QString()> &action);
    void expireKeepOuts() const;

    Server *m_server;
    std::unique_ptr<InviteStore> m_invites;
    mutable QHash<QString, KeepOut> m_keepOuts;     // by username
    QString m_motd;
};

Q_DECLARE_METATYPE(KeepOut)
Q_DECLARE_METATYPE(InviteResult)
