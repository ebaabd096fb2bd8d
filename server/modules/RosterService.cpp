#include "modules/RosterService.h"

#include "base/Logging.h"
#include "modules/StoredStanza.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "storage/RosterStore.h"

#include <list>

using namespace Qt::StringLiterals;
using SubscriptionState::State;
using SubscriptionState::Type;

namespace {
const QString RosterNs = u"jabber:iq:roster"_s;

RosterItem fromStored(const RosterStore::Item &stored)
{
    RosterItem item;
    item.jid = stored.jid;
    item.name = stored.name;
    item.subscription = RosterItem::subscriptionFromName(stored.subscription);
    item.pendingOut = stored.pendingOut;
    item.pendingIn = stored.pendingIn;
    item.approved = stored.approved;
    item.groups = stored.groups;
    return item;
}

RosterStore::Item toStored(const RosterItem &item)
{
    RosterStore::Item stored;
    stored.jid = item.jid;
    stored.name = item.name;
    stored.subscription = RosterItem::subscriptionName(item.subscription);
    stored.pendingOut = item.pendingOut;
    stored.pendingIn = item.pendingIn;
    stored.approved = item.approved;
    stored.groups = item.groups;
    return stored;
}

// What a client sees of an item (§2.1.2): everything but the pending-in flag.
bool visiblyDifferent(const RosterItem &a, const RosterItem &b)
{
    return a.name != b.name || a.subscription != b.subscription || a.pendingOut != b.pendingOut
        || a.groups != b.groups || a.approved != b.approved;
}

bool sameItem(const RosterItem &a, const RosterItem &b)
{
    return a.jid == b.jid && a.pendingIn == b.pendingIn && !visiblyDifferent(a, b);
}

XmlElement subscriptionPresence(Type type, const Jid &from, const Jid &to)
{
    XmlElement presence(u"presence"_s);
    presence.setAttribute(u"type"_s, SubscriptionState::typeName(type));
    presence.setAttribute(u"from"_s, from.bareString());
    presence.setAttribute(u"to"_s, to.bareString());
    return presence;
}
} // namespace

// --- one protocol step over one or two rosters ---

class RosterService::ChangeSet
{
public:
    explicit ChangeSet(RosterService &service) : m_service(service) {}

    // One owner's view of one contact while the step is computed.
    struct Side
    {
        Jid owner;                 // bare
        Jid contact;               // bare
        std::shared_ptr<Roster> roster;
        std::optional<RosterItem> before;
        std::optional<RosterItem> after;
        bool requestBefore = false;   // a stored inbound subscription request (pending in)
        bool requestAfter = false;
        QString requestStanza;

        State state() const
        {
            if (after)
                return SubscriptionState::ofItem(*after);
            return SubscriptionState::fromParts(false, false, false, requestAfter);
        }
        State stateBefore() const
        {
            if (before)
                return SubscriptionState::ofItem(*before);
            return SubscriptionState::fromParts(false, false, false, requestBefore);
        }
    };

    Side &side(const Jid &owner, const Jid &contact)
    {
        for (Side &s : m_sides) {
            if (s.owner == owner && s.contact == contact)
                return s;
        }
        Side s;
        s.owner = owner;
        s.contact = contact;
        s.roster = m_service.roster(owner.node());
        const auto it = s.roster->items.constFind(contact);
        if (it != s.roster->items.constEnd()) {
            s.before = *it;
            s.requestBefore = it->pendingIn;
        } else {
            s.requestBefore = m_service.m_store->pendingRequest(owner.node(), contact).has_value();
        }
        s.after = s.before;
        s.requestAfter = s.requestBefore;
        m_sides.push_back(std::move(s));
        return m_sides.back();
    }

    // Moves a side to a new Appendix A state. An item is created when the state needs one
    // (a subscription or a pending-out request); a pending-in alone lives in the request table.
    void setState(Side &s, State state)
    {
        if (!s.after && (SubscriptionState::hasTo(state) || SubscriptionState::hasFrom(state)
                         || SubscriptionState::isPendingOut(state))) {
            RosterItem item;
            item.jid = s.contact;
            s.after = item;
        }
        if (s.after)
            SubscriptionState::applyToItem(state, &*s.after);
        s.requestAfter = SubscriptionState::isPendingIn(state);
    }

    void removeItem(Side &s)
    {
        s.after.reset();
        s.requestAfter = false;
    }

    // A stanza for every available and interested resource of `to`, sent after the commit.
    void deliver(const Jid &to, const XmlElement &stanza) { m_deliveries.append({to, stanza}); }

    RosterService::Result commit()
    {
        QList<RosterStore::Write> writes;
        QList<Side *> writtenSides;   // parallel to item writes, for versions and pushes
        for (Side &s : m_sides) {
            if (s.after && (!s.before || !sameItem(*s.after, *s.before))) {
                const bool visible = !s.before || visiblyDifferent(*s.before, *s.after);
                writes.append(RosterStore::Write::putItem(s.owner.node(), toStored(*s.after), visible));
                writtenSides.append(&s);
            } else if (!s.after && s.before) {
                writes.append(RosterStore::Write::removeItem(s.owner.node(), s.contact));
                writtenSides.append(&s);
            }
        }
        for (Side &s : m_sides) {
            if (s.requestAfter && !s.requestBefore)
                writes.append(RosterStore::Write::putRequest(s.owner.node(), s.contact, s.requestStanza));
            else if (!s.requestAfter && s.requestBefore)
                writes.append(RosterStore::Write::removeRequest(s.owner.node(), s.contact));
        }
        QString error;
        if (!m_service.m_store->apply(writes, &error)) {
            qCWarning(lcStorage) << "roster change not stored:" << error;
            return RosterService::Result::StorageFailed;
        }

        // Committed: now the shared rosters, then what others see.
        struct Push
        {
            QString username;
            RosterItem item;
            bool removed;
            qint64 version;
        };
        QList<Push> pushes;
        for (qsizetype i = 0; i < writtenSides.size(); ++i) {
            Side &s = *writtenSides[i];
            const RosterStore::Write &w = writes[i];
            if (s.after)
                s.roster->items.insert(s.contact, *s.after);
            else
                s.roster->items.remove(s.contact);
            if (w.kind == RosterStore::Write::Kind::RemoveItem || w.visible) {
                s.roster->version = std::max(s.roster->version, w.version);
                pushes.append({s.owner.node(), s.after ? *s.after : *s.before, !s.after, w.version});
            }
            // The console shows the roster size of each session.
            for (Session *session : m_service.sessions()->sessionsOfUser(s.owner))
                m_service.sessions()->markDirty(session);
        }
        for (const Push &p : std::as_const(pushes))
            m_service.push(p.username, p.item, p.removed, p.version);
        for (const auto &[to, stanza] : std::as_const(m_deliveries)) {
            for (Session *session : m_service.presenceRecipients(to))
                m_service.router().deliver(session, stanza);
        }
        // §3.1.5, §3.2.2, §3.3.3: the owner's presence starts or stops reaching the contact.
        for (const Side &s : m_sides) {
            const bool fromBefore = SubscriptionState::hasFrom(s.stateBefore());
            const bool fromAfter = SubscriptionState::hasFrom(s.state());
            if (fromBefore != fromAfter)
                m_service.sendPresenceOf(s.owner, s.contact, fromAfter);
        }
        return RosterService::Result::Done;
    }

private:
    RosterService &m_service;
    std::list<Side> m_sides;   // stable references
    QList<std::pair<Jid, XmlElement>> m_deliveries;
};

// --- RosterService ---

RosterService::RosterService(StanzaRouter &router, RosterStore *store, AccountExists accountExists)
    : m_router(router)
    , m_store(store)
    , m_accountExists(std::move(accountExists))
{
}

void RosterService::adoptStore(std::unique_ptr<RosterStore> store)
{
    m_ownedStore = std::move(store);
    m_store = m_ownedStore.get();
}

RosterService::~RosterService() = default;

SessionManager *RosterService::sessions() const
{
    return m_router.sessions();
}

const QString &RosterService::domain() const
{
    return m_router.domain();
}

bool RosterService::isLocalAccount(const Jid &jid) const
{
    if (jid.isNull() || jid.domain() != domain() || jid.node().isEmpty())
        return false;
    if (!sessions()->sessionsOfUser(jid.bare()).isEmpty())
        return true;
    return m_accountExists && m_accountExists(jid.node());
}

std::shared_ptr<Roster> RosterService::roster(const QString &username)
{
    if (auto existing = m_rosters.value(username).lock())
        return existing;
    auto roster = std::make_shared<Roster>();
    QString error;
    if (const auto snapshot = m_store->load(username, &error)) {
        roster->version = snapshot->version;
        for (const RosterStore::Item &stored : snapshot->items)
            roster->items.insert(stored.jid, fromStored(stored));
    } else {
        qCWarning(lcStorage) << "cannot load the roster of" << username << error;
    }
    m_rosters.insert(username, roster);
    // Forget the entries of rosters nobody holds any more.
    if (m_rosters.size() > 64 && m_rosters.size() % 64 == 0) {
        for (auto it = m_rosters.begin(); it != m_rosters.end();) {
            if (it->expired())
                it = m_rosters.erase(it);
            else
                ++it;
        }
    }
    return roster;
}

RosterService::Result RosterService::setItem(const Jid &user, const Jid &contact, const QString &name,
                                             const QStringList &groups)
{
    ChangeSet changes(*this);
    auto &side = changes.side(user.bare(), contact.bare());
    if (!side.after && side.roster->items.size() >= m_maxItems)
        return Result::TooManyItems;
    if (!side.after) {
        RosterItem item;
        item.jid = contact.bare();
        item.pendingIn = side.requestAfter;
        side.after = item;
    }
    side.after->name = name;
    side.after->groups = groups;
    return changes.commit();
}

RosterService::Result RosterService::removeItem(const Jid &userJid, const Jid &contactJid)
{
    const Jid user = userJid.bare();
    const Jid contact = contactJid.bare();
    ChangeSet changes(*this);
    auto &mine = changes.side(user, contact);
    if (!mine.before)
        return Result::ItemNotFound;
    const State state = mine.state();
    // §2.5.2: cancel the subscription to the contact (unsubscribe) and the contact's
    // subscription to us (unsubscribed), including requests still pending.
    const bool sendUnsubscribe = SubscriptionState::hasTo(state) || SubscriptionState::isPendingOut(state);
    const bool sendUnsubscribed = SubscriptionState::hasFrom(state) || SubscriptionState::isPendingIn(state);
    changes.removeItem(mine);
    if (isLocalAccount(contact)) {
        auto &theirs = changes.side(contact, user);
        if (sendUnsubscribe) {
            const auto t = SubscriptionState::inbound(theirs.state(), Type::Unsubscribe);
            changes.setState(theirs, t.next);
            if (t.route)
                changes.deliver(contact, subscriptionPresence(Type::Unsubscribe, user, contact));
        }
        if (sendUnsubscribed) {
            const auto t = SubscriptionState::inbound(theirs.state(), Type::Unsubscribed);
            changes.setState(theirs, t.next);
            if (t.route)
                changes.deliver(contact, subscriptionPresence(Type::Unsubscribed, user, contact));
        }
    }
    return changes.commit();
}

RosterService::Result RosterService::processSubscription(const Jid &userJid, const Jid &contactJid, Type type,
                                                         const XmlElement &stanza)
{
    const Jid user = userJid.bare();
    const Jid contact = contactJid.bare();
    if (user == contact)
        return Result::Done;   // one's own presence needs no subscription
    ChangeSet changes(*this);
    auto &mine = changes.side(user, contact);
    const auto out = SubscriptionState::outbound(mine.state(), type);
    changes.setState(mine, out.next);
    if (!mine.before && mine.after && mine.roster->items.size() >= m_maxItems)
        return Result::TooManyItems;
    if (!out.route)
        return changes.commit();

    // §3.1.2: the user's server stamps the bare JIDs on what it routes.
    XmlElement routed = stanza;
    routed.setAttribute(u"from"_s, user.bareString());
    routed.setAttribute(u"to"_s, contact.bareString());

    if (!isLocalAccount(contact)) {
        // No such account (§8.5.1 for subscription stanzas): a request is answered with
        // "unsubscribed" so that the user's client does not wait for ever.
        if (type == Type::Subscribe) {
            const auto back = SubscriptionState::inbound(mine.state(), Type::Unsubscribed);
            changes.setState(mine, back.next);
            changes.deliver(user, subscriptionPresence(Type::Unsubscribed, contact, user));
        }
        return changes.commit();
    }

    auto &theirs = changes.side(contact, user);
    const auto in = SubscriptionState::inbound(theirs.state(), type);
    if (type == Type::Subscribe && !theirs.requestAfter && SubscriptionState::isPendingIn(in.next))
        theirs.requestStanza = StoredStanza::toText(routed);
    changes.setState(theirs, in.next);
    if (in.route)
        changes.deliver(contact, routed);
    if (in.autoReplySubscribed) {
        // §3.1.3 rule 2: already subscribed; the contact's server answers for the contact.
        const auto back = SubscriptionState::inbound(mine.state(), Type::Subscribed);
        changes.setState(mine, back.next);
        if (back.route)
            changes.deliver(user, subscriptionPresence(Type::Subscribed, contact, user));
    }
    return changes.commit();
}

XmlElement RosterService::itemElement(const RosterItem &item)
{
    XmlElement element(u"item"_s, RosterNs);
    element.setAttribute(u"jid"_s, item.jid.bareString());
    if (!item.name.isEmpty())
        element.setAttribute(u"name"_s, item.name);
    element.setAttribute(u"subscription"_s, RosterItem::subscriptionName(item.subscription));
    if (item.pendingOut)
        element.setAttribute(u"ask"_s, u"subscribe"_s);
    for (const QString &group : item.groups)
        element.appendTextElement(u"group"_s, group, RosterNs);
    return element;
}

void RosterService::pushTo(Session *session, const RosterItem &item, bool removed, qint64 version)
{
    XmlElement iq(u"iq"_s);
    iq.setAttribute(u"type"_s, u"set"_s);
    iq.setAttribute(u"id"_s, u"push%1"_s.arg(m_nextPushId++));
    iq.setAttribute(u"to"_s, session->fullJid().toString());
    XmlElement query(u"query"_s, RosterNs);
    query.setAttribute(u"ver"_s, QString::number(version));
    XmlElement element = itemElement(item);
    if (removed) {
        element = XmlElement(u"item"_s, RosterNs);
        element.setAttribute(u"jid"_s, item.jid.bareString());
        element.setAttribute(u"subscription"_s, u"remove"_s);
    }
    query.appendChild(element);
    iq.appendChild(query);
    m_router.deliver(session, iq);
}

void RosterService::push(const QString &username, const RosterItem &item, bool removed, qint64 version)
{
    const Jid bare = Jid::fromParts(username, domain());
    const auto interested = sessions()->interestedResourcesOfUser(bare);
    for (Session *session : interested)
        pushTo(session, item, removed, version);
}

QList<Session *> RosterService::presenceRecipients(const Jid &bare) const
{
    QList<Session *> result;
    for (Session *session : sessions()->sessionsOfUser(bare.bare())) {
        if (session->isAvailable() || session->isInterested())
            result.append(session);
    }
    return result;
}

void RosterService::sendPresenceOf(const Jid &owner, const Jid &contact, bool available)
{
    const auto targets = sessions()->availableResourcesOfUser(contact.bare());
    if (targets.isEmpty())
        return;
    for (Session *source : sessions()->availableResourcesOfUser(owner.bare())) {
        XmlElement presence;
        if (available) {
            presence = source->presence();
        } else {
            presence = XmlElement(u"presence"_s);
            presence.setAttribute(u"type"_s, u"unavailable"_s);
        }
        presence.setAttribute(u"from"_s, source->fullJid().toString());
        presence.setAttribute(u"to"_s, contact.bareString());
        for (Session *target : targets)
            m_router.deliver(target, presence);
    }
}
