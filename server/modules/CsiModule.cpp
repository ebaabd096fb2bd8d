#include "modules/CsiModule.h"

#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
const QString CsiNs = u"urn:xmpp:csi:0"_s;
const QString ChatStatesNs = u"http://jabber.org/protocol/chatstates"_s;
const QString CarbonsNs = u"urn:xmpp:carbons:2"_s;
const QString ForwardNs = u"urn:xmpp:forward:0"_s;

// Below the filters that drop (blocking, 100) or stamp (MAM, 50), so that what is held is what
// would have been written; above stream management's queue, which must see what is written.
constexpr int FilterPriority = -50;

bool hasChatState(const XmlElement &message)
{
    for (const XmlElement &child : message.children()) {
        if (child.xmlns() == ChatStatesNs)
            return true;
    }
    return false;
}
} // namespace

void CsiModule::load(ModuleHost &host)
{
    m_host = &host;
    // §4: the feature is announced once the client is authenticated.
    host.addStreamFeature(ModuleHost::Stage::AfterAuth, [](Session *, XmlElement &features) {
        features.appendChild(XmlElement(u"csi"_s, CsiNs));
    });
    host.handleElement(CsiNs, [this](Stream &stream, const XmlElement &element) {
        Session *session = stream.session();
        const bool active = element.name() == u"active";
        if (!session || session->type() != Session::Type::C2S || (!active && element.name() != u"inactive"))
            return false;   // unknown element or no resource yet: the stream refuses it
        setInactive(session, !active);
        return true;
    });
    host.hookSession(SessionManager::Event::Closed, [this](Session *session) {
        // Held presence and chat states are stale by now: dropped with the session.
        if (State *state = m_state.find(session); state && state->inactive) {
            state->inactive = false;
            state->held.clear();
            state->slotOf.clear();
            --m_inactiveSessions;
        }
    });
    host.hookDelivery([this](Delivery &delivery) { return onDelivery(delivery); }, FilterPriority);
}

void CsiModule::setInactive(Session *session, bool inactive)
{
    State &state = m_state.get(session);
    if (state.inactive != inactive) {
        state.inactive = inactive;
        m_inactiveSessions += inactive ? 1 : -1;
        session->setCsiInactive(inactive);
    }
    if (!inactive)
        flush(session, state);   // §5: on <active/>, what was held is sent at once
}

void CsiModule::flush(Session *session, State &state)
{
    std::vector<XmlElement> held;
    held.swap(state.held);
    state.slotOf.clear();
    // Through the router again, so every filter (this one lets them pass) sees them in order.
    m_flushing = true;
    for (const XmlElement &stanza : held) {
        if (!stanza.isNull())
            m_host->router().deliver(session, stanza);
    }
    m_flushing = false;
}

CsiModule::Verdict CsiModule::classify(const XmlElement &stanza, QString *key)
{
    const QString name = stanza.name();
    const QString type = stanza.attribute(u"type"_s);
    if (name == u"presence") {
        // Availability can wait; a subscription request or answer, a probe or an error cannot.
        if (!type.isEmpty() && type != u"unavailable")
            return Verdict::Flush;
        *key = u"p "_s + stanza.attribute(u"from"_s);
        return Verdict::Hold;
    }
    if (name != u"message")
        return Verdict::Pass;   // iq: answers the client waits for
    if (type == u"error")
        return Verdict::Pass;
    // A carbon is judged by the message it carries.
    XmlElement message = stanza;
    QString direction;
    for (const QString &wrapper : {u"received"_s, u"sent"_s}) {
        const XmlElement inner = stanza.firstChildElement(wrapper, CarbonsNs)
                                     .firstChildElement(u"forwarded"_s, ForwardNs)
                                     .firstChildElement(u"message"_s);
        if (!inner.isNull()) {
            message = inner;
            direction = wrapper;
        }
    }
    if (message.hasChildElement(u"body"_s))
        return Verdict::Flush;   // the user wants to see this now, after what came before it
    if (!hasChatState(message))
        return Verdict::Pass;    // receipts, markers, archive results: small and awaited
    *key = u"c %1 %2 %3"_s.arg(direction, message.attribute(u"from"_s), message.attribute(u"to"_s));
    return Verdict::Hold;
}

bool CsiModule::onDelivery(Delivery &delivery)
{
    if (m_inactiveSessions == 0 || m_flushing)
        return false;
    State *state = m_state.find(delivery.to);
    if (!state || !state->inactive)
        return false;
    QString key;
    switch (classify(delivery.stanza, &key)) {
    case Verdict::Pass:
        return false;
    case Verdict::Flush:
        flush(delivery.to, *state);
        return false;
    case Verdict::Hold:
        break;
    }
    // Only the newest per contact and kind is kept, at the place of the newest.
    if (const auto it = state->slotOf.constFind(key); it != state->slotOf.constEnd())
        state->held[it.value()] = XmlElement();
    state->slotOf.insert(key, state->held.size());
    state->held.push_back(delivery.stanza);
    if (state->held.size() > size_t(MaxHeld)) {
        // Drop the replaced slots; if a great many contacts are still held, write them out
        // rather than grow.
        std::vector<XmlElement> live;
        state->slotOf.clear();
        for (XmlElement &stanza : state->held) {
            if (stanza.isNull())
                continue;
            QString liveKey;
            classify(stanza, &liveKey);
            state->slotOf.insert(liveKey, live.size());
            live.push_back(std::move(stanza));
        }
        state->held.swap(live);
        if (state->held.size() > size_t(MaxHeld) / 2)
            flush(delivery.to, *state);
    }
    return true;
}
