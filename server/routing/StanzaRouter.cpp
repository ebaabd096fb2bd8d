#include "routing/StanzaRouter.h"

#include "core/Logging.h"
#include "session/Session.h"
#include "session/SessionManager.h"

#include <algorithm>

using namespace Qt::StringLiterals;

StanzaRouter::StanzaRouter(SessionManager *sessions, const QString &domain)
    : m_sessions(sessions)
    , m_domain(domain)
{
}

void StanzaRouter::addHandler(const QString &event, Handler handler, int priority)
{
    auto &list = m_handlers[event];
    list.push_back({priority, std::move(handler)});
    std::stable_sort(list.begin(), list.end(), [](const Entry &a, const Entry &b) { return a.priority > b.priority; });
}

void StanzaRouter::routeFromClient(Session *origin, const XmlElement &input)
{
    StanzaEvent event;
    event.origin = origin;
    event.stanza = input;
    event.from = origin->fullJid();
    event.stanza.setAttribute(u"from"_s, event.from.toString());

    const QString kind = input.name();
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

    if (kind == u"iq") {
        // RFC 6120 §8.2.3: id and a known type are required; get/set carry exactly one payload.
        static const QStringList iqTypes{u"get"_s, u"set"_s, u"result"_s, u"error"_s};
        const bool isRequest = type == u"get" || type == u"set";
        if (input.attribute(u"id"_s).isEmpty() || !iqTypes.contains(type)
            || (isRequest && input.childElements().size() != 1)) {
            if (type != u"error" && type != u"result")
                bounce(event, StanzaError::Condition::BadRequest);
            return;
        }
    }
    dispatch(event);
}

void StanzaRouter::routeLocal(const XmlElement &stanza, Session *origin)
{
    StanzaEvent event;
    event.origin = origin;
    event.stanza = stanza;
    event.from = Jid::parse(stanza.attribute(u"from"_s));
    const QString toText = stanza.attribute(u"to"_s);
    event.toAbsent = toText.isNull();
    event.to = event.toAbsent ? event.from.bare() : Jid::parse(toText);
    if (event.to.isNull())
        return;
    dispatch(event);
}

void StanzaRouter::dispatch(StanzaEvent &event)
{
    const QString kind = event.stanza.name();
    QString target;
    if (event.to.domain() != m_domain) {
        // No server-to-server yet: every other domain is unreachable (RFC 6120 §8.3.3.15).
        bounce(event, StanzaError::Condition::RemoteServerNotFound);
        return;
    }
    if (event.to.node().isEmpty())
        target = u"host"_s;   // the domain, or domain/resource: the server itself
    else if (event.to.isFull())
        target = u"full"_s;
    else if (event.to == event.from.bare() && kind != u"presence")
        target = u"self"_s;
    else
        target = u"bare"_s;

    // RFC 6121 §4.2, §4.4, §4.5: presence without 'to' is the user's own, for the server to
    // broadcast; it has its own event rather than looking like presence to the bare JID.
    if (kind == u"presence" && event.toAbsent) {
        fire(u"presence/broadcast"_s, event);
        return;
    }

    const QString type = event.stanza.attribute(u"type"_s);
    if (kind == u"iq" && (type == u"get" || type == u"set")) {
        const XmlElement payload = event.stanza.childElements().value(0);
        const QString specific = u"iq-"_s + type + u'/' + target + u'/' + payload.xmlns() + u':' + payload.name();
        if (fire(specific, event))
            return;
    }
    if (fire(kind + u'/' + target, event))
        return;
    // A stanza to the user's own bare JID falls back to the bare handlers.
    if (target == u"self" && fire(kind + u"/bare"_s, event))
        return;

    if (kind == u"iq") {
        // RFC 6121 §8.5.3.1: to a connected full JID, any iq is routed to that resource;
        // §8.5.3.2.1 / §8.5.2.1.3: else a request gets service-unavailable, a response is dropped.
        if (target == u"full" && deliverToFullJid(event.to, event.stanza))
            return;
        if (type == u"get" || type == u"set")
            bounce(event, StanzaError::Condition::ServiceUnavailable);
        return;
    }
    if (kind == u"message" && type != u"error" && target != u"full")
        bounce(event, StanzaError::Condition::ServiceUnavailable);
}

bool StanzaRouter::fire(const QString &eventName, StanzaEvent &event)
{
    const auto it = m_handlers.constFind(eventName);
    if (it == m_handlers.constEnd())
        return false;
    for (const Entry &entry : *it) {
        if (entry.handler(event))
            return true;
    }
    return false;
}

void StanzaRouter::bounce(const StanzaEvent &event, StanzaError::Condition condition, const QString &text)
{
    if (event.stanza.attribute(u"type"_s) == u"error")
        return;
    XmlElement error = StanzaError::makeErrorReply(event.stanza, condition, text);
    error.setAttribute(u"from"_s, event.to.isNull() ? m_domain : event.to.toString());
    error.setAttribute(u"to"_s, event.from.toString());
    if (event.origin && !event.origin->isRetired())
        event.origin->send(error);
    else
        deliverToFullJid(event.from, error);
}

void StanzaRouter::reply(const StanzaEvent &event, const XmlElement &response)
{
    if (event.origin && !event.origin->isRetired())
        event.origin->send(response);
    else
        deliverToFullJid(event.from, response);
}

bool StanzaRouter::deliverToFullJid(const Jid &to, const XmlElement &stanza)
{
    Session *session = m_sessions->sessionByFullJid(to);
    if (!session)
        return false;
    session->send(stanza);
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
