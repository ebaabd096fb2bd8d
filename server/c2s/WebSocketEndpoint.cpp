#include "c2s/WebSocketEndpoint.h"

#include "base/Logging.h"
#include "c2s/C2SContext.h"
#include "c2s/C2SListener.h"
#include "c2s/C2SStream.h"
#include "net/WebSocketFraming.h"
#include "net/WebSocketTransport.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "stanza/StreamError.h"
#include "xml/XmlElement.h"

#include <QTimer>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {
constexpr int RefusalGraceMs = 2000;   // time for the refusal's messages to leave

void closeLater(QWebSocket *socket, QWebSocketProtocol::CloseCode code, const QString &reason)
{
    QObject::connect(socket, &QWebSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(RefusalGraceMs, socket, &QObject::deleteLater);
    socket->close(code, reason);
}

void sendFramed(QWebSocket *socket, const QByteArray &streamBytes)
{
    socket->sendTextMessage(QString::fromUtf8(WebSocketFraming::toMessage(streamBytes)));
}
} // namespace

namespace WebSocketEndpoint {

void accept(const C2SContext *context, std::unique_ptr<QWebSocket> owned)
{
    QWebSocket *ws = owned.release();
    const QString peer = ws->peerAddress().toString();
    if (ws->requestUrl().path() != Path) {
        closeLater(ws, QWebSocketProtocol::CloseCodePolicyViolated, u"Unknown WebSocket endpoint"_s);
        return;
    }
    // §3.1: the subprotocol is what makes this XMPP; the listener answers 501 without it.
    if (ws->subprotocol() != Subprotocol) {
        qCInfo(lcC2s) << "refused a WebSocket without the xmpp subprotocol from" << peer;
        closeLater(ws, QWebSocketProtocol::CloseCodeProtocolError, u"The xmpp subprotocol is required"_s);
        return;
    }
    const ServerConfig &config = *context->config;
    if (const auto refusal = admissionRefusal(context, ws->peerAddress())) {
        qCInfo(lcC2s) << "refused a WebSocket from" << peer << ':' << refusal->text;
        // §3.6.1 with RFC 6120 §4.9.1.2: an <open/> for the error to belong to, the error, <close/>.
        sendFramed(ws, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                       "version='1.0' from='" + xmlEscape(config.domain) + "'>");
        sendFramed(ws, StreamError::streamErrorXml(refusal->condition, refusal->text));
        sendFramed(ws, "</stream:stream>");
        closeLater(ws, QWebSocketProtocol::CloseCodeNormal, QString());
        return;
    }
    // A message larger than a stanza may be is refused by QWebSocket itself (close 1009);
    // one between the two reaches the parser, which answers policy-violation.
    ws->setMaxAllowedIncomingMessageSize(quint64(2 * config.maxStanzaBytes + 1024));
    // What may wait unread while the read rate holds the stream back: a few stanzas, and a
    // second's worth at that rate.
    const qint64 maxQueued = 4 * config.maxStanzaBytes + qMax<qint64>(config.readRateBytes, 0);
    auto *transport = new WebSocketTransport(ws, maxQueued);
    // "Direct TLS" in the console's sense: the stream is encrypted from its first byte.
    Session *session = context->sessions->createSession(transport, true);
    new C2SStream(session, context);
    session->setEncrypted();
    qCDebug(lcC2s) << "session" << session->id() << "over WebSocket from" << peer;
}

} // namespace WebSocketEndpoint
