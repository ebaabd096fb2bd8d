#include "modules/BindModule.h"

#include "auth/Crypto.h"
#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
const QString ClientNs = u"jabber:client"_s;
const QString BindNs = u"urn:ietf:params:xml:ns:xmpp-bind"_s;
const QString SessionNs = u"urn:ietf:params:xml:ns:xmpp-session"_s;
constexpr int FeaturePriority = 10;   // bind and session first, then the other modules' features

// The legacy session iq needs nothing: success.
XmlElement sessionResult(const XmlElement &iq)
{
    XmlElement result = StanzaRouter::makeIqResult(iq);
    result.removeAttribute(u"to"_s);
    return result;
}

void bind(SessionManager &sessions, Session *session, const XmlElement &iq)
{
    const XmlElement request = iq.firstChildElement(u"bind"_s, BindNs);
    const QString requested = request.childText(u"resource"_s, BindNs).trimmed();
    QString resource;
    if (requested.isEmpty()) {
        resource = QString::fromLatin1(Crypto::randomBytes(9).toBase64(QByteArray::Base64UrlEncoding));
    } else {
        resource = Jid::prepareResource(requested);
        if (resource.isEmpty()) {
            // §7.7.2.1: a resource that cannot be prepared is bad-request.
            session->send(StanzaError::makeErrorReply(iq, StanzaError::Condition::BadRequest,
                                                      u"The resource is not valid"_s));
            return;
        }
    }
    switch (sessions.bindResource(session, &resource)) {
    case SessionManager::BindResult::Conflict:
        session->send(StanzaError::makeErrorReply(iq, StanzaError::Condition::Conflict, u"That resource is in use"_s));
        return;
    case SessionManager::BindResult::NotAllowed:
        session->send(StanzaError::makeErrorReply(iq, StanzaError::Condition::NotAllowed));
        return;
    case SessionManager::BindResult::Bound:
        break;
    }
    XmlElement result = StanzaRouter::makeIqResult(iq);
    result.removeAttribute(u"from"_s);
    result.removeAttribute(u"to"_s);
    XmlElement bound(u"bind"_s, BindNs);
    bound.appendTextElement(u"jid"_s, session->fullJid().toString(), BindNs);
    result.appendChild(bound);
    session->send(result);
    qCInfo(lcC2s) << "session" << session->id() << "bound" << session->fullJid().toString();
}
} // namespace

void BindModule::load(ModuleHost &host)
{
    host.addStreamFeature(ModuleHost::Stage::AfterAuth, [](Session *, XmlElement &features) {
        features.appendChild(XmlElement(u"bind"_s, BindNs));
        // RFC 3921bis: old clients may still send the session iq; tell new ones they need not.
        XmlElement session(u"session"_s, SessionNs);
        session.appendChild(XmlElement(u"optional"_s, SessionNs));
        features.appendChild(session);
    }, FeaturePriority);

    // Before binding, the stream hands every stanza here (it is still negotiation: written
    // straight to the session, not routed).
    SessionManager &sessions = host.sessions();
    host.handleElement(ClientNs, [&sessions](Stream &stream, const XmlElement &stanza) {
        Session *session = stream.session();
        const QString name = stanza.name();
        // Other elements of jabber:client are not stanzas: unsupported-stanza-type (the stream).
        if (session->type() != Session::Type::C2SUnbound || (name != u"iq" && name != u"message" && name != u"presence"))
            return false;
        const bool isIqSet = stanza.name() == u"iq" && stanza.attribute(u"type"_s) == u"set";
        if (isIqSet && stanza.hasChildElement(u"bind"_s, BindNs)) {
            bind(sessions, session, stanza);
        } else if (isIqSet && stanza.hasChildElement(u"session"_s, SessionNs)) {
            session->send(sessionResult(stanza));
        } else if (stanza.name() == u"iq" && stanza.attribute(u"type"_s) != u"error"
                   && stanza.attribute(u"type"_s) != u"result") {
            // §7.1: nothing but binding before a resource is bound.
            session->send(StanzaError::makeErrorReply(stanza, StanzaError::Condition::NotAuthorized,
                                                      u"Bind a resource first"_s));
        }
        return true;
    });

    // Once bound: the session iq still succeeds, a second bind is not-allowed, whatever the
    // iq is addressed to.
    StanzaRouter &router = host.router();
    auto bound = [&router](StanzaEvent &event) {
        if (!event.origin || event.stanza.attribute(u"type"_s) != u"set")
            return false;
        if (event.stanza.hasChildElement(u"session"_s, SessionNs)) {
            router.reply(event, sessionResult(event.stanza));
            return true;
        }
        if (event.stanza.hasChildElement(u"bind"_s, BindNs)) {
            router.reply(event, StanzaError::makeErrorReply(event.stanza, StanzaError::Condition::NotAllowed,
                                                            u"A resource is already bound"_s));
            return true;
        }
        return false;
    };
    for (Target target : {Target::Host, Target::Self, Target::Bare, Target::Full})
        host.hook(Event::pre(Kind::Iq, target), bound, 1000);
}
