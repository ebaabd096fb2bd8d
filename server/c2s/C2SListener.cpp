#include "c2s/C2SListener.h"

#include "c2s/C2SContext.h"
#include "c2s/C2SStream.h"
#include "core/AuthThrottle.h"
#include "core/Logging.h"
#include "session/SessionManager.h"

#include <QSslSocket>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
constexpr int RefusalGraceMs = 2000;   // time for the refusal's bytes to leave
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
    auto *socket = new QSslSocket;
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcC2s) << "cannot adopt accepted socket:" << socket->errorString();
        delete socket;
        return;
    }
    // Admission, before a session, a parser or a TLS handshake costs anything.
    const ServerConfig &config = *m_context->config;
    SessionManager *sessions = m_context->sessions;
    const QString address = AuthThrottle::addressKey(socket->peerAddress());
    if (sessions->connectionCount() >= config.maxConnections) {
        refuse(socket, StreamError::Condition::ResourceConstraint, u"Too many connections"_s);
        return;
    }
    if (sessions->unauthenticatedCount() >= config.maxUnauthenticated) {
        refuse(socket, StreamError::Condition::ResourceConstraint, u"Too many unauthenticated connections"_s);
        return;
    }
    if (sessions->unauthenticatedFrom(address) >= config.maxUnauthenticatedPerIp) {
        refuse(socket, StreamError::Condition::PolicyViolation,
               u"Too many unauthenticated connections from your address"_s);
        return;
    }
    // Stanzas are small and interactive: send each write at once rather than wait for Nagle.
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    socket->setPeerVerifyMode(QSslSocket::VerifyNone);
    Session *session = sessions->createSession(socket, m_directTls);
    new C2SStream(session, m_context);
    if (m_directTls) {
        socket->setSslConfiguration(m_context->tls);
        socket->startServerEncryption();
    }
}

void C2SListener::refuse(QSslSocket *socket, StreamError::Condition condition, const QString &text)
{
    qCInfo(lcC2s) << "refused a connection from" << socket->peerAddress().toString() << "port"
                  << serverPort() << ':' << text;
    socket->setParent(this);
    if (!m_directTls) {
        // RFC 6120 §4.9.1.2: a stream error may come before the client's header, after ours.
        QByteArray bytes = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                           "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='"
                           + xmlEscape(m_context->config->domain) + "'>";
        bytes += StreamError::streamErrorXml(condition, text);
        bytes += "</stream:stream>";
        socket->write(bytes);
    }
    // Direct TLS: an answer would need a handshake first, which is what we refuse to spend.
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(RefusalGraceMs, socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
    if (m_directTls)
        socket->abort();
    else
        socket->disconnectFromHost();
}
