#include "modules/BlockingModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "stanza/Jid.h"
#include "storage/Database.h"

#include <QCache>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace {
const QString BlockingNs = u"urn:xmpp:blocking"_s;
const QString ErrorsNs = u"urn:xmpp:blocking:errors"_s;
const QString FromAttr = u"from"_s;
const QString ToAttr = u"to"_s;
const QString TypeAttr = u"type"_s;
const QString ErrorType = u"error"_s;

// A block list holds what one person can keep in view; beyond it a <block/> is refused whole.
constexpr int MaxItems = 1000;
// Block lists of users who are not bound, kept after a lookup (messages to offline users,
// offline messages from them) so that a burst does not read the database per stanza.
constexpr int RecentLists = 256;

bool mayReceivePresence(RosterItem::Subscription s)
{
    return s == RosterItem::Subscription::From || s == RosterItem::Subscription::Both;
}
bool receivesPresence(RosterItem::Subscription s)
{
    return s == RosterItem::Subscription::To || s == RosterItem::Subscription::Both;
}

// The contact's own roster (loaded at bind) lets the user see its presence.
bool contactAllows(const Session *contact, const Jid &user)
{
    const std::shared_ptr<Roster> &roster = contact->roster();
    if (!roster)
        return false;
    const auto it = roster->items.constFind(user);
    return it != roster->items.constEnd() && mayReceivePresence(it->subscription);
}

// §6 on the parts of a prepared JID.
bool matchParts(const QSet<QString> &items, QStringView full, QStringView node, QStringView domain,
                QStringView resource)
{
    if (items.isEmpty())
        return false;
    if (items.contains(full.toString()))   // rules 1 and 3, and a bare item against a bare JID
        return true;
    if (!node.isEmpty() && !resource.isEmpty() && items.contains(node.toString().append(u'@').append(domain)))   // rule 2
        return true;
    return (!node.isEmpty() || !resource.isEmpty()) && items.contains(domain.toString());   // rule 4
}
} // namespace

bool BlockingModule::matches(const QSet<QString> &items, QStringView jid)
{
    if (items.isEmpty())
        return false;
    // A prepared JID: the resource starts at the first '/', the localpart ends at the first '@'
    // before it (RFC 7622 §3.1); no preparation needed, as stored items are prepared too.
    const qsizetype slash = jid.indexOf(u'/');
    const QStringView head = slash < 0 ? jid : jid.left(slash);
    const QStringView resource = slash < 0 ? QStringView() : jid.mid(slash + 1);
    const qsizetype at = head.indexOf(u'@');
    const QStringView node = at < 0 ? QStringView() : head.left(at);
    const QStringView domain = at < 0 ? head : head.mid(at + 1);
    return matchParts(items, jid, node, domain, resource);
}

bool BlockingModule::matches(const QSet<QString> &items, const Jid &jid)
{
    if (items.isEmpty() || jid.isNull())
        return false;
    return matchParts(items, jid.toString(), jid.node(), jid.domain(), jid.resource());
}

class BlockingModule::State
{
public:
    explicit State(ModuleHost &host)
        : m_router(host.router())
        , m_sessions(host.sessions())
        , m_database(host.database())
        , m_domain(host.domain())
        , m_recent(RecentLists)
    {
        QString error;
        m_ready = host.migrate(u"blocking"_s,
                               {u"CREATE TABLE blocklist_items ("
                                "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
                                "  jid TEXT NOT NULL,"
                                "  PRIMARY KEY (username, jid)"
                                ") WITHOUT ROWID"_s},
                               &error);
        if (!m_ready)
            qCCritical(lcStorage) << "block lists unavailable:" << error;
    }

    bool onGet(StanzaEvent &event);
    bool onSet(StanzaEvent &event, bool block);
    bool onPre(StanzaEvent &event);
    void onBroadcast(const StanzaEvent &event);
    bool onDelivery(Delivery &delivery);
    void onBound(Session *session);
    void onClosed(Session *session);
    void forget(const QString &username)
    {
        m_online.remove(username);
        m_recent.remove(username);
    }

private:
    struct Requested
    {
        bool blocklist = false;   // §3.2: this resource retrieved the list, so it gets pushes
    };
    // Where this resource sent directed presence (RFC 6121 §4.6) since it was last unavailable:
    // those JIDs see its presence too, so a block must tell them it is gone.
    struct Directed
    {
        QSet<Jid> targets;
    };

    std::optional<QSet<QString>> load(const QString &username);
    std::optional<QSet<QString>> current(const QString &username);
    QSet<QString> listOf(const QString &username);
    void remember(const QString &username, const QSet<QString> &items);
    bool store(const QString &username, bool block, const QStringList &jids, QString *error);
    void refuseOutbound(const StanzaEvent &event);
    void refuseInbound(const StanzaEvent &event);
    void push(const Jid &user, const XmlElement &command);
    QSet<Session *> presenceTargets(Session *source, const Roster *roster) const;
    void presenceOnBlock(Session *origin, const QSet<QString> &before, const QSet<QString> &after);
    void presenceOnUnblock(Session *origin, const QSet<QString> &before, const QSet<QString> &after);

    StanzaRouter &m_router;
    SessionManager &m_sessions;
    Database *m_database;
    QString m_domain;
    bool m_ready = false;
    quint64 m_nextPushId = 1;
    // Bound users: loaded at bind, dropped (into m_recent) when the last resource goes.
    QHash<QString, QSet<QString>> m_online;
    QCache<QString, QSet<QString>> m_recent;
    SessionData<Requested> m_requested;
    SessionData<Directed> m_directed;
};

// --- the lists ---

std::optional<QSet<QString>> BlockingModule::State::load(const QString &username)
{
    if (!m_ready || !m_database)
        return std::nullopt;
    CachedQuery cached = m_database->cachedQuery(u"SELECT jid FROM blocklist_items WHERE username = ?"_s);
    QSqlQuery &query = *cached;
    query.bindValue(0, username);
    if (!query.exec()) {
        qCWarning(lcStorage) << "block list of" << username << "not read:" << query.lastError().text();
        return std::nullopt;
    }
    QSet<QString> items;
    while (query.next())
        items.insert(query.value(0).toString());
    return items;
}

std::optional<QSet<QString>> BlockingModule::State::current(const QString &username)
{
    if (const auto it = m_online.constFind(username); it != m_online.constEnd())
        return *it;
    if (const QSet<QString> *cached = m_recent.object(username))
        return *cached;
    auto loaded = load(username);
    if (loaded)
        m_recent.insert(username, new QSet<QString>(*loaded));
    return loaded;
}

QSet<QString> BlockingModule::State::listOf(const QString &username)
{
    // A list that cannot be read blocks nothing (logged); the next stanza tries again.
    return current(username).value_or(QSet<QString>());
}

void BlockingModule::State::remember(const QString &username, const QSet<QString> &items)
{
    if (const auto it = m_online.find(username); it != m_online.end())
        *it = items;
    else
        m_recent.insert(username, new QSet<QString>(items));
}

void BlockingModule::State::onBound(Session *session)
{
    const QString &username = session->username();
    if (m_online.contains(username))
        return;
    if (auto items = current(username)) {
        m_recent.remove(username);
        m_online.insert(username, *items);
    }
}

void BlockingModule::State::onClosed(Session *session)
{
    if (!session->isConnectedResource())
        return;
    const auto resources = m_sessions.sessionsOfUser(session->bareJid());
    if (std::any_of(resources.cbegin(), resources.cend(), [session](Session *s) { return s != session; }))
        return;
    const auto it = m_online.find(session->username());
    if (it == m_online.end())
        return;
    m_recent.insert(it.key(), new QSet<QString>(it.value()));
    m_online.erase(it);
}

bool BlockingModule::State::store(const QString &username, bool block, const QStringList &jids, QString *error)
{
    if (!m_ready || !m_database) {
        *error = u"the block list table is not available"_s;
        return false;
    }
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        *error = transaction.errorText();
        return false;
    }
    QSqlQuery query(db);
    if (!block && jids.isEmpty()) {
        query.prepare(u"DELETE FROM blocklist_items WHERE username = ?"_s);
        query.addBindValue(username);
        if (!query.exec()) {
            *error = query.lastError().text();
            return false;
        }
    } else {
        query.prepare(block ? u"INSERT OR IGNORE INTO blocklist_items (username, jid) VALUES (?, ?)"_s
                            : u"DELETE FROM blocklist_items WHERE username = ? AND jid = ?"_s);
        for (const QString &jid : jids) {
            query.addBindValue(username);
            query.addBindValue(jid);
            if (!query.exec()) {
                *error = query.lastError().text();
                return false;
            }
        }
    }
    if (!transaction.commit()) {
        *error = transaction.errorText();
        return false;
    }
    return true;
}

// --- the commands (§3.2-§3.5) ---

bool BlockingModule::State::onGet(StanzaEvent &event)
{
    Session *origin = event.origin;
    if (!origin || !origin->isConnectedResource())
        return false;
    const auto items = current(origin->username());
    if (!items) {
        m_router.bounce(event, StanzaError::Condition::InternalServerError, u"The block list could not be read"_s);
        return true;
    }
    m_requested.get(origin).blocklist = true;
    QStringList sorted(items->cbegin(), items->cend());
    sorted.sort();
    XmlElement list(u"blocklist"_s, BlockingNs);
    for (const QString &jid : std::as_const(sorted))
        list.appendChild(XmlElement(u"item"_s, BlockingNs).setAttribute(u"jid"_s, jid));
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    result.appendChild(list);
    m_router.reply(event, result);
    return true;
}

bool BlockingModule::State::onSet(StanzaEvent &event, bool block)
{
    using C = StanzaError::Condition;
    Session *origin = event.origin;
    if (!origin || !origin->isConnectedResource())
        return false;
    const XmlElement command = event.stanza.firstChildElement(block ? u"block"_s : u"unblock"_s, BlockingNs);

    // The whole command is checked before anything changes.
    QStringList jids;
    for (const XmlElement &child : command.childElements()) {
        if (child.name() != u"item" || child.xmlns() != BlockingNs)
            continue;
        if (!child.hasAttribute(u"jid"_s)) {
            m_router.bounce(event, C::BadRequest, u"An item needs a jid"_s);
            return true;
        }
        const Jid jid = Jid::parse(child.attribute(u"jid"_s));
        if (jid.isNull()) {
            m_router.bounce(event, C::JidMalformed, u"An item's JID is not valid"_s);
            return true;
        }
        if (!jids.contains(jid.toString()))
            jids.append(jid.toString());
    }
    if (block && jids.isEmpty()) {   // §3.3
        m_router.bounce(event, C::BadRequest, u"A block command needs at least one item"_s);
        return true;
    }
    const QString &username = origin->username();
    const auto before = current(username);
    if (!before) {
        m_router.bounce(event, C::InternalServerError, u"The block list could not be read"_s);
        return true;
    }
    QSet<QString> after = *before;
    for (const QString &jid : std::as_const(jids)) {
        if (block)
            after.insert(jid);
        else
            after.remove(jid);
    }
    if (!block && jids.isEmpty())
        after.clear();   // §3.5: unblock everything
    if (block && after.size() > MaxItems) {
        m_router.bounce(event, C::NotAllowed, u"The block list is full"_s);
        return true;
    }
    QString error;
    if (!store(username, block, jids, &error)) {
        qCWarning(lcStorage) << "block list of" << username << "not stored:" << error;
        m_router.bounce(event, C::InternalServerError, u"The block list could not be stored"_s);
        return true;
    }
    // Committed. §3.3: the unavailable presence goes out while the old list is still in force
    // (the new one would stop it in the delivery filter).
    if (block)
        presenceOnBlock(origin, *before, after);
    remember(username, after);
    m_router.reply(event, StanzaRouter::makeIqResult(event.stanza));

    // §3.3-§3.5: the command, with the prepared JIDs, to every resource that asked for the list.
    XmlElement pushed(command.name(), BlockingNs);
    for (const QString &jid : std::as_const(jids))
        pushed.appendChild(XmlElement(u"item"_s, BlockingNs).setAttribute(u"jid"_s, jid));
    push(origin->bareJid(), pushed);

    if (!block)
        presenceOnUnblock(origin, *before, after);
    return true;
}

void BlockingModule::State::push(const Jid &user, const XmlElement &command)
{
    for (Session *session : m_sessions.sessionsOfUser(user)) {
        const Requested *requested = m_requested.find(session);
        if (!requested || !requested->blocklist)
            continue;
        XmlElement iq(u"iq"_s);
        iq.setAttribute(TypeAttr, u"set"_s);
        iq.setAttribute(u"id"_s, u"blockpush%1"_s.arg(m_nextPushId++));
        iq.setAttribute(ToAttr, session->fullJid().toString());
        iq.appendChild(command);
        m_router.deliver(session, iq);
    }
}

QSet<Session *> BlockingModule::State::presenceTargets(Session *source, const Roster *roster) const
{
    // Who sees this resource's presence: the available resources of "from"/"both" subscribers
    // (RFC 6121 §4.2.2) and of the JIDs it sent directed presence to (§4.6).
    QSet<Session *> targets;
    if (roster) {
        for (const RosterItem &item : std::as_const(roster->items)) {
            if (mayReceivePresence(item.subscription)) {
                for (Session *target : m_sessions.availableResourcesOfUser(item.jid))
                    targets.insert(target);
            }
        }
    }
    if (const Directed *directed = m_directed.find(source)) {
        for (const Jid &jid : directed->targets) {
            if (jid.isFull()) {
                if (Session *target = m_sessions.sessionByFullJid(jid))
                    targets.insert(target);
            } else {
                for (Session *target : m_sessions.availableResourcesOfUser(jid))
                    targets.insert(target);
            }
        }
    }
    return targets;
}

void BlockingModule::State::presenceOnBlock(Session *origin, const QSet<QString> &before, const QSet<QString> &after)
{
    // §3.3: unavailable from each available resource of the user to each resource that could
    // see its presence and is blocked now.
    const std::shared_ptr<Roster> roster = origin->roster();
    for (Session *source : m_sessions.availableResourcesOfUser(origin->bareJid())) {
        for (Session *target : presenceTargets(source, roster.get())) {
            if (!BlockingModule::matches(after, target->fullJid()) || BlockingModule::matches(before, target->fullJid()))
                continue;
            XmlElement unavailable(u"presence"_s);
            unavailable.setAttribute(TypeAttr, u"unavailable"_s);
            unavailable.setAttribute(FromAttr, source->fullJid().toString());
            unavailable.setAttribute(ToAttr, target->bareJid().toString());
            m_router.deliver(target, unavailable);
        }
    }
}

void BlockingModule::State::presenceOnUnblock(Session *origin, const QSet<QString> &before,
                                              const QSet<QString> &after)
{
    // §3.4: the user's current presence to each resource that may see it and is no longer
    // blocked.
    const std::shared_ptr<Roster> roster = origin->roster();
    const Jid user = origin->bareJid();
    const QList<Session *> own = m_sessions.availableResourcesOfUser(user);
    for (Session *source : own) {
        for (Session *target : presenceTargets(source, roster.get())) {
            if (!BlockingModule::matches(before, target->fullJid()) || BlockingModule::matches(after, target->fullJid()))
                continue;
            XmlElement presence = source->presence();
            presence.setAttribute(FromAttr, source->fullJid().toString());
            presence.setAttribute(ToAttr, target->bareJid().toString());
            m_router.deliver(target, presence);
        }
    }
    // As the local answer to a probe (RFC 6121 §4.3): the presence of contacts the user is
    // subscribed to comes back, since the block had hidden their changes.
    if (!roster)
        return;
    for (const RosterItem &item : std::as_const(roster->items)) {
        if (!receivesPresence(item.subscription))
            continue;
        for (Session *contact : m_sessions.availableResourcesOfUser(item.jid)) {
            if (!BlockingModule::matches(before, contact->fullJid()) || BlockingModule::matches(after, contact->fullJid())
                || !contactAllows(contact, user))
                continue;
            for (Session *target : own) {
                XmlElement presence = contact->presence();
                presence.setAttribute(FromAttr, contact->fullJid().toString());
                presence.setAttribute(ToAttr, target->fullJid().toString());
                m_router.deliver(target, presence);
            }
        }
    }
}

// --- routing: stanzas between a user and a JID the user blocks ---

bool BlockingModule::State::onPre(StanzaEvent &event)
{
    const Jid &from = event.from;
    const Jid &to = event.to;
    // §5: never between a user's own resources; the server itself (the domain) is no contact.
    if (from.node() == to.node() && from.domain() == to.domain())
        return false;
    const bool fromLocalUser = !from.node().isEmpty() && from.domain() == m_domain;
    const bool toServer = to.isDomain();
    // The user sends to a JID the user blocks (§3.3, last paragraph).
    if (fromLocalUser && !toServer && BlockingModule::matches(listOf(from.node()), to)) {
        refuseOutbound(event);
        return true;
    }
    // A JID the user blocks sends to the user (§3.3).
    const bool fromServer = from.isDomain() && from.domain() == m_domain;
    if (!to.node().isEmpty() && !fromServer && BlockingModule::matches(listOf(to.node()), from)) {
        refuseInbound(event);
        return true;
    }
    if (event.kind == Kind::Presence && event.origin && event.origin->isConnectedResource() && !to.node().isEmpty()) {
        const QString type = event.stanza.attribute(TypeAttr);
        if (type.isEmpty())
            m_directed.get(event.origin).targets.insert(to);
        else if (type == u"unavailable") {
            if (Directed *directed = m_directed.find(event.origin))
                directed->targets.remove(to);
        }
    }
    return false;
}

void BlockingModule::State::onBroadcast(const StanzaEvent &event)
{
    // Unavailable ends every directed presence too (RFC 6121 §4.6.3).
    if (event.origin && event.stanza.attribute(TypeAttr) == u"unavailable")
        m_directed.reset(event.origin);
}

void BlockingModule::State::refuseOutbound(const StanzaEvent &event)
{
    const QString type = event.stanza.attribute(TypeAttr);
    // Never an error for an error (RFC 6120 §8.3.1) nor for an iq result; and a stanza the
    // server sends on the user's behalf is dropped quietly: nobody asked.
    if (type == ErrorType || (event.kind == Kind::Iq && type == u"result") || !event.origin)
        return;
    XmlElement error = StanzaError::makeErrorElement(StanzaError::Condition::NotAcceptable, StanzaError::Type::Cancel);
    error.setXmlns(event.stanza.xmlns());
    error.appendChild(XmlElement(u"blocked"_s, ErrorsNs));
    XmlElement reply = event.stanza;
    reply.setAttribute(FromAttr, event.to.toString());
    reply.setAttribute(ToAttr, event.from.toString());
    reply.setAttribute(TypeAttr, ErrorType);
    reply.appendChild(error);
    m_router.reply(event, reply);
}

void BlockingModule::State::refuseInbound(const StanzaEvent &event)
{
    // §3.3: presence (notifications, subscriptions, probes) silently; messages and iq get/set
    // service-unavailable, as if the user were offline; iq result/error silently.
    const QString type = event.stanza.attribute(TypeAttr);
    if (event.kind == Kind::Presence || type == ErrorType)
        return;
    if (event.kind == Kind::Iq && type != u"get" && type != u"set")
        return;
    m_router.bounce(event, StanzaError::Condition::ServiceUnavailable);
}

bool BlockingModule::State::onDelivery(Delivery &delivery)
{
    // Everything the server writes between a user and a blocked JID without a stanza addressed
    // by a client: presence broadcasts and probe answers, unavailable on close, offline
    // messages, stored subscription requests. Errors are answers the pre- hooks already chose.
    Session *to = delivery.to;
    if (!to->isConnectedResource())
        return false;
    const QString from = delivery.stanza.attribute(FromAttr);
    if (from.isEmpty() || from == m_domain || delivery.stanza.attribute(TypeAttr) == ErrorType)
        return false;
    const Jid &recipient = to->fullJid();
    const qsizetype slash = from.indexOf(u'/');
    const QStringView fromBare = slash < 0 ? QStringView(from) : QStringView(from).left(slash);
    const qsizetype at = fromBare.indexOf(u'@');
    const QStringView node = at < 0 ? QStringView() : fromBare.left(at);
    const QStringView domain = at < 0 ? fromBare : fromBare.mid(at + 1);
    if (node == recipient.node() && domain == recipient.domain())
        return false;   // §5: the user's own resources
    // The recipient blocks the sender: held in memory for every bound user.
    const auto own = m_online.constFind(to->username());
    if (BlockingModule::matches(own != m_online.constEnd() ? *own : listOf(to->username()), QStringView(from)))
        return true;
    // A local sender blocks this resource.
    if (!node.isEmpty() && domain == m_domain && BlockingModule::matches(listOf(node.toString()), recipient))
        return true;
    return false;
}

// --- the module ---

BlockingModule::BlockingModule() = default;
BlockingModule::~BlockingModule() = default;

void BlockingModule::load(ModuleHost &host)
{
    auto state = std::make_shared<State>(host);
    m_state = state;
    host.addFeature(BlockingNs);   // §3.1: asked of the server; clients look there

    State *s = state.get();
    host.hookIq(false, Target::Self, BlockingNs, u"blocklist"_s, [s](StanzaEvent &e) { return s->onGet(e); });
    host.hookIq(true, Target::Self, BlockingNs, u"block"_s, [s](StanzaEvent &e) { return s->onSet(e, true); });
    host.hookIq(true, Target::Self, BlockingNs, u"unblock"_s, [s](StanzaEvent &e) { return s->onSet(e, false); });

    // Before any module serves an addressed stanza (the payload's iq handlers run before the
    // incoming events, and a message to an offline user would be stored): both directions.
    for (Kind kind : {Kind::Message, Kind::Presence, Kind::Iq}) {
        for (Target target : {Target::Host, Target::Bare, Target::Full})
            host.hook(Event::pre(kind, target), [s](StanzaEvent &e) { return s->onPre(e); }, 100);
    }
    host.hook(Event::pre(Kind::Presence, Target::Broadcast), [s](StanzaEvent &e) {
        s->onBroadcast(e);
        return false;
    }, 100);
    // First among the delivery filters: a dropped stanza is not worth copying or queueing.
    host.hookDelivery([s](Delivery &d) { return s->onDelivery(d); }, 100);

    host.hookSession(SessionManager::Event::Bound, [s](Session *session) { s->onBound(session); });
    // Last on close: the unavailable presence sent on the user's behalf still sees the list.
    host.hookSession(SessionManager::Event::Closed, [s](Session *session) { s->onClosed(session); }, -100);
    host.onAccountDeleted([s](const QString &username) { s->forget(username); });
}
