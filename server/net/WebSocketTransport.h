#pragma once

#include "net/Transport.h"

#include <QBasicTimer>
#include <QByteArray>
#include <QList>

class QWebSocket;

// A client stream over a WebSocket with the XMPP subprotocol (RFC 7395), offered on the HTTPS
// listener. Each received text message is translated (net/WebSocketFraming) and queued as
// stream input; each write of the stream layer leaves as one message. The WebSocket runs
// inside TLS from its first byte, so the transport is encrypted and STARTTLS does not apply
// (§3.1: wss). It costs what a QWebSocket costs: only browser sessions pay for it.
//
// A WebSocket cannot be paused as a TCP socket can: messages arrive whole and wait here while
// reading is off (the stream's rate limit). What waits is bounded by maxQueued bytes; beyond
// that the client is sending faster than it may, and the transport gives up on it.
class WebSocketTransport final : public Transport
{
public:
    // Adopts a connected socket (upgraded from the HTTPS listener's TLS connection, whose
    // session details it keeps for the console).
    WebSocketTransport(QWebSocket *socket, qint64 maxQueued, QObject *parent = nullptr);
    ~WebSocketTransport() override;

    Kind kind() const override { return Kind::WebSocket; }
    void setHandler(Handler *handler) override;

    bool isOpen() const override { return !m_gone; }
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override;
    QString errorString() const override { return m_error; }

    qint64 bytesAvailable() const override { return m_queuedBytes; }
    QByteArray read(qint64 maxSize) override;
    void setReadEnabled(bool enabled) override;
    bool isReadEnabled() const override { return m_readEnabled; }
    bool lastReadEndedMessage() const override { return m_lastReadEndedMessage; }

    void write(const QByteArray &bytes) override;
    qint64 bytesToWrite() const override;
    void flush() override;

    void startServerEncryption(const TlsContext &) override {}
    bool isEncrypted() const override { return true; }
    QSsl::SslProtocol sessionProtocol() const override;
    QString sessionCipherName() const override;
    QSslCipher sessionCipher() const override;
    QByteArray alpnProtocol() const override;
    // No channel binding: the TLS connection belongs to the HTTPS listener, whose handshake
    // this layer does not see; SASL offers no -PLUS mechanism here.
    QByteArray tlsExporter() const override { return {}; }

    void closeGracefully(int graceMs) override;
    void abortAndDelete() override;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    void onMessage(const QByteArray &message);
    void onDisconnected();
    void scheduleRead();

    QWebSocket *m_socket;
    Handler *m_handler = nullptr;
    QList<QByteArray> m_queue;      // translated messages, in order; the first partly read
    qsizetype m_firstOffset = 0;
    qint64 m_queuedBytes = 0;
    qint64 m_maxQueued;
    QString m_error;
    QBasicTimer m_readTimer;        // calls the handler again while input waits
    QBasicTimer m_graceTimer;
    bool m_readEnabled = true;
    bool m_lastReadEndedMessage = false;
    bool m_gone = false;
    bool m_closing = false;
};
