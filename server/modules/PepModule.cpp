#include "modules/PepModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "modules/PepService.h"
#include "modules/StoredStanza.h"
#include "session/Session.h"
#include "session/SessionData.h"
#include "stanza/Jid.h"
#include "storage/PepStore.h"
#include "storage/RosterStore.h"

#include <QCryptographicHash>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTimer>
#include <QUuid>
#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace {
const QString PubsubNs = u"http://jabber.org/protocol/pubsub"_s;
const QString OwnerNs = u"http://jabber.org/protocol/pubsub#owner"_s;
const QString EventNs = u"http://jabber.org/protocol/pubsub#event"_s;
const QString ErrorsNs = u"http://jabber.org/protocol/pubsub#errors"_s;
const QString DataNs = u"jabber:x:data"_s;
const QString CapsNs = u"http://jabber.org/protocol/caps"_s;
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;
const QString ItemsNs = u"http://jabber.org/protocol/disco#items"_s;
const QString NodeConfigForm = u"http://jabber.org/protocol/pubsub#node_config"_s;
const QString PublishOptionsForm = u"http://jabber.org/protocol/pubsub#publish-options"_s;
const QString NotifySuffix = u"+notify"_s;

const QString AccessModel = u"pubsub#access_model"_s;
const QString RosterGroups = u"pubsub#roster_groups_allowed"_s;
const QString PersistItems = u"pubsub#persist_items"_s;
const QString MaxItems = u"pubsub#max_items"_s;
const QString SendLast = u"pubsub#send_last_published_item"_s;
const QString NotifyRetract = u"pubsub#notify_retract"_s;
const QString Title = u"pubsub#title"_s;

constexpr int MaxNodeNameLength = 512;
constexpr int MaxFormFields = 64;
constexpr int MaxFieldValues = 64;
constexpr int MaxValueLength = 1024;
constexpr int MaxItemIdLength = 256;
constexpr int MaxCachedCaps = 2048;
constexpr int MaxPendingQueries = 4096;
constexpr int MaxRequestedIds = 64;

// The server's limits, from the module's options.
struct Limits
{
    int maxItems = 1000;
    int maxNodes = 512;
    int maxPayloadBytes = 128 * 1024;
};

// A node's configuration (XEP-0060 §16.4.3, the fields PEP needs).
struct NodeConfig
{
    QString accessModel = u"presence"_s;   // XEP-0163 §4.2: presence is the default
    QStringList rosterGroups;
    bool persistItems = true;
    int maxItems = 1;                        // PEP keeps "the last published item" by default
    QString sendLast = u"on_sub_and_presence"_s;
    bool notifyRetract = true;
    QString title;

    QString toJson() const
    {
        QJsonObject o;
        o.insert(u"access_model"_s, accessModel);
        o.insert(u"roster_groups_allowed"_s, QJsonArray::fromStringList(rosterGroups));
        o.insert(u"persist_items"_s, persistItems);
        o.insert(u"max_items"_s, maxItems);
        o.insert(u"send_last_published_item"_s, sendLast);
        o.insert(u"notify_retract"_s, notifyRetract);
        o.insert(u"title"_s, title);
        return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
    static NodeConfig fromJson(const QString &text)
    {
        NodeConfig c;
        const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
        c.accessModel = o.value(u"access_model"_s).toString(c.accessModel);
        c.rosterGroups.clear();
        for (const QJsonValue &v : o.value(u"roster_groups_allowed"_s).toArray())
            c.rosterGroups.append(v.toString());
        c.persistItems = o.value(u"persist_items"_s).toBool(true);
        c.maxItems = o.value(u"max_items"_s).toInt(1);
        c.sendLast = o.value(u"send_last_published_item"_s).toString(c.sendLast);
        c.notifyRetract = o.value(u"notify_retract"_s).toBool(true);
        c.title = o.value(u"title"_s).toString();
        return c;
    }
};

bool parseBool(const QString &value, bool *ok)
{
    *ok = true;
    if (value == u"1" || value == u"true")
        return true;
    if (value == u"0" || value == u"false")
        return false;
    *ok = false;
    return false;
}

// The fields of a submitted data form (XEP-0004), FORM_TYPE aside. Nullopt when the form is
// larger than a configuration can be.
std::optional<QHash<QString, QStringList>> formFields(const XmlElement &form, QString *formType)
{
    QHash<QString, QStringList> fields;
    int count = 0;
    for (const XmlElement &field : form.childElements()) {
        if (field.name() != u"field" || field.xmlns() != DataNs)
            continue;
        if (++count > MaxFormFields)
            return std::nullopt;
        QStringList values;
        for (const XmlElement &value : field.childElements()) {
            if (value.name() != u"value")
                continue;
            if (values.size() >= MaxFieldValues || value.text().size() > MaxValueLength)
                return std::nullopt;
            values.append(value.text());
        }
        const QString var = field.attribute(u"var"_s);
        if (var == u"FORM_TYPE")
            *formType = values.value(0);
        else if (!var.isEmpty())
            fields.insert(var, values);
    }
    return fields;
}

enum class FieldResult { Ok, Invalid, Unknown };

// Sets one field on `config`; "max" for max_items is the server's limit (XEP-0060 §16.4.3).
FieldResult applyField(NodeConfig &config, const QString &var, const QStringList &values, const Limits &limits)
{
    const QString value = values.value(0).trimmed();
    bool ok = true;
    if (var == AccessModel) {
        static const QStringList models{u"open"_s, u"presence"_s, u"roster"_s, u"whitelist"_s};
        if (!models.contains(value))
            return FieldResult::Invalid;
        config.accessModel = value;
    } else if (var == RosterGroups) {
        config.rosterGroups = values;
    } else if (var == PersistItems) {
        config.persistItems = parseBool(value, &ok);
    } else if (var == MaxItems) {
        if (value == u"max") {
            config.maxItems = limits.maxItems;
        } else {
            const int n = value.toInt(&ok);
            if (!ok || n < 1 || n > limits.maxItems)
                return FieldResult::Invalid;
            config.maxItems = n;
        }
    } else if (var == SendLast) {
        static const QStringList whens{u"never"_s, u"on_sub"_s, u"on_sub_and_presence"_s};
        if (!whens.contains(value))
            return FieldResult::Invalid;
        config.sendLast = value;
    } else if (var == NotifyRetract) {
        config.notifyRetract = parseBool(value, &ok);
    } else if (var == Title) {
        config.title = value;
    } else {
        return FieldResult::Unknown;
    }
    return ok ? FieldResult::Ok : FieldResult::Invalid;
}

XmlElement field(const QString &var, const QString &type, const QStringList &values,
                 const QStringList &options = {})
{
    XmlElement f(u"field"_s, DataNs);
    f.setAttribute(u"var"_s, var);
    if (!type.isEmpty())
        f.setAttribute(u"type"_s, type);
    for (const QString &o : options) {
        XmlElement option(u"option"_s, DataNs);
        option.appendTextElement(u"value"_s, o, DataNs);
        f.appendChild(option);
    }
    for (const QString &v : values)
        f.appendTextElement(u"value"_s, v, DataNs);
    return f;
}

XmlElement configForm(const NodeConfig &c, const Limits &limits)
{
    XmlElement x(u"x"_s, DataNs);
    x.setAttribute(u"type"_s, u"form"_s);
    x.appendChild(field(u"FORM_TYPE"_s, u"hidden"_s, {NodeConfigForm}));
    x.appendChild(field(AccessModel, u"list-single"_s, {c.accessModel},
                        {u"open"_s, u"presence"_s, u"roster"_s, u"whitelist"_s}));
    x.appendChild(field(RosterGroups, u"list-multi"_s, c.rosterGroups));
    x.appendChild(field(PersistItems, u"boolean"_s, {c.persistItems ? u"true"_s : u"false"_s}));
    x.appendChild(field(MaxItems, u"text-single"_s,
                        {c.maxItems >= limits.maxItems ? u"max"_s : QString::number(c.maxItems)}));
    x.appendChild(field(SendLast, u"list-single"_s, {c.sendLast},
                        {u"never"_s, u"on_sub"_s, u"on_sub_and_presence"_s}));
    x.appendChild(field(NotifyRetract, u"boolean"_s, {c.notifyRetract ? u"true"_s : u"false"_s}));
    x.appendChild(field(Title, u"text-single"_s, {c.title}));
    return x;
}

// An error reply with a pubsub#errors application condition (XEP-0060 §7.1.3, §6.5.9…).
XmlElement errorReply(const XmlElement &request, StanzaError::Condition condition, const QString &appCondition)
{
    XmlElement reply(u"iq"_s);
    reply.setAttribute(u"type"_s, u"error"_s);
    reply.setAttribute(u"id"_s, request.attribute(u"id"_s));
    const QString from = request.attribute(u"from"_s);
    const QString to = request.attribute(u"to"_s);
    if (!to.isEmpty())
        reply.setAttribute(u"from"_s, to);
    if (!from.isEmpty())
        reply.setAttribute(u"to"_s, from);
    XmlElement error = StanzaError::makeErrorElement(condition);
    if (!appCondition.isEmpty())
        error.appendChild(XmlElement(appCondition, ErrorsNs));
    reply.appendChild(std::move(error));
    return reply;
}

bool mayReceivePresence(const QString &subscription)
{
    return subscription == u"from" || subscription == u"both";
}
} // namespace

// --- the service ---

class PepModule::State final : public PepService
{
public:
    explicit State(ModuleHost &host);

    // PepService
    bool publish(const QString &owner, const QString &node, const QString &itemId, const XmlElement &payload,
                 const QHash<QString, QString> &options, QString *error) override;
    bool retract(const QString &owner, const QString &node, const QString &itemId) override;
    QList<Item> items(const QString &owner, const QString &node, int max) const override;
    void listen(const QString &node, Listener listener) override { m_listeners[node].append(std::move(listener)); }
    QList<NodeSummary> nodes(const QString &owner) const override;
    QHash<QString, Item> latestOfEveryOwner(const QString &node) const override;
    bool deleteNode(const QString &owner, const QString &node) override;

    // Handlers
    bool onSet(StanzaEvent &event);
    bool onGet(StanzaEvent &event);
    bool onOwnerGet(StanzaEvent &event);
    bool onOwnerSet(StanzaEvent &event);
    bool onForeignSet(StanzaEvent &event);
    bool onDiscoItems(StanzaEvent &event);
    void onPresence(StanzaEvent &event);
    bool onDiscoResponse(StanzaEvent &event);
    void onClosed(Session *session);
    void forgetOwner(const QString &owner);   // an account deleted: its last items kept in memory

private:
    // What a resource wants notifications for (XEP-0163 §4.3.4), from its capabilities.
    struct Interest
    {
        QString ver;
        QSet<QString> notify;
        bool known = false;
    };
    struct PendingQuery
    {
        quint64 session = 0;
        QString node;
        QString ver;
        QString hash;
    };
    enum class Access { Allowed, NotSubscribed, NotInGroup, Closed };
    using Owners = QHash<Jid, RosterStore::Item>;

    void reply(StanzaEvent &event, const XmlElement &response) { m_router.reply(event, response); }
    void fail(StanzaEvent &event, StanzaError::Condition condition, const QString &app = QString())
    {
        reply(event, errorReply(event.stanza, condition, app));
    }

    std::optional<NodeConfig> configOf(const QString &owner, const QString &node) const;
    Owners rosterOf(const QString &owner) const;
    Access access(const QString &owner, const NodeConfig &config, const Jid &requester, const Owners &roster) const;
    bool validNodeName(const QString &node) const { return !node.isEmpty() && node.size() <= MaxNodeNameLength; }
    StanzaError::Condition commit(const QString &owner, const QString &node, const std::optional<NodeConfig> &existing,
                                  const NodeConfig &config, const PepStore::Item &item, const XmlElement &payload);

    void doPublish(StanzaEvent &event, const XmlElement &pubsub, const XmlElement &publish);
    void doRetract(StanzaEvent &event, const XmlElement &retract);
    void doCreate(StanzaEvent &event, const XmlElement &pubsub, const XmlElement &create);
    bool configFromForm(const XmlElement &form, NodeConfig &config, bool strict) const;

    XmlElement eventMessage(const QString &owner, const QString &to, const XmlElement &eventChild) const;
    XmlElement itemElement(const QString &id, const XmlElement &payload) const;
    // Sends `eventChild` (in the #event namespace) to every resource that may see the node and
    // wants its notifications.
    void notify(const QString &owner, const QString &node, const NodeConfig &config, const XmlElement &eventChild);
    void fireListeners(const QString &owner, const QString &node, const Item &item);
    void interestKnown(Session *session, const QSet<QString> &before);
    void sendLastItems(Session *session, const QSet<QString> &nodes);

    StanzaRouter &m_router;
    SessionManager &m_sessions;
    ModuleHost &m_host;
    PepStore m_store;
    RosterStore m_rosters;
    Limits m_limits;
    bool m_ready = false;
    QHash<QString, QList<Listener>> m_listeners;
    // Last items of nodes that do not persist them (persist_items=false): kept in memory only.
    QHash<QString, Item> m_volatile;
    QHash<QString, QSet<QString>> m_capsCache;   // verified ver → nodes wanted
    QHash<QString, PendingQuery> m_pending;
    quint64 m_nextQuery = 1;
    SessionData<Interest> m_interest;
    QObject m_context;   // deferred sends die with the module
};

PepModule::State::State(ModuleHost &host)
    : m_router(host.router())
    , m_sessions(host.sessions())
    , m_host(host)
    , m_store(host.database())
    , m_rosters(host.database())
{
    m_limits.maxItems = int(host.optionInt(u"pep_max_items"_s, m_limits.maxItems));
    m_limits.maxNodes = int(host.optionInt(u"pep_max_nodes"_s, m_limits.maxNodes));
    m_limits.maxPayloadBytes = int(host.optionInt(u"pep_max_payload_bytes"_s, m_limits.maxPayloadBytes));
    QString error;
    m_ready = host.database() && host.migrate(u"pep"_s, PepStore::migrations(), &error);
    if (!m_ready)
        qCCritical(lcStorage) << "PEP nodes unavailable:" << error;
}

std::optional<NodeConfig> PepModule::State::configOf(const QString &owner, const QString &node) const
{
    const auto text = m_store.config(owner, node);
    if (!text)
        return std::nullopt;
    return NodeConfig::fromJson(*text);
}

PepModule::State::Owners PepModule::State::rosterOf(const QString &owner) const
{
    Owners result;
    // A connected owner's roster is in memory and current; otherwise read it.
    for (Session *s : m_sessions.sessionsOfUser(Jid::fromParts(owner, m_host.domain()))) {
        if (const std::shared_ptr<Roster> &roster = s->roster()) {
            for (const RosterItem &item : std::as_const(roster->items)) {
                RosterStore::Item copy;
                copy.jid = item.jid;
                copy.subscription = RosterItem::subscriptionName(item.subscription);
                copy.groups = item.groups;
                result.insert(item.jid, copy);
            }
            return result;
        }
    }
    if (const auto snapshot = m_rosters.load(owner)) {
        for (const RosterStore::Item &item : snapshot->items)
            result.insert(item.jid, item);
    }
    return result;
}

PepModule::State::Access PepModule::State::access(const QString &owner, const NodeConfig &config,
                                                  const Jid &requester, const Owners &roster) const
{
    const Jid bare = requester.bare();
    if (bare.node() == owner && bare.domain() == m_host.domain())
        return Access::Allowed;
    if (config.accessModel == u"open")
        return Access::Allowed;
    const auto it = roster.constFind(bare);
    if (config.accessModel == u"presence")
        return it != roster.constEnd() && mayReceivePresence(it->subscription) ? Access::Allowed : Access::NotSubscribed;
    if (config.accessModel == u"roster") {
        if (it == roster.constEnd())
            return Access::NotInGroup;
        for (const QString &group : it->groups) {
            if (config.rosterGroups.contains(group))
                return Access::Allowed;
        }
        return Access::NotInGroup;
    }
    return Access::Closed;   // whitelist: the owner alone (no affiliations are managed)
}

// --- publishing ---

XmlElement PepModule::State::itemElement(const QString &id, const XmlElement &payload) const
{
    XmlElement item(u"item"_s, EventNs);
    item.setAttribute(u"id"_s, id);
    if (!payload.isNull())
        item.appendChild(payload);
    return item;
}

XmlElement PepModule::State::eventMessage(const QString &owner, const QString &to, const XmlElement &eventChild) const
{
    XmlElement message(u"message"_s);
    message.setAttribute(u"from"_s, Jid::fromParts(owner, m_host.domain()).toString());
    message.setAttribute(u"to"_s, to);
    message.setAttribute(u"type"_s, u"headline"_s);
    message.setAttribute(u"id"_s, QUuid::createUuid().toString(QUuid::WithoutBraces));
    XmlElement event(u"event"_s, EventNs);
    event.appendChild(eventChild);
    message.appendChild(std::move(event));
    return message;
}

void PepModule::State::notify(const QString &owner, const QString &node, const NodeConfig &config,
                              const XmlElement &eventChild)
{
    const Jid ownerJid = Jid::fromParts(owner, m_host.domain());
    // XEP-0163 §4.3.2: the owner's own resources and the contacts with a presence subscription
    // to the owner (implicit subscription), filtered by access model and by +notify.
    QList<Session *> targets = m_sessions.availableResourcesOfUser(ownerJid);
    const Owners roster = rosterOf(owner);
    for (auto it = roster.constBegin(); it != roster.constEnd(); ++it) {
        if (!mayReceivePresence(it->subscription) || access(owner, config, it.key(), roster) != Access::Allowed)
            continue;
        targets.append(m_sessions.availableResourcesOfUser(it.key()));
    }
    for (Session *s : std::as_const(targets)) {
        const Interest *interest = m_interest.find(s);
        if (!interest || !interest->notify.contains(node))
            continue;
        m_router.deliver(s, eventMessage(owner, s->fullJid().toString(), eventChild));
    }
}

void PepModule::State::fireListeners(const QString &owner, const QString &node, const Item &item)
{
    const auto it = m_listeners.constFind(node);
    if (it == m_listeners.constEnd())
        return;
    const QList<Listener> listeners = *it;   // a listener may publish in turn
    for (const Listener &listener : listeners)
        listener(owner, node, item);
}

StanzaError::Condition PepModule::State::commit(const QString &owner, const QString &node,
                                                const std::optional<NodeConfig> &existing, const NodeConfig &config,
                                                const PepStore::Item &item, const XmlElement &payload)
{
    if (!m_ready)
        return StanzaError::Condition::InternalServerError;
    if (!existing) {
        const int count = m_store.nodeCount(owner);
        if (count < 0)
            return StanzaError::Condition::InternalServerError;
        if (count >= m_limits.maxNodes)
            return StanzaError::Condition::ResourceConstraint;
    }
    QString error;
    PepStore::Item stored = item;
    if (!config.persistItems)
        stored.payload.clear();
    // persist_items=false keeps the node but no item in the database (the last one in memory).
    if (!m_store.publish(owner, node, config.toJson(), stored, config.persistItems ? config.maxItems : 0, &error)) {
        qCWarning(lcStorage) << "PEP publish to" << owner << node << "failed:" << error;
        return StanzaError::Condition::InternalServerError;
    }
    const QString key = owner + u'\n' + node;
    if (config.persistItems)
        m_volatile.remove(key);
    else
        m_volatile.insert(key, {item.id, item.publisher, payload});
    XmlElement items(u"items"_s, EventNs);
    items.setAttribute(u"node"_s, node);
    items.appendChild(itemElement(item.id, payload));
    notify(owner, node, config, items);
    fireListeners(owner, node, {item.id, item.publisher, payload});
    return StanzaError::Condition::UndefinedCondition;   // none
}

bool PepModule::State::configFromForm(const XmlElement &form, NodeConfig &config, bool strict) const
{
    QString formType;
    const auto fields = formFields(form, &formType);
    if (!fields)
        return false;
    for (auto it = fields->constBegin(); it != fields->constEnd(); ++it) {
        const FieldResult r = applyField(config, it.key(), it.value(), m_limits);
        if (r == FieldResult::Invalid || (strict && r == FieldResult::Unknown))
            return false;
    }
    return true;
}

void PepModule::State::doPublish(StanzaEvent &event, const XmlElement &pubsub, const XmlElement &publish)
{
    const QString owner = event.from.node();
    const QString node = publish.attribute(u"node"_s);
    if (node.isEmpty())
        return fail(event, StanzaError::Condition::BadRequest, u"nodeid-required"_s);
    if (!validNodeName(node))
        return fail(event, StanzaError::Condition::NotAcceptable);
    const QList<XmlElement> itemEls = publish.childElements();
    if (itemEls.isEmpty())
        return fail(event, StanzaError::Condition::BadRequest, u"item-required"_s);   // §7.1.3.6
    if (itemEls.size() > 1 || itemEls.first().name() != u"item")
        return fail(event, StanzaError::Condition::BadRequest, u"invalid-payload"_s);   // §7.1.3.5
    const XmlElement itemEl = itemEls.first();
    const QList<XmlElement> payloads = itemEl.childElements();
    if (payloads.isEmpty())
        return fail(event, StanzaError::Condition::BadRequest, u"payload-required"_s);   // §7.1.3.6
    if (payloads.size() > 1)
        return fail(event, StanzaError::Condition::BadRequest, u"invalid-payload"_s);
    const XmlElement payload = payloads.first();
    const QString payloadText = StoredStanza::toText(payload);
    if (payloadText.toUtf8().size() > m_limits.maxPayloadBytes)
        return fail(event, StanzaError::Condition::NotAcceptable, u"payload-too-big"_s);   // §7.1.3.4
    QString id = itemEl.attribute(u"id"_s);
    if (id.size() > MaxItemIdLength)
        return fail(event, StanzaError::Condition::NotAcceptable);
    if (id.isEmpty())
        id = QUuid::createUuid().toString(QUuid::WithoutBraces);

    const std::optional<NodeConfig> existing = configOf(owner, node);
    NodeConfig config = existing.value_or(NodeConfig());
    // §7.1.5: publish-options are preconditions on an existing node, the configuration of a new one.
    const XmlElement options = pubsub.firstChildElement(u"publish-options"_s, PubsubNs).firstChildElement(u"x"_s, DataNs);
    if (!options.isNull()) {
        NodeConfig wanted = config;
        if (!configFromForm(options, wanted, false))
            return fail(event, StanzaError::Condition::Conflict, u"precondition-not-met"_s);
        if (existing && wanted.toJson() != existing->toJson())
            return fail(event, StanzaError::Condition::Conflict, u"precondition-not-met"_s);
        config = wanted;
    }
    const PepStore::Item item{id, event.from.bare().toString(), payloadText, 0};
    const StanzaError::Condition condition = commit(owner, node, existing, config, item, payload);
    if (condition != StanzaError::Condition::UndefinedCondition)
        return fail(event, condition);
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement ps(u"pubsub"_s, PubsubNs);
    XmlElement pub(u"publish"_s, PubsubNs);
    pub.setAttribute(u"node"_s, node);
    XmlElement ack(u"item"_s, PubsubNs);
    ack.setAttribute(u"id"_s, id);
    pub.appendChild(ack);
    ps.appendChild(pub);
    result.appendChild(ps);
    reply(event, result);
}

void PepModule::State::doRetract(StanzaEvent &event, const XmlElement &retractEl)
{
    const QString owner = event.from.node();
    const QString node = retractEl.attribute(u"node"_s);
    if (node.isEmpty())
        return fail(event, StanzaError::Condition::BadRequest, u"nodeid-required"_s);
    const QString id = retractEl.firstChildElement(u"item"_s, PubsubNs).attribute(u"id"_s);
    if (id.isEmpty())
        return fail(event, StanzaError::Condition::BadRequest, u"item-required"_s);
    const auto config = configOf(owner, node);
    if (!config)
        return fail(event, StanzaError::Condition::ItemNotFound);
    QString error;
    if (!m_store.retract(owner, node, id, &error))
        return fail(event, error.isEmpty() ? StanzaError::Condition::ItemNotFound
                                           : StanzaError::Condition::InternalServerError);
    reply(event, StanzaRouter::makeIqResult(event.stanza));
    const QString notifyAttr = retractEl.attribute(u"notify"_s);
    if (config->notifyRetract || notifyAttr == u"true" || notifyAttr == u"1") {
        XmlElement items(u"items"_s, EventNs);
        items.setAttribute(u"node"_s, node);
        XmlElement r(u"retract"_s, EventNs);
        r.setAttribute(u"id"_s, id);
        items.appendChild(r);
        notify(owner, node, *config, items);
    }
    fireListeners(owner, node, {id, QString(), XmlElement()});
}

void PepModule::State::doCreate(StanzaEvent &event, const XmlElement &pubsub, const XmlElement &create)
{
    const QString owner = event.from.node();
    const QString node = create.attribute(u"node"_s);
    if (node.isEmpty())
        return fail(event, StanzaError::Condition::NotAcceptable, u"nodeid-required"_s);   // no instant nodes
    if (!validNodeName(node))
        return fail(event, StanzaError::Condition::NotAcceptable);
    if (configOf(owner, node))
        return fail(event, StanzaError::Condition::Conflict);
    NodeConfig config;
    const XmlElement form = pubsub.firstChildElement(u"configure"_s, PubsubNs).firstChildElement(u"x"_s, DataNs);
    if (!form.isNull() && !configFromForm(form, config, false))
        return fail(event, StanzaError::Condition::NotAcceptable);
    const int count = m_store.nodeCount(owner);
    if (count < 0 || !m_ready)
        return fail(event, StanzaError::Condition::InternalServerError);
    if (count >= m_limits.maxNodes)
        return fail(event, StanzaError::Condition::ResourceConstraint);
    if (!m_store.createNode(owner, node, config.toJson()))
        return fail(event, StanzaError::Condition::InternalServerError);
    reply(event, StanzaRouter::makeIqResult(event.stanza));
}

bool PepModule::State::onSet(StanzaEvent &event)
{
    if (!event.origin)
        return false;
    const XmlElement pubsub = event.stanza.firstChildElement(u"pubsub"_s, PubsubNs);
    const XmlElement publish = pubsub.firstChildElement(u"publish"_s, PubsubNs);
    if (!publish.isNull()) {
        doPublish(event, pubsub, publish);
        return true;
    }
    const XmlElement retractEl = pubsub.firstChildElement(u"retract"_s, PubsubNs);
    if (!retractEl.isNull()) {
        doRetract(event, retractEl);
        return true;
    }
    const XmlElement create = pubsub.firstChildElement(u"create"_s, PubsubNs);
    if (!create.isNull()) {
        doCreate(event, pubsub, create);
        return true;
    }
    // Explicit subscriptions: PEP subscribes through presence and +notify (XEP-0163 §4.3).
    fail(event, StanzaError::Condition::FeatureNotImplemented, u"unsupported"_s);
    return true;
}

bool PepModule::State::onForeignSet(StanzaEvent &event)
{
    // Only the owner publishes to or manages its own service (XEP-0163 §4.2).
    if (!m_host.accountExists(event.to.node()))
        fail(event, StanzaError::Condition::ServiceUnavailable);
    else
        fail(event, StanzaError::Condition::Forbidden);
    return true;
}

bool PepModule::State::onGet(StanzaEvent &event)
{
    const XmlElement pubsub = event.stanza.firstChildElement(u"pubsub"_s, PubsubNs);
    const XmlElement itemsEl = pubsub.firstChildElement(u"items"_s, PubsubNs);
    if (itemsEl.isNull()) {
        fail(event, StanzaError::Condition::FeatureNotImplemented, u"unsupported"_s);
        return true;
    }
    const QString owner = event.to.node();
    const QString node = itemsEl.attribute(u"node"_s);
    if (node.isEmpty()) {
        fail(event, StanzaError::Condition::BadRequest, u"nodeid-required"_s);
        return true;
    }
    const auto config = configOf(owner, node);
    if (!config) {
        fail(event, StanzaError::Condition::ItemNotFound);
        return true;
    }
    switch (access(owner, *config, event.from, config->accessModel == u"open" ? Owners() : rosterOf(owner))) {
    case Access::Allowed:
        break;
    case Access::NotSubscribed:   // §6.5.9
        fail(event, StanzaError::Condition::NotAuthorized, u"presence-subscription-required"_s);
        return true;
    case Access::NotInGroup:
        fail(event, StanzaError::Condition::NotAuthorized, u"not-in-roster-group"_s);
        return true;
    case Access::Closed:
        fail(event, StanzaError::Condition::NotAllowed, u"closed-node"_s);
        return true;
    }
    QStringList ids;
    for (const XmlElement &item : itemsEl.childElements()) {
        if (item.name() == u"item" && !item.attribute(u"id"_s).isEmpty())
            ids.append(item.attribute(u"id"_s));
    }
    if (ids.size() > MaxRequestedIds) {
        fail(event, StanzaError::Condition::NotAcceptable);
        return true;
    }
    bool ok = true;
    const QString maxText = itemsEl.attribute(u"max_items"_s);
    const int max = maxText.isEmpty() ? -1 : maxText.toInt(&ok);
    if (!ok || (max < 0 && !maxText.isEmpty())) {
        fail(event, StanzaError::Condition::BadRequest);
        return true;
    }
    QList<Item> found;
    if (!config->persistItems) {
        const auto it = m_volatile.constFind(owner + u'\n' + node);
        if (it != m_volatile.constEnd() && (ids.isEmpty() || ids.contains(it->id)) && max != 0)
            found.append(*it);
    } else {
        const auto stored = ids.isEmpty() ? m_store.items(owner, node, max) : m_store.itemsById(owner, node, ids);
        if (!stored) {
            fail(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        for (const PepStore::Item &s : *stored)
            found.append({s.id, s.publisher, StoredStanza::fromText(s.payload)});
    }
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement ps(u"pubsub"_s, PubsubNs);
    XmlElement items(u"items"_s, PubsubNs);
    items.setAttribute(u"node"_s, node);
    for (const Item &item : std::as_const(found)) {
        XmlElement e(u"item"_s, PubsubNs);
        e.setAttribute(u"id"_s, item.id);
        if (!item.payload.isNull())
            e.appendChild(item.payload);
        items.appendChild(e);
    }
    ps.appendChild(items);
    result.appendChild(ps);
    reply(event, result);
    return true;
}

bool PepModule::State::onOwnerGet(StanzaEvent &event)
{
    const XmlElement pubsub = event.stanza.firstChildElement(u"pubsub"_s, OwnerNs);
    const XmlElement configure = pubsub.firstChildElement(u"configure"_s, OwnerNs);
    const XmlElement defaults = pubsub.firstChildElement(u"default"_s, OwnerNs);
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement ps(u"pubsub"_s, OwnerNs);
    if (!configure.isNull()) {
        const QString node = configure.attribute(u"node"_s);
        const auto config = configOf(event.from.node(), node);
        if (!config) {
            fail(event, StanzaError::Condition::ItemNotFound);
            return true;
        }
        XmlElement c(u"configure"_s, OwnerNs);
        c.setAttribute(u"node"_s, node);
        c.appendChild(configForm(*config, m_limits));
        ps.appendChild(c);
    } else if (!defaults.isNull()) {
        XmlElement d(u"default"_s, OwnerNs);
        d.appendChild(configForm(NodeConfig(), m_limits));
        ps.appendChild(d);
    } else {
        fail(event, StanzaError::Condition::FeatureNotImplemented, u"unsupported"_s);
        return true;
    }
    result.appendChild(ps);
    reply(event, result);
    return true;
}

bool PepModule::State::onOwnerSet(StanzaEvent &event)
{
    const QString owner = event.from.node();
    const XmlElement pubsub = event.stanza.firstChildElement(u"pubsub"_s, OwnerNs);
    const XmlElement request = pubsub.firstChildElement();
    const QString node = request.attribute(u"node"_s);
    if (node.isEmpty()) {
        fail(event, StanzaError::Condition::BadRequest, u"nodeid-required"_s);
        return true;
    }
    const auto config = configOf(owner, node);
    if (!config) {
        fail(event, StanzaError::Condition::ItemNotFound);
        return true;
    }
    if (request.name() == u"configure") {
        const XmlElement form = request.firstChildElement(u"x"_s, DataNs);
        if (form.attribute(u"type"_s) == u"cancel") {   // §8.2.6
            reply(event, StanzaRouter::makeIqResult(event.stanza));
            return true;
        }
        NodeConfig updated = *config;
        if (form.isNull() || !configFromForm(form, updated, false)) {   // §8.2.5.3
            fail(event, StanzaError::Condition::NotAcceptable);
            return true;
        }
        if (!m_store.configure(owner, node, updated.toJson(), updated.persistItems ? updated.maxItems : 0)) {
            fail(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        reply(event, StanzaRouter::makeIqResult(event.stanza));
        return true;
    }
    if (request.name() == u"purge") {
        if (!m_store.purge(owner, node)) {
            fail(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        m_volatile.remove(owner + u'\n' + node);
        reply(event, StanzaRouter::makeIqResult(event.stanza));
        XmlElement purge(u"purge"_s, EventNs);
        purge.setAttribute(u"node"_s, node);
        notify(owner, node, *config, purge);
        return true;
    }
    if (request.name() == u"delete") {
        if (!deleteNode(owner, node)) {
            fail(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        reply(event, StanzaRouter::makeIqResult(event.stanza));
        return true;
    }
    fail(event, StanzaError::Condition::FeatureNotImplemented, u"unsupported"_s);
    return true;
}

// XEP-0060 §5.2: the nodes of an account that the requester may read.
bool PepModule::State::onDiscoItems(StanzaEvent &event)
{
    const XmlElement query = event.stanza.firstChildElement(u"query"_s, ItemsNs);
    const QString owner = event.to.node();
    if (query.hasAttribute(u"node"_s) || !m_host.accountExists(owner))
        return false;   // the disco module answers (or refuses) as before
    std::optional<Owners> roster;
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement answer(u"query"_s, ItemsNs);
    const QString ownerJid = Jid::fromParts(owner, m_host.domain()).toString();
    for (const PepStore::Node &n : m_store.nodes(owner)) {
        const NodeConfig config = NodeConfig::fromJson(n.config);
        if (!roster && config.accessModel != u"open")
            roster = rosterOf(owner);
        if (access(owner, config, event.from, roster.value_or(Owners())) != Access::Allowed)
            continue;
        XmlElement item(u"item"_s, ItemsNs);
        item.setAttribute(u"jid"_s, ownerJid);
        item.setAttribute(u"node"_s, n.name);
        answer.appendChild(item);
    }
    result.appendChild(answer);
    reply(event, result);
    return true;
}

// --- PepService ---

bool PepModule::State::publish(const QString &owner, const QString &node, const QString &itemId,
                               const XmlElement &payload, const QHash<QString, QString> &options, QString *error)
{
    const std::optional<NodeConfig> existing = configOf(owner, node);
    NodeConfig config = existing.value_or(NodeConfig());
    if (!existing) {
        for (auto it = options.constBegin(); it != options.constEnd(); ++it) {
            if (applyField(config, it.key(), {it.value()}, m_limits) == FieldResult::Invalid) {
                if (error)
                    *error = u"not-acceptable"_s;
                return false;
            }
        }
    }
    const QString text = StoredStanza::toText(payload);
    const QString id = itemId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces) : itemId;
    const StanzaError::Condition condition =
            commit(owner, node, existing, config, {id, Jid::fromParts(owner, m_host.domain()).toString(), text, 0}, payload);
    if (condition == StanzaError::Condition::UndefinedCondition)
        return true;
    if (error)
        *error = StanzaError::conditionName(condition);
    return false;
}

bool PepModule::State::retract(const QString &owner, const QString &node, const QString &itemId)
{
    const auto config = configOf(owner, node);
    if (!config || !m_store.retract(owner, node, itemId))
        return false;
    if (config->notifyRetract) {
        XmlElement items(u"items"_s, EventNs);
        items.setAttribute(u"node"_s, node);
        XmlElement r(u"retract"_s, EventNs);
        r.setAttribute(u"id"_s, itemId);
        items.appendChild(r);
        notify(owner, node, *config, items);
    }
    fireListeners(owner, node, {itemId, QString(), XmlElement()});
    return true;
}

QList<PepService::Item> PepModule::State::items(const QString &owner, const QString &node, int max) const
{
    QList<Item> result;
    const auto config = configOf(owner, node);
    if (!config)
        return result;
    if (!config->persistItems) {
        const auto it = m_volatile.constFind(owner + u'\n' + node);
        if (it != m_volatile.constEnd() && max != 0)
            result.append(*it);
        return result;
    }
    if (const auto stored = m_store.items(owner, node, max)) {
        for (const PepStore::Item &s : *stored)
            result.append({s.id, s.publisher, StoredStanza::fromText(s.payload)});
    }
    return result;
}

QList<PepService::NodeSummary> PepModule::State::nodes(const QString &owner) const
{
    QList<NodeSummary> result;
    for (const PepStore::Node &n : m_store.nodes(owner)) {
        const NodeConfig config = NodeConfig::fromJson(n.config);
        const int volatileItems = !config.persistItems && m_volatile.contains(owner + u'\n' + n.name) ? 1 : 0;
        result.append({n.name, n.items + volatileItems, config.accessModel});
    }
    return result;
}

QHash<QString, PepService::Item> PepModule::State::latestOfEveryOwner(const QString &node) const
{
    QHash<QString, Item> result;
    const auto latest = m_store.latestOfEveryOwner(node);
    for (auto it = latest.constBegin(); it != latest.constEnd(); ++it)
        result.insert(it.key(), {it->id, it->publisher, StoredStanza::fromText(it->payload)});
    return result;
}

bool PepModule::State::deleteNode(const QString &owner, const QString &node)
{
    const auto config = configOf(owner, node);
    if (!config || !m_store.deleteNode(owner, node))
        return false;
    m_volatile.remove(owner + u'\n' + node);
    XmlElement del(u"delete"_s, EventNs);
    del.setAttribute(u"node"_s, node);
    notify(owner, node, *config, del);
    return true;
}

// --- capabilities and the last items ---

void PepModule::State::onPresence(StanzaEvent &event)
{
    Session *session = event.origin;
    if (!session || !session->isConnectedResource())
        return;
    const QString type = event.stanza.attribute(u"type"_s);
    if (!type.isEmpty())
        return;   // unavailable and the rest: nothing to learn
    const bool initial = !session->isAvailable();
    const XmlElement caps = event.stanza.firstChildElement(u"c"_s, CapsNs);
    if (caps.isNull())
        return;
    const QString ver = caps.attribute(u"ver"_s);
    const QString capsNode = caps.attribute(u"node"_s);
    const QString hash = caps.attribute(u"hash"_s);
    if (ver.isEmpty() || ver.size() > 128 || capsNode.size() > 512)
        return;
    Interest &interest = m_interest.get(session);
    if (interest.known && interest.ver == ver) {
        if (initial)
            sendLastItems(session, interest.notify);
        return;
    }
    const auto cached = m_capsCache.constFind(ver);
    if (cached != m_capsCache.constEnd()) {
        const QSet<QString> before = initial ? QSet<QString>() : interest.notify;
        interest.ver = ver;
        interest.notify = *cached;
        interest.known = true;
        interestKnown(session, before);
        return;
    }
    // XEP-0115 §6.2: ask the resource what the verification string stands for.
    if (m_pending.size() >= MaxPendingQueries)
        m_pending.clear();   // answers that never came; the sessions ask again at their next presence
    const QString id = u"pep-caps-%1"_s.arg(m_nextQuery++);
    m_pending.insert(id, {session->id(), capsNode, ver, hash});
    XmlElement iq(u"iq"_s);
    iq.setAttribute(u"type"_s, u"get"_s);
    iq.setAttribute(u"id"_s, id);
    iq.setAttribute(u"from"_s, session->bareJid().toString());
    iq.setAttribute(u"to"_s, session->fullJid().toString());
    XmlElement query(u"query"_s, InfoNs);
    query.setAttribute(u"node"_s, capsNode + u'#' + ver);
    iq.appendChild(query);
    // After the presence itself has gone out (the presence module runs after this hook): the
    // client sees its presence echo first, then the question.
    const quint64 sessionId = session->id();
    QTimer::singleShot(0, &m_context, [this, sessionId, iq] {
        Session *target = m_sessions.session(sessionId);
        if (target && !target->isRetired())
            m_router.deliver(target, iq);
    });
}

bool PepModule::State::onDiscoResponse(StanzaEvent &event)
{
    const QString type = event.stanza.attribute(u"type"_s);
    if (type != u"result" && type != u"error")
        return false;
    const auto it = m_pending.find(event.stanza.attribute(u"id"_s));
    if (it == m_pending.end() || !event.origin || it->session != event.origin->id())
        return false;
    const PendingQuery pending = *it;
    m_pending.erase(it);
    Session *session = event.origin;
    if (type == u"error")
        return true;
    const XmlElement query = event.stanza.firstChildElement(u"query"_s, InfoNs);
    QSet<QString> wanted;
    for (const XmlElement &f : query.childElements()) {
        const QString var = f.attribute(u"var"_s);
        if (f.name() == u"feature" && var.endsWith(NotifySuffix) && var.size() > NotifySuffix.size())
            wanted.insert(var.chopped(NotifySuffix.size()));
    }
    // Only a verified answer speaks for every client showing the same string (§5.4).
    if (!pending.hash.isEmpty() && capsHash(query, pending.hash) == pending.ver) {
        if (m_capsCache.size() >= MaxCachedCaps)
            m_capsCache.clear();
        m_capsCache.insert(pending.ver, wanted);
    }
    Interest &interest = m_interest.get(session);
    const QSet<QString> before = interest.notify;
    interest.ver = pending.ver;
    interest.notify = wanted;
    interest.known = true;
    if (session->isAvailable())
        interestKnown(session, before);
    return true;
}

void PepModule::State::interestKnown(Session *session, const QSet<QString> &before)
{
    const Interest *interest = m_interest.find(session);
    if (!interest)
        return;
    QSet<QString> fresh = interest->notify;
    fresh.subtract(before);
    if (!fresh.isEmpty())
        sendLastItems(session, fresh);
}

void PepModule::State::sendLastItems(Session *session, const QSet<QString> &wanted)
{
    if (wanted.isEmpty() || !m_ready)
        return;
    // The user's own nodes, and those of every contact whose presence the user receives.
    QList<Jid> owners{session->bareJid()};
    if (const std::shared_ptr<Roster> &roster = session->roster()) {
        for (const RosterItem &item : std::as_const(roster->items)) {
            if (item.subscription == RosterItem::Subscription::To || item.subscription == RosterItem::Subscription::Both)
                owners.append(item.jid);
        }
    }
    for (const Jid &ownerJid : std::as_const(owners)) {
        if (ownerJid.domain() != m_host.domain() || ownerJid.node().isEmpty())
            continue;
        const QString owner = ownerJid.node();
        std::optional<Owners> roster;
        for (const PepStore::Node &n : m_store.nodes(owner)) {
            if (!wanted.contains(n.name))
                continue;
            const NodeConfig config = NodeConfig::fromJson(n.config);
            if (config.sendLast == u"never")
                continue;
            if (config.accessModel == u"roster" && !roster)
                roster = rosterOf(owner);
            if (access(owner, config, session->bareJid(), roster.value_or(Owners())) != Access::Allowed
                && config.accessModel != u"presence")   // presence: the roster says the user may see it
                continue;
            const QList<Item> last = items(owner, n.name, 1);
            if (last.isEmpty())
                continue;
            XmlElement itemsEl(u"items"_s, EventNs);
            itemsEl.setAttribute(u"node"_s, n.name);
            itemsEl.appendChild(itemElement(last.first().id, last.first().payload));
            m_router.deliver(session, eventMessage(owner, session->fullJid().toString(), itemsEl));
        }
    }
}

void PepModule::State::onClosed(Session *session)
{
    m_interest.reset(session);
}

void PepModule::State::forgetOwner(const QString &owner)
{
    // Keys are "owner\nnode"; the nodes and their stored items went with the account's rows.
    const QString prefix = owner + u'\n';
    m_volatile.removeIf([&prefix](const auto &entry) { return entry.key().startsWith(prefix); });
}

// --- XEP-0115 §5.1 ---

QString PepModule::capsHash(const XmlElement &query, const QString &algorithm)
{
    QCryptographicHash::Algorithm algo;
    if (algorithm == u"sha-1")
        algo = QCryptographicHash::Sha1;
    else if (algorithm == u"sha-256")
        algo = QCryptographicHash::Sha256;
    else
        return QString();
    QStringList identities;
    QStringList features;
    QList<QPair<QString, QString>> forms;   // FORM_TYPE, its serialisation
    for (const XmlElement &child : query.childElements()) {
        if (child.name() == u"identity") {
            identities.append(child.attribute(u"category"_s) + u'/' + child.attribute(u"type"_s) + u'/'
                              + child.attribute(u"xml:lang"_s) + u'/' + child.attribute(u"name"_s) + u'<');
        } else if (child.name() == u"feature") {
            features.append(child.attribute(u"var"_s) + u'<');
        } else if (child.name() == u"x" && child.xmlns() == DataNs) {
            QString formType;
            bool hidden = false;
            QList<QPair<QString, QStringList>> fields;
            for (const XmlElement &f : child.childElements()) {
                if (f.name() != u"field")
                    continue;
                QStringList values;
                for (const XmlElement &v : f.childElements()) {
                    if (v.name() == u"value")
                        values.append(v.text());
                }
                const QString var = f.attribute(u"var"_s);
                if (var == u"FORM_TYPE") {
                    formType = values.value(0);
                    hidden = f.attribute(u"type"_s) == u"hidden";
                } else {
                    values.sort();
                    fields.append({var, values});
                }
            }
            if (formType.isEmpty())
                continue;   // §5.4 step 3.6: forms without FORM_TYPE are ignored
            if (!hidden)
                return QString();
            std::sort(fields.begin(), fields.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
            QString s = formType + u'<';
            for (const auto &[var, values] : std::as_const(fields)) {
                s += var + u'<';
                for (const QString &v : values)
                    s += v + u'<';
            }
            forms.append({formType, s});
        }
    }
    // §5.4 step 3.3-3.5: duplicates make the answer unusable.
    if (QSet<QString>(identities.begin(), identities.end()).size() != identities.size()
        || QSet<QString>(features.begin(), features.end()).size() != features.size())
        return QString();
    identities.sort();
    features.sort();
    std::sort(forms.begin(), forms.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    for (int i = 1; i < forms.size(); ++i) {
        if (forms[i].first == forms[i - 1].first)
            return QString();
    }
    QString s = identities.join(QString()) + features.join(QString());
    for (const auto &form : std::as_const(forms))
        s += form.second;
    return QString::fromLatin1(QCryptographicHash::hash(s.toUtf8(), algo).toBase64());
}

// --- the module ---

PepModule::PepModule() = default;
PepModule::~PepModule() = default;

PepService &PepModule::service()
{
    return *m_state;
}

ModuleOptions PepModule::options()
{
    return {{u"pep_max_items"_s, ModuleOption::Type::Integer, 1, 100000},
            {u"pep_max_nodes"_s, ModuleOption::Type::Integer, 1, 100000},
            {u"pep_max_payload_bytes"_s, ModuleOption::Type::Integer, 1024, 64 * 1024 * 1024}};
}

void PepModule::load(ModuleHost &host)
{
    m_state = std::make_unique<State>(host);
    State *s = m_state.get();
    // XEP-0163 §6.1: the account is a PEP service; §7.1.5 and the features clients look for
    // before publishing (OMEMO clients refuse without publish-options).
    host.addAccountIdentity(u"pubsub"_s, u"pep"_s);
    for (const QString &feature :
         {PubsubNs, PubsubNs + u"#publish"_s, PubsubNs + u"#publish-options"_s, PubsubNs + u"#auto-create"_s,
          PubsubNs + u"#access-presence"_s, PubsubNs + u"#access-open"_s, PubsubNs + u"#access-roster"_s,
          PubsubNs + u"#access-whitelist"_s, PubsubNs + u"#config-node"_s, PubsubNs + u"#create-nodes"_s,
          PubsubNs + u"#delete-items"_s, PubsubNs + u"#delete-nodes"_s, PubsubNs + u"#filtered-notifications"_s,
          PubsubNs + u"#last-published"_s, PubsubNs + u"#persistent-items"_s, PubsubNs + u"#purge-nodes"_s,
          PubsubNs + u"#retrieve-items"_s, PubsubNs + u"#auto-subscribe"_s, PubsubNs + u"#presence-notifications"_s,
          PubsubNs + u"#retract-items"_s, PubsubNs + u"#item-ids"_s}) {
        host.addFeature(feature);
        host.addAccountFeature(feature);
    }
    host.hookIq(true, Target::Self, PubsubNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onSet(e); });
    host.hookIq(true, Target::Bare, PubsubNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onForeignSet(e); });
    host.hookIq(true, Target::Bare, OwnerNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onForeignSet(e); });
    host.hookIq(false, Target::Bare, OwnerNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onForeignSet(e); });
    for (Target target : {Target::Self, Target::Bare})
        host.hookIq(false, target, PubsubNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onGet(e); });
    host.hookIq(false, Target::Self, OwnerNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onOwnerGet(e); });
    // Ahead of the disco module's empty list of an account's items.
    for (Target target : {Target::Self, Target::Bare})
        host.hookIq(false, target, ItemsNs, u"query"_s, [s](StanzaEvent &e) { return s->onDiscoItems(e); }, 10);
    host.hookIq(true, Target::Self, OwnerNs, u"pubsub"_s, [s](StanzaEvent &e) { return s->onOwnerSet(e); });
    // Ahead of the presence module (which ends the event): learn the caps, pass the presence on.
    host.hook(Event::incoming(Kind::Presence, Target::Broadcast), [s](StanzaEvent &e) {
        s->onPresence(e);
        return false;
    }, 90);
    // Answers to our disco#info queries come to the user's bare JID from its own resource.
    host.hook(Event::pre(Kind::Iq, Target::Self), [s](StanzaEvent &e) { return s->onDiscoResponse(e); }, 200);
    host.hookSession(SessionManager::Event::Closed, [s](Session *session) { s->onClosed(session); }, -100);
    host.onAccountDeleted([s](const QString &username) { s->forgetOwner(username); });
}
