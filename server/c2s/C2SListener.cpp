#include "c2s/C2SListener.h"

#include "base/Logging.h"
#include "c2s/C2SContext.h"
#include "c2s/C2SStream.h"
#include "net/Connection.h"
#include "session/AuthThrottle.h"
#include "session/SessionManager.h"

using namespace Qt::StringLiterals;

namespace {
constexpr int RefusalGraceMs = 2000;   // time for the refusal's bytes to leave
}

std::optional<AdmissionRefusal> admissionRefusal(const C2SContext *context, const QHostAddress &peer)
{
    const ServerConfig &config = *context->config;
    SessionManager *sessions = context->sessions;
    const QString address = AuthThrottle::addressKey(peer);
    if (sessions->connectionCount() >= config.maxConnections)
        return AdmissionRefusal{StreamError::Condition::ResourceConstraint, u"Too many connections"_s};
    if (sessions->unauthenticatedCount() >= config.maxUnauthenticated)
        return AdmissionRefusal{StreamError::Condition::ResourceConstraint, u"Too many unauthenticated connections"_s};
    if (sessions->unauthenticatedFrom(address) >= config.maxUnauthenticatedPerIp) {
        return AdmissionRefusal{StreamError::Condition::PolicyViolation,
                                u"Too many unauthenticated connections from your address"_s};
    }
    return std::nullopt;
}

C2SListener::C2SListener(const C2SContext *context, bool directTls, QObject *parent)
    : QTcpServer(parent)
    , m_context(context)
    , m_directTls(directTls)
{
    // Qt listens with a backlog of 50: a burst of reconnecting clients (a network blip, a
    // restart) overflows it while the loop is busy, and the kernel drops or resets them.
    setListenBacklogSize(1024);
}

void C2SListener::incomingConnection(qintptr socketDescriptor)
{
    // No QSslSocket yet: only a connection that starts TLS pays for one.
    auto *conn = new Connection(socketDescriptor);
    // Admission, before a session, a parser or a TLS handshake costs anything.
    if (const auto refusal = admissionRefusal(m_context, conn->peerAddress())) {
        refuse(conn, refusal->condition, refusal->text);
        return;
    }
    SessionManager *sessions = m_context->sessions;
    // Stanzas are small and interactive: send each write at once rather than wait for Nagle.
    conn->setNoDelay(true);
    Session *session = sessions->createSession(conn, m_directTls);
    new C2SStream(session, m_context);
    if (m_directTls)
        conn->startServerEncryption(m_context->tls);
}

void C2SListener::refuse(Connection *conn, StreamError::Condition condition, const QString &text)
{
    qCInfo(lcC2s) << "refused a connection from" << conn->peerAddress().toString() << "port"
                  << serverPort() << ':' << text;
    if (m_directTls) {
        // An answer would need a handshake first, which is what we refuse to spend.
        conn->abortAndDelete();
        return;
    }
    // RFC 6120 §4.9.1.2: a stream error may come before the client's header, after ours.
    QByteArray bytes = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                       "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='"
                       + xmlEscape(m_context->config->domain) + "'>";
    bytes += StreamError::streamErrorXml(condition, text);
    bytes += "</stream:stream>";
    conn->write(bytes);
    // Its own end: the bytes leave, then FIN; input is drained so that no reset eats them.
    conn->closeGracefully(RefusalGraceMs);
}
