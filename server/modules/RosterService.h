#pragma once

#include "modules/SubscriptionState.h"
#include "session/Roster.h"
#include "stanza/Jid.h"
#include "xml/XmlElement.h"

#include <QHash>
#include <QList>
#include <functional>
#include <memory>

class RosterStore;
class Session;
class SessionManager;
class StanzaRouter;

// What the roster and presence features share: the users' rosters (one object per user,
// shared by all of the user's sessions and kept while one of them holds it), the subscription
// engine over both local sides (RFC 6121 §3 and Appendix A), roster pushes (§2.1.6) and the
// presence that subscription changes start or stop (§3.1.5, §3.2.2, §3.3.3).
//
// Every change goes: compute both sides in memory → write them in ONE transaction → only
// after the commit, update the shared rosters, push, route and send presence.
class RosterService
{
public:
    using AccountExists = std::function<bool(const QString &username)>;

    RosterService(StanzaRouter &router, RosterStore *store, AccountExists accountExists);
    ~RosterService();

    // Keeps the store for the service's lifetime (the roster and presence modules share both).
    void adoptStore(std::unique_ptr<RosterStore> store);

    StanzaRouter &router() const { return m_router; }
    SessionManager *sessions() const;
    RosterStore *store() const { return m_store; }
    const QString &domain() const;

    // A local account (our domain, existing user).
    bool isLocalAccount(const Jid &jid) const;
    // The user's roster: the one the user's sessions share, else freshly loaded (an empty
    // roster if storage fails, logged).
    std::shared_ptr<Roster> roster(const QString &username);

    enum class Result { Done, ItemNotFound, StorageFailed, TooManyItems };

    // Items a user's roster may hold (config max_roster_items); adding one more, by a roster
    // set or a subscription, gives TooManyItems and changes nothing.
    void setMaxItems(int maxItems) { m_maxItems = maxItems; }

    // Roster set (§2.3, §2.4): adds or updates name and groups, keeping the subscription.
    Result setItem(const Jid &user, const Jid &contact, const QString &name, const QStringList &groups);
    // Roster remove (§2.5): deletes the item and cancels subscriptions both ways (§2.5.2).
    Result removeItem(const Jid &user, const Jid &contact);
    // A subscription stanza the user sent to a contact (§3), both sides per Appendix A.
    Result processSubscription(const Jid &user, const Jid &contact, SubscriptionState::Type type,
                               const XmlElement &stanza);

    // <item/> of the roster namespace for a result or a push.
    static XmlElement itemElement(const RosterItem &item);
    // Sends one roster push (§2.1.6) to every interested resource of the user.
    void push(const QString &username, const RosterItem &item, bool removed, qint64 version);
    // Sends a push to one resource only (roster versioning, §2.6.3).
    void pushTo(Session *session, const RosterItem &item, bool removed, qint64 version);

    // Every available and interested resource of a user, each once (where inbound
    // subscription stanzas go, §3.1.3, §3.1.6).
    QList<Session *> presenceRecipients(const Jid &bare) const;
    // Sends each available resource's last presence of `owner` to every available resource of
    // `contact` (presence: true) or unavailable presence from each (false).
    void sendPresenceOf(const Jid &owner, const Jid &contact, bool available);

private:
    class ChangeSet;
    friend class ChangeSet;

    StanzaRouter &m_router;
    RosterStore *m_store;
    std::unique_ptr<RosterStore> m_ownedStore;
    AccountExists m_accountExists;
    QHash<QString, std::weak_ptr<Roster>> m_rosters;
    quint64 m_nextPushId = 1;
    int m_maxItems = 1000;
};
