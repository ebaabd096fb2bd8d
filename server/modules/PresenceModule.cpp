#include "modules/PresenceModule.h"

#include "host/ModuleHost.h"
#include "modules/RosterService.h"
#include "modules/StoredStanza.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "storage/RosterStore.h"

#include <QHash>
#include <QSet>

using namespace Qt::StringLiterals;
using SubscriptionState::Type;

namespace {

class Presence
{
public:
    Presence(StanzaRouter &router, RosterService &rosters)
        : m_router(router)
        , m_rosters(rosters)
        , m_sessions(router.sessions())
    {
    }

    bool onBroadcast(StanzaEvent &event);
    bool onDirected(StanzaEvent &event);
    void onDestroy(Session *session);

private:
    void becomeAvailable(Session *session, const XmlElement &presence);
    void becomeUnavailable(Session *session, const XmlElement &presence, bool toSelf);
    void answerProbe(const StanzaEvent &event);
    // Contacts that may see the user's presence: subscription "from" or "both" in the user's
    // roster (which is the authority on who may see the user).
    QList<Jid> subscribers(Session *session) const;
    void sendTo(Session *target, XmlElement presence, const QString &to);

    StanzaRouter &m_router;
    RosterService &m_rosters;
    SessionManager *m_sessions;
    // §4.6: where each session sent directed presence (full or bare JIDs), until unavailable.
    SessionData<QSet<Jid>> m_directed;
};

int priorityOf(const XmlElement &presence)
{
    // RFC 6121 §4.7.2.3: an integer from -128 to +127; absent (or unusable) means zero.
    bool ok = false;
    const int value = presence.childText(u"priority"_s).trimmed().toInt(&ok);
    if (!ok || value < -128 || value > 127)
        return 0;
    return value;
}

QList<Jid> Presence::subscribers(Session *session) const
{
    QList<Jid> result;
    if (!session->roster())
        return result;
    for (const RosterItem &item : std::as_const(session->roster()->items)) {
        if (item.subscription == RosterItem::Subscription::From || item.subscription == RosterItem::Subscription::Both)
            result.append(item.jid);
    }
    return result;
}

void Presence::sendTo(Session *target, XmlElement presence, const QString &to)
{
    presence.setAttribute(u"to"_s, to);
    m_router.deliver(target, presence);
}

bool Presence::onBroadcast(StanzaEvent &event)
{
    Session *session = event.origin;
    if (!session || !session->isConnectedResource())
        return true;
    const QString type = event.stanza.attribute(u"type"_s);
    if (type.isEmpty())
        becomeAvailable(session, event.stanza);
    else if (type == u"unavailable")
        becomeUnavailable(session, event.stanza, true);
    // Subscription stanzas, probes and errors need an addressee: nothing to do without one.
    return true;
}

void Presence::becomeAvailable(Session *session, const XmlElement &presence)
{
    const bool initial = !session->isAvailable();
    const Jid user = session->bareJid();
    session->setPriority(priorityOf(presence));
    session->setPresence(presence);   // session model: last broadcast presence without a type

    // §4.2.2 / §4.4.2: every subscriber's available resources, and the user's own available
    // resources, the sender included.
    for (const Jid &contact : subscribers(session)) {
        for (Session *target : m_sessions->availableResourcesOfUser(contact))
            sendTo(target, presence, contact.bareString());
    }
    for (Session *own : m_sessions->availableResourcesOfUser(user))
        sendTo(own, presence, user.bareString());
    if (!initial)
        return;

    const QString fullJid = session->fullJid().toString();
    // §4.3: the probes to the contacts with "to"/"both", answered locally by the contacts'
    // server (their own rosters must say "from"/"both") with each available resource's last presence.
    const std::shared_ptr<Roster> roster = session->roster() ? session->roster() : std::make_shared<Roster>();
    for (const RosterItem &item : std::as_const(roster->items)) {
        if (item.subscription != RosterItem::Subscription::To && item.subscription != RosterItem::Subscription::Both)
            continue;
        const auto contactSessions = m_sessions->availableResourcesOfUser(item.jid);
        if (contactSessions.isEmpty())
            continue;
        const auto contactRoster = m_rosters.roster(item.jid.node());
        const auto mine = contactRoster->items.constFind(user);
        if (mine == contactRoster->items.constEnd()
            || (mine->subscription != RosterItem::Subscription::From && mine->subscription != RosterItem::Subscription::Both))
            continue;
        for (Session *contact : contactSessions)
            sendTo(session, contact->presence(), fullJid);
    }
    // The user's other resources, so that the new one knows them.
    for (Session *own : m_sessions->availableResourcesOfUser(user)) {
        if (own != session)
            sendTo(session, own->presence(), fullJid);
    }
    // §3.1.3: subscription requests that are still waiting for an answer.
    for (const RosterStore::PendingRequest &request : m_rosters.store()->pendingRequests(session->username())) {
        const XmlElement stanza = StoredStanza::fromText(request.stanza);
        if (!stanza.isNull())
            sendTo(session, stanza, user.bareString());
    }
    StanzaEvent initialEvent;
    initialEvent.origin = session;
    initialEvent.stanza = presence;
    initialEvent.from = session->fullJid();
    initialEvent.to = user;
    initialEvent.toAbsent = true;
    initialEvent.kind = Kind::Presence;
    initialEvent.target = Target::Initial;
    m_router.fire(Event::incoming(Kind::Presence, Target::Initial), initialEvent);
}

void Presence::becomeUnavailable(Session *session, const XmlElement &presence, bool toSelf)
{
    const Jid user = session->bareJid();
    const bool wasAvailable = session->isAvailable();
    QSet<Jid> directed;
    if (QSet<Jid> *d = m_directed.find(session))
        directed.swap(*d);
    if (!wasAvailable && directed.isEmpty())
        return;

    QSet<Jid> reached;
    if (wasAvailable) {
        for (const Jid &contact : subscribers(session)) {
            reached.insert(contact);
            for (Session *target : m_sessions->availableResourcesOfUser(contact))
                sendTo(target, presence, contact.bareString());
        }
        for (Session *own : m_sessions->availableResourcesOfUser(user)) {
            if (own != session || toSelf)
                sendTo(own, presence, user.bareString());
        }
        reached.insert(user);
    }
    // §4.6.3: everyone who got directed presence, unless the broadcast reached them already.
    for (const Jid &target : directed) {
        if (reached.contains(target.bare()))
            continue;
        if (target.isFull()) {
            if (Session *s = m_sessions->sessionByFullJid(target))
                sendTo(s, presence, target.toString());
        } else {
            for (Session *s : m_sessions->availableResourcesOfUser(target))
                sendTo(s, presence, target.toString());
        }
    }
    if (wasAvailable)
        session->setPresence(XmlElement());   // session model: reset to nil on unavailable
}

bool Presence::onDirected(StanzaEvent &event)
{
    const QString type = event.stanza.attribute(u"type"_s);
    if (const auto subscription = SubscriptionState::typeFromName(type)) {
        // §3: subscription stanzas are about bare JIDs whatever the client wrote.
        if (!event.from.node().isEmpty() && !event.to.node().isEmpty()) {
            const auto result = m_rosters.processSubscription(event.from.bare(), event.to.bare(), *subscription,
                                                              event.stanza);
            if (result == RosterService::Result::StorageFailed)
                m_router.bounce(event, StanzaError::Condition::InternalServerError);
            else if (result == RosterService::Result::TooManyItems)
                m_router.bounce(event, StanzaError::Condition::NotAllowed, u"The roster is full"_s);
        }
        return true;
    }
    if (type == u"probe") {
        answerProbe(event);
        return true;
    }
    if (type == u"error") {
        // Errors go to the one resource they answer, if it is there (§8.5.3.1); never bounced.
        if (event.to.isFull())
            m_router.deliverToFullJid(event.to, event.stanza);
        return true;
    }
    if (!type.isEmpty() && type != u"unavailable")
        return true;   // an unknown type: ignored (RFC 6120 §8.2.2 leaves it to us)

    // §4.6 directed presence, §8.5.2.1.1 / §8.5.3.1: to every available resource of a bare
    // JID, or to the one connected full JID.
    if (event.to.isFull()) {
        if (Session *target = m_sessions->sessionByFullJid(event.to))
            m_router.deliver(target, event.stanza);
    } else {
        for (Session *target : m_sessions->availableResourcesOfUser(event.to))
            m_router.deliver(target, event.stanza);
    }
    if (event.origin && event.origin->isConnectedResource()) {
        if (type.isEmpty())
            m_directed.get(event.origin).insert(event.to);
        else if (QSet<Jid> *targets = m_directed.find(event.origin))
            targets->remove(event.to);
    }
    return true;
}

void Presence::answerProbe(const StanzaEvent &event)
{
    // A client's own probe (§4.3 says clients should not, but it costs nothing): answered if
    // the probed account lets the prober see its presence.
    const Jid contact = event.to.bare();
    const Jid prober = event.from.bare();
    if (contact.node().isEmpty())
        return;
    if (contact != prober) {
        const auto roster = m_rosters.roster(contact.node());
        const auto it = roster->items.constFind(prober);
        if (it == roster->items.constEnd()
            || (it->subscription != RosterItem::Subscription::From && it->subscription != RosterItem::Subscription::Both))
            return;
    }
    for (Session *source : m_sessions->availableResourcesOfUser(contact)) {
        XmlElement presence = source->presence();
        presence.setAttribute(u"to"_s, event.from.toString());
        m_router.reply(event, presence);
    }
}

void Presence::onDestroy(Session *session)
{
    if (!session->isConnectedResource())
        return;
    // §4.5.2 on the user's behalf: the connection closed, timed out or was kicked.
    XmlElement unavailable(u"presence"_s);
    unavailable.setAttribute(u"type"_s, u"unavailable"_s);
    unavailable.setAttribute(u"from"_s, session->fullJid().toString());
    becomeUnavailable(session, unavailable, false);
}

} // namespace

PresenceModule::PresenceModule(std::shared_ptr<RosterService> rosters)
    : m_rosters(std::move(rosters))
{
}

PresenceModule::~PresenceModule() = default;

void PresenceModule::load(ModuleHost &host)
{
    auto presence = std::make_shared<Presence>(host.router(), *m_rosters);
    m_state = presence;
    host.hook(Event::incoming(Kind::Presence, Target::Broadcast), [presence](StanzaEvent &event) { return presence->onBroadcast(event); });
    host.hook(Event::incoming(Kind::Presence, Target::Bare), [presence](StanzaEvent &event) { return presence->onDirected(event); });
    host.hook(Event::incoming(Kind::Presence, Target::Full), [presence](StanzaEvent &event) { return presence->onDirected(event); });
    // Presence to the server itself (a probe, directed presence to the domain): nothing to do.
    host.hook(Event::incoming(Kind::Presence, Target::Host), [](StanzaEvent &) { return true; });
    host.hookSession(SessionManager::Event::Closed, [presence](Session *session) { presence->onDestroy(session); });
}
