#include "modules/CarbonsModule.h"

#include "host/ModuleHost.h"
#include "modules/MessageRouting.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
const QString CarbonsNs = u"urn:xmpp:carbons:2"_s;
const QString ForwardNs = u"urn:xmpp:forward:0"_s;
const QString HintsNs = u"urn:xmpp:hints"_s;
const QString MucUserNs = u"http://jabber.org/protocol/muc#user"_s;
const QString ClientNs = u"jabber:client"_s;

// XEP-0280 §5 "Messages Eligible for Carbons Delivery", the suggested rules: type chat, or
// type normal with a body. Errors would need correlation with the message they answer (the
// XEP itself calls that unlikely to be appropriate), so none is copied; headline and
// groupchat are not instant messaging. Never copied either: <private/> (§8), the XEP-0334
// <no-copy/> hint, messages from a MUC (§5, its private messages included) and carbons
// themselves, so that a copy is never copied again.
bool isEligible(const XmlElement &message)
{
    switch (MessageRouting::kindOf(message.attribute(u"type"_s))) {
    case MessageRouting::Kind::Chat:
        break;
    case MessageRouting::Kind::Normal:
        if (!message.hasChildElement(u"body"_s))
            return false;
        break;
    default:
        return false;
    }
    for (const XmlElement &child : message.children()) {
        const QString ns = child.xmlns();
        if (ns == CarbonsNs || ns == MucUserNs || (ns == HintsNs && child.name() == u"no-copy"))
            return false;
    }
    return true;
}

// §6 and §7: from the user's bare JID to the receiving resource, the original's type kept, the
// original (in jabber:client) inside a XEP-0297 <forwarded/>.
XmlElement wrap(const QString &direction, const XmlElement &original, const QString &userBare)
{
    XmlElement copy = original;
    if (copy.xmlns().isEmpty())
        copy.setXmlns(ClientNs);
    XmlElement forwarded(u"forwarded"_s, ForwardNs);
    forwarded.appendChild(std::move(copy));
    XmlElement carbon(direction, CarbonsNs);
    carbon.appendChild(std::move(forwarded));
    XmlElement message(u"message"_s);
    message.setAttribute(u"from"_s, userBare);
    const QString type = original.attribute(u"type"_s);
    if (!type.isEmpty())
        message.setAttribute(u"type"_s, type);
    message.appendChild(std::move(carbon));
    return message;
}
} // namespace

void CarbonsModule::load(ModuleHost &host)
{
    m_host = &host;
    host.addFeature(CarbonsNs);   // §3: clients look for it on their server

    // §4, §5 of enabling/disabling: per session, repeated requests simply succeed (§10.1).
    for (const bool enable : {true, false}) {
        auto handler = [this, enable](StanzaEvent &event) {
            if (!event.origin) {
                m_host->router().bounce(event, StanzaError::Condition::NotAllowed);
                return true;
            }
            setEnabled(event.origin, enable);
            m_host->router().reply(event, StanzaRouter::makeIqResult(event.stanza));
            return true;
        };
        const QString name = enable ? u"enable"_s : u"disable"_s;
        host.hookIq(true, Target::Self, CarbonsNs, name, handler);
        host.hookIq(true, Target::Host, CarbonsNs, name, handler);
    }
    host.hookSession(SessionManager::Event::Closed, [this](Session *session) { setEnabled(session, false); });

    // Received copies: before the message module (priority 0) delivers, so that <private/> can
    // still be removed from what the recipient gets.
    auto incoming = [this](StanzaEvent &event) {
        onIncoming(event);
        return false;
    };
    host.hook(Event::incoming(Kind::Message, Target::Bare), incoming, 1);
    host.hook(Event::incoming(Kind::Message, Target::Full), incoming, 1);

    // Sent copies: after every other pre-message handler had its chance to rewrite or drop.
    auto outgoing = [this](StanzaEvent &event) {
        onOutgoing(event);
        return false;
    };
    host.hook(Event::pre(Kind::Message, Target::Bare), outgoing, -100);
    host.hook(Event::pre(Kind::Message, Target::Full), outgoing, -100);
}

void CarbonsModule::setEnabled(Session *session, bool enabled)
{
    State *state = enabled ? &m_state.get(session) : m_state.find(session);
    if (!state || state->enabled == enabled)
        return;
    state->enabled = enabled;
    const QString &user = session->username();
    if (enabled) {
        ++m_enabled[user];
    } else if (auto it = m_enabled.find(user); it != m_enabled.end() && --it.value() <= 0) {
        m_enabled.erase(it);
    }
}

void CarbonsModule::onIncoming(StanzaEvent &event)
{
    // §8: the receiving server makes no copies of a private message and SHOULD remove the
    // element before delivering it.
    if (event.stanza.hasChildElement(u"private"_s, CarbonsNs)) {
        event.stanza.removeChildElements(u"private"_s, CarbonsNs);
        return;
    }
    // The hot path: nobody of this user asked for copies.
    if (m_enabled.isEmpty() || !m_enabled.contains(event.to.node()))
        return;
    if (!isEligible(event.stanza))
        return;
    const QList<Session *> sessions = m_host->sessions().sessionsOfUser(event.to.bare());
    QList<Session *> skip = recipientsOf(event, sessions);
    // §6: copies go with a delivered message only; one stored offline has no one to copy to.
    if (skip.isEmpty())
        return;
    if (event.origin)
        skip.append(event.origin);   // a message between two resources of the same user
    sendCopies(u"received"_s, event.stanza, sessions, skip);
}

void CarbonsModule::onOutgoing(const StanzaEvent &event)
{
    // Only what a client of this user sends (not what the server posts on its behalf); to the
    // user's own account the received copies already reach every other enabled resource.
    if (m_enabled.isEmpty() || !m_enabled.contains(event.from.node()))
        return;   // the hot path: nobody of this user asked for copies
    Session *origin = event.origin;
    if (!origin || origin->fullJid() != event.from || event.to.node() == event.from.node())
        return;
    if (!isEligible(event.stanza) || event.stanza.hasChildElement(u"private"_s, CarbonsNs))
        return;
    // §7: every enabled resource of the sender except the sending one.
    sendCopies(u"sent"_s, event.stanza, m_host->sessions().sessionsOfUser(event.from.bare()), {origin});
}

QList<Session *> CarbonsModule::recipientsOf(const StanzaEvent &event, const QList<Session *> &sessions) const
{
    // The same decision the message module applies (RFC 6121 §8.5, MessageRouting).
    if (event.target == Target::Full) {
        if (Session *s = m_host->sessions().sessionByFullJid(event.to))
            return {s};
    }
    QList<MessageRouting::Resource> resources;
    resources.reserve(sessions.size());
    for (Session *s : sessions)
        resources.append({s->resource(), s->isAvailable(), s->priority()});
    const auto decision = MessageRouting::route(MessageRouting::kindOf(event.stanza.attribute(u"type"_s)),
                                                !sessions.isEmpty(), event.to.resource(), resources);
    QList<Session *> recipients;
    if (decision.action != MessageRouting::Decision::Action::Deliver)
        return recipients;
    for (Session *s : sessions) {
        if (decision.recipients.contains(s->resource()))
            recipients.append(s);
    }
    return recipients;
}

void CarbonsModule::sendCopies(const QString &direction, const XmlElement &original, const QList<Session *> &sessions,
                               const QList<Session *> &skip) const
{
    XmlElement carbon;
    for (Session *s : sessions) {
        const State *state = m_state.find(s);
        if (!state || !state->enabled || skip.contains(s))
            continue;
        if (carbon.isNull())
            carbon = wrap(direction, original, s->bareJid().toString());
        carbon.setAttribute(u"to"_s, s->fullJid().toString());
        m_host->router().deliver(s, carbon);
    }
}
