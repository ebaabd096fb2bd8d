#include "routing/StanzaRouter.h"

#include "session/Session.h"
#include "session/SessionManager.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
template<class List, class Item>
void insertByPriority(List &list, Item item)
{
    // Highest priority first; equal priorities keep the order they were added in.
    const auto at = std::find_if(list.begin(), list.end(), [&](const auto &e) { return e.priority < item.priority; });
    list.insert(at, std::move(item));
}

std::optional<Kind> kindOf(const QString &name)
{
    if (name == u"message")
        return Kind::Message;
    if (name == u"presence")
        return Kind::Presence;
    if (name == u"iq")
        return Kind::Iq;
    return std::nullopt;
}
} // namespace

class StanzaRouter::SessionSink final : public DeliverySink
{
public:
    void write(Session *to, const XmlElement &stanza) override { to->send(stanza); }
};

StanzaRouter::StanzaRouter(SessionManager *sessions, const QString &domain)
    : m_sessions(sessions)
    , m_domain(domain)
    , m_defaultSink(std::make_unique<SessionSink>())
    , m_sink(m_defaultSink.get())
{
}

StanzaRouter::~StanzaRouter() = default;

void StanzaRouter::hook(Event event, Handler handler, int priority)
{
    insertByPriority(m_handlers[size_t(event.index())], Entry{priority, std::move(handler)});
}

void StanzaRouter::hookIq(bool set, Target target, const QString &ns, const QString &name, Handler handler,
                          int priority)
{
    insertByPriority(m_iqHandlers[IqKey{set, target, ns, name}], Entry{priority, std::move(handler)});
}

void StanzaRouter::addDeliveryFilter(DeliveryFilter filter, int priority)
{
    insertByPriority(m_filters, FilterEntry{priority, std::move(filter)});
}

void StanzaRouter::setSink(DeliverySink *sink)
{
    m_sink = sink ? sink : m_defaultSink.get();
}

void StanzaRouter::routeFromClient(Session *origin, const XmlElement &input)
{
    StanzaEvent event;
    event.origin = origin;
    event.stanza = input;
    event.from = origin->fullJid();
    event.stanza.setAttribute(u"from"_s, event.from.toString());
    event.kind = kindOf(input.name()).value_or(Kind::Message);

    const QString type = input.attribute(u"type"_s);
    const QString toText = input.attribute(u"to"_s);
    if (!toText.isNull()) {
        event.to = Jid::parse(toText);
        if (event.to.isNull()) {
            // RFC 6120 §8.3.3.8: a 'to' that is not a valid JID.
            event.to = event.from.bare();
            bounce(event, StanzaError::Condition::JidMalformed);
            return;
        }
        event.stanza.setAttribute(u"to"_s, event.to.toString());
    } else {
        event.toAbsent = true;
        event.to = event.from.bare();
    }

    if (event.kind == Kind::Iq) {
        // RFC 6120 §8.2.3: id and a known type are required; get/set carry exactly one payload.
        const bool isRequest = type == u"get" || type == u"set";
        if (input.attribute(u"id"_s).isEmpty() || !(isRequest || type == u"result" || type == u"error")
            || (isRequest && input.childElements().size() != 1)) {
            if (type != u"error" && type != u"result")
                bounce(event, StanzaError::Condition::BadRequest);
            return;
        }
    }
    dispatch(event);
}

void StanzaRouter::post(const XmlElement &stanza, Session *origin)
{
    const auto kind = kindOf(stanza.name());
    if (!kind)
        return;
    StanzaEvent event;
    event.origin = origin;
    event.stanza = stanza;
    event.kind = *kind;
    event.from = Jid::parse(stanza.attribute(u"from"_s));
    const QString toText = stanza.attribute(u"to"_s);
    event.toAbsent = toText.isNull();
    event.to = event.toAbsent ? event.from.bare() : Jid::parse(toText);
    if (event.to.isNull())
        return;
    dispatch(event);
}

void StanzaRouter::addComponent(const QString &domain, Handler handler)
{
    m_components.insert(domain, std::move(handler));
}

void StanzaRouter::dispatch(StanzaEvent &event)
{
    const Kind kind = event.kind;
    if (event.to.domain() != m_domain && m_components.contains(event.to.domain())) {
        event.target = Target::Host;
        const QString type = event.stanza.attribute(u"type"_s);
        if (!m_components.value(event.to.domain())(event) && kind == Kind::Iq && (type == u"get" || type == u"set"))
            bounce(event, StanzaError::Condition::ServiceUnavailable);
        return;
    }
    if (event.to.domain() != m_domain) {
        // No server-to-server yet: every other domain is unreachable (RFC 6120 §8.3.3.15).
        bounce(event, StanzaError::Condition::RemoteServerNotFound);
        return;
    }
    Target target;
    if (kind == Kind::Presence && event.toAbsent)
        target = Target::Broadcast;   // RFC 6121 §4.2, §4.4, §4.5: the user's own presence
    else if (event.to.node().isEmpty())
        target = Target::Host;        // the domain, or domain/resource: the server itself
    else if (event.to.isFull())
        target = Target::Full;
    else if (event.to == event.from.bare() && kind != Kind::Presence)
        target = Target::Self;
    else
        target = Target::Bare;
    event.target = target;

    if (run(m_handlers[size_t(Event::pre(kind, target).index())], event))
        return;   // dropped (or answered) before reaching its destination

    const QString type = event.stanza.attribute(u"type"_s);
    const bool isRequest = kind == Kind::Iq && (type == u"get" || type == u"set");
    if (isRequest && !m_iqHandlers.isEmpty()) {
        const XmlElement payload = event.stanza.firstChildElement();
        const auto it = m_iqHandlers.constFind(IqKey{type == u"set", target, payload.xmlns(), payload.name()});
        if (it != m_iqHandlers.constEnd() && run(*it, event))
            return;
    }
    if (run(m_handlers[size_t(Event::incoming(kind, target).index())], event))
        return;
    // A stanza to the user's own bare JID falls back to the bare handlers.
    if (target == Target::Self && run(m_handlers[size_t(Event::incoming(kind, Target::Bare).index())], event))
        return;
    if (target == Target::Broadcast)
        return;

    if (kind == Kind::Iq) {
        // RFC 6121 §8.5.3.1: to a connected full JID, any iq is routed to that resource;
        // §8.5.3.2.1 / §8.5.2.1.3: else a request gets service-unavailable, a response is dropped.
        if (target == Target::Full && deliverToFullJid(event.to, event.stanza))
            return;
        if (isRequest)
            bounce(event, StanzaError::Condition::ServiceUnavailable);
        return;
    }
    if (kind == Kind::Message && type != u"error" && target != Target::Full)
        bounce(event, StanzaError::Condition::ServiceUnavailable);
}

bool StanzaRouter::run(const std::vector<Entry> &list, StanzaEvent &event)
{
    for (const Entry &entry : list) {
        if (entry.handler(event))
            return true;
    }
    return false;
}

bool StanzaRouter::fire(Event event, StanzaEvent &stanzaEvent)
{
    return run(m_handlers[size_t(event.index())], stanzaEvent);
}

void StanzaRouter::deliver(Session *to, const XmlElement &stanza)
{
    if (!to || to->isRetired())
        return;
    if (m_filters.empty()) {
        m_sink->write(to, stanza);
        return;
    }
    Delivery delivery{to, stanza, {}};
    for (const FilterEntry &entry : m_filters) {
        if (entry.filter(delivery))
            return;
    }
    m_sink->write(delivery.to, delivery.stanza);
}

void StanzaRouter::deliver(Session *to, const XmlElement &stanza, std::function<void(bool delivered)> done)
{
    if (!done) {
        deliver(to, stanza);
        return;
    }
    if (!to || to->isRetired()) {
        done(false);
        return;
    }
    Delivery delivery{to, stanza, std::move(done)};
    bool dropped = false;
    for (const FilterEntry &entry : m_filters) {
        if (entry.filter(delivery)) {
            dropped = true;
            break;
        }
    }
    if (!dropped)
        m_sink->write(delivery.to, delivery.stanza);
    // Still ours: nobody took it over, so it was written (or deliberately dropped) now.
    if (delivery.done)
        delivery.done(true);
}

void StanzaRouter::bounce(const StanzaEvent &event, StanzaError::Condition condition, const QString &text)
{
    if (event.stanza.attribute(u"type"_s) == u"error")
        return;
    XmlElement error = StanzaError::makeErrorReply(event.stanza, condition, text);
    error.setAttribute(u"from"_s, event.to.isNull() ? m_domain : event.to.toString());
    error.setAttribute(u"to"_s, event.from.toString());
    reply(event, error);
}

void StanzaRouter::reply(const StanzaEvent &event, const XmlElement &response)
{
    if (event.origin && !event.origin->isRetired())
        deliver(event.origin, response);
    else
        deliverToFullJid(event.from, response);
}

bool StanzaRouter::deliverToFullJid(const Jid &to, const XmlElement &stanza)
{
    Session *session = m_sessions->sessionByFullJid(to);
    if (!session)
        return false;
    deliver(session, stanza);
    return true;
}

XmlElement StanzaRouter::makeIqResult(const XmlElement &request)
{
    XmlElement result(u"iq"_s, request.xmlns());
    result.setAttribute(u"type"_s, u"result"_s);
    result.setAttribute(u"id"_s, request.attribute(u"id"_s));
    const QString from = request.attribute(u"from"_s);
    const QString to = request.attribute(u"to"_s);
    if (!to.isNull())
        result.setAttribute(u"from"_s, to);
    if (!from.isNull())
        result.setAttribute(u"to"_s, from);
    return result;
}
