#include "modules/StartTlsModule.h"

#include "c2s/C2SContext.h"
#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "net/Transport.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
const QString TlsNs = u"urn:ietf:params:xml:ns:xmpp-tls"_s;
constexpr int FeaturePriority = 20;   // listed before the SASL mechanisms
} // namespace

void StartTlsModule::load(ModuleHost &host)
{
    const C2SContext *context = m_context;
    host.addStreamFeature(ModuleHost::Stage::BeforeAuth, [context](Session *session, XmlElement &features) {
        if (!context->tlsAvailable || session->isEncrypted())
            return;
        XmlElement starttls(u"starttls"_s, TlsNs);
        if (context->config->requireEncryption)
            starttls.appendChild(XmlElement(u"required"_s, TlsNs));
        features.appendChild(starttls);
    }, FeaturePriority);

    host.handleElement(TlsNs, [context](Stream &stream, const XmlElement &element) {
        if (element.name() != u"starttls")
            return false;
        Session *session = stream.session();
        if (!context->tlsAvailable || session->isEncrypted() || session->type() != Session::Type::C2SUnauthed) {
            session->sendRaw(QByteArrayLiteral("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
            stream.fail(StreamError::Condition::PolicyViolation, u"STARTTLS is not possible now"_s);
            return true;
        }
        session->sendRaw(QByteArrayLiteral("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
        // §5.4.3.3: the old stream is gone; the client opens a new one over TLS. The connection
        // sends <proceed/> to the end before its handshake begins.
        stream.restart();
        session->conn()->startServerEncryption(context->tls);
        return true;
    });
}
