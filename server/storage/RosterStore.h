#pragma once

#include "stanza/Jid.h"
#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// Rosters (RFC 6121 §2), their version counters (§2.6) and the inbound subscription requests
// still waiting for an answer (§3.1.3), keyed by the prepared localpart of the owner.
//
// Every roster change that a client can see (an item added, changed or removed) gets the next
// version of its owner's roster; removed items leave a tombstone with their version, so a
// client that reconnects with an older `ver` can be sent only what changed since.
//
// Writes go through apply(): all the writes of one protocol step (both users' sides of a
// subscription, say) in ONE transaction, committed before anything is pushed or routed.
class RosterStore
{
public:
    // One stored item (RFC 6121 §2.1.2 plus the Appendix A pending flags). The subscription is
    // the RFC's word: "none", "to", "from" or "both".
    struct Item
    {
        Jid jid;                // bare
        QString name;
        QString subscription = QStringLiteral("none");
        bool pendingOut = false;   // ask='subscribe'
        bool pendingIn = false;
        bool approved = false;     // pre-approval (§3.4), unused for now
        QStringList groups;
        bool operator==(const Item &other) const = default;
    };

    struct Snapshot
    {
        QList<Item> items;
        qint64 version = 0;
    };

    struct PendingRequest
    {
        Jid contact;            // bare JID of the requester
        QString stanza;         // the <presence type='subscribe'/> as received, for re-delivery
        QDateTime received;
    };

    // One entry of the history since a version: an item as it is now, or a removal.
    struct Change
    {
        Item item;              // for a removal only item.jid is meaningful
        bool removed = false;
        qint64 version = 0;
    };

    struct Write
    {
        enum class Kind { PutItem, RemoveItem, PutRequest, RemoveRequest };
        Kind kind = Kind::PutItem;
        QString username;       // the roster's owner
        Item item;              // PutItem: the whole item; the others: item.jid
        QString stanza;         // PutRequest
        // PutItem: false when only hidden state changed (pending-in), which keeps the version.
        bool visible = true;
        qint64 version = 0;     // set by apply() for visible item writes: the new roster version

        static Write putItem(const QString &username, const Item &item, bool visible = true);
        static Write removeItem(const QString &username, const Jid &contact);
        static Write putRequest(const QString &username, const Jid &contact, const QString &stanza);
        static Write removeRequest(const QString &username, const Jid &contact);
    };

    explicit RosterStore(Database *database);

    // The user's roster with its current version (an empty roster at version 0 for a user
    // without one); nullopt on a database error.
    std::optional<Snapshot> load(const QString &username, QString *error = nullptr) const;
    qint64 version(const QString &username) const;   // -1 on error

    QList<PendingRequest> pendingRequests(const QString &username) const;
    std::optional<PendingRequest> pendingRequest(const QString &username, const Jid &contact) const;

    // What changed after version `since`, oldest first; nullopt when `since` is not a version
    // this roster has had (newer than the current one, or negative).
    std::optional<QList<Change>> changesSince(const QString &username, qint64 since) const;

    // Applies every write in one transaction; fills Write::version. All or nothing.
    bool apply(QList<Write> &writes, QString *error = nullptr);

private:
    Database *m_database;
};
