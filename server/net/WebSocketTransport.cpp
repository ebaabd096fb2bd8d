#include "net/WebSocketTransport.h"

#include "net/WebSocketFraming.h"

#include <QSslConfiguration>
#include <QTimerEvent>
#include <QWebSocket>

using namespace Qt::StringLiterals;

WebSocketTransport::WebSocketTransport(QWebSocket *socket, qint64 maxQueued, QObject *parent)
    : Transport(parent)
    , m_socket(socket)
    , m_maxQueued(maxQueued)
{
    m_socket->setParent(this);
    // RFC 7395 §3.2: text messages (UTF-8, which QWebSocket checks). A binary one is read as
    // the same bytes: the stream parser still requires them to be UTF-8 XML.
    connect(m_socket, &QWebSocket::textMessageReceived, this,
            [this](const QString &message) { onMessage(message.toUtf8()); });
    connect(m_socket, &QWebSocket::binaryMessageReceived, this, &WebSocketTransport::onMessage);
    connect(m_socket, &QWebSocket::disconnected, this, &WebSocketTransport::onDisconnected);
}

WebSocketTransport::~WebSocketTransport() = default;

void WebSocketTransport::setHandler(Handler *handler)
{
    m_handler = handler;
    if (m_handler && m_queuedBytes > 0)
        scheduleRead();
}

QHostAddress WebSocketTransport::peerAddress() const
{
    return m_socket->peerAddress();
}

quint16 WebSocketTransport::peerPort() const
{
    return m_socket->peerPort();
}

void WebSocketTransport::onMessage(const QByteArray &message)
{
    if (m_gone || m_closing)
        return;
    QByteArray input = WebSocketFraming::toStream(message);
    if (input.isEmpty())
        return;
    if (m_queuedBytes + input.size() > m_maxQueued) {
        m_error = u"Input beyond what the read rate allows"_s;
        m_socket->close(QWebSocketProtocol::CloseCodeTooMuchData, m_error);
        onDisconnected();
        return;
    }
    m_queuedBytes += input.size();
    m_queue.append(std::move(input));
    scheduleRead();
}

QByteArray WebSocketTransport::read(qint64 maxSize)
{
    m_lastReadEndedMessage = false;
    if (m_queue.isEmpty() || maxSize <= 0)
        return {};
    // One message at most, so that the caller can check the stream where each one ends.
    const QByteArray &first = m_queue.first();
    const qsizetype take = qsizetype(qMin<qint64>(maxSize, first.size() - m_firstOffset));
    QByteArray out = (m_firstOffset == 0 && take == first.size()) ? first : first.mid(m_firstOffset, take);
    m_firstOffset += take;
    m_queuedBytes -= take;
    if (m_firstOffset == first.size()) {
        m_queue.removeFirst();
        m_firstOffset = 0;
        m_lastReadEndedMessage = true;
    }
    scheduleRead();
    return out;
}

void WebSocketTransport::setReadEnabled(bool enabled)
{
    m_readEnabled = enabled;
    if (enabled)
        scheduleRead();
    else
        m_readTimer.stop();
}

void WebSocketTransport::scheduleRead()
{
    // Level-triggered like a socket notifier: while input waits and reading is on, the handler
    // is called again from the event loop (never from inside its own call).
    if (m_readEnabled && m_handler && m_queuedBytes > 0 && !m_gone && !m_readTimer.isActive())
        m_readTimer.start(0, this);
}

void WebSocketTransport::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_readTimer.timerId()) {
        m_readTimer.stop();
        if (m_readEnabled && m_handler && m_queuedBytes > 0 && !m_gone)
            m_handler->connectionReadyRead();
    } else if (event->timerId() == m_graceTimer.timerId()) {
        m_graceTimer.stop();
        m_socket->abort();
        deleteLater();
    } else {
        QObject::timerEvent(event);
    }
}

void WebSocketTransport::write(const QByteArray &bytes)
{
    if (m_gone || m_closing)
        return;
    m_socket->sendTextMessage(QString::fromUtf8(WebSocketFraming::toMessage(bytes)));
}

qint64 WebSocketTransport::bytesToWrite() const
{
    return 0;   // QWebSocket does not tell; what it holds goes with its socket
}

void WebSocketTransport::flush()
{
    m_socket->flush();
}

QSsl::SslProtocol WebSocketTransport::sessionProtocol() const
{
    return m_socket->sslConfiguration().sessionProtocol();
}

QString WebSocketTransport::sessionCipherName() const
{
    return m_socket->sslConfiguration().sessionCipher().name();
}

QSslCipher WebSocketTransport::sessionCipher() const
{
    return m_socket->sslConfiguration().sessionCipher();
}

QByteArray WebSocketTransport::alpnProtocol() const
{
    return m_socket->sslConfiguration().nextNegotiatedProtocol();
}

void WebSocketTransport::onDisconnected()
{
    if (m_closing) {
        deleteLater();
        return;
    }
    if (m_gone)
        return;
    m_gone = true;
    m_readTimer.stop();
    if (m_error.isEmpty())
        m_error = m_socket->closeReason().isEmpty() ? m_socket->errorString() : m_socket->closeReason();
    if (m_handler)
        m_handler->connectionDisconnected();
}

void WebSocketTransport::closeGracefully(int graceMs)
{
    m_handler = nullptr;
    m_readTimer.stop();
    if (m_closing)
        return;
    m_closing = true;
    m_queue.clear();
    m_queuedBytes = 0;
    if (m_gone || m_socket->state() != QAbstractSocket::ConnectedState) {
        deleteLater();
        return;
    }
    // RFC 7395 §3.6: after <close/> (written by the stream layer) the WebSocket close; the
    // peer answers with its own close frame, then the connection ends.
    m_socket->close(QWebSocketProtocol::CloseCodeNormal);
    m_graceTimer.start(graceMs, this);
}

void WebSocketTransport::abortAndDelete()
{
    m_handler = nullptr;
    m_closing = true;
    m_readTimer.stop();
    m_socket->abort();
    deleteLater();
}
