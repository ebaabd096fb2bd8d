#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QSsl>
#include <QSslCipher>
#include <QString>

class TlsContext;

// What a client stream needs of the thing that carries its bytes: a TCP connection
// (net/Connection, the stream as RFC 6120 defines it) or a WebSocket (net/WebSocketTransport,
// RFC 7395, where each message carries one element). The stream layer reads and writes XML
// text as if it were the TCP stream; a transport that frames its messages translates the
// stream's header and end to its own framing (see docs/ARCHITECTURE.md, "Sessions").
//
// Derived from QObject, whose virtual table every session already pays for: being abstract
// costs a TCP session no memory.
class Transport : public QObject
{
public:
    enum class Kind : quint8 { Tcp, WebSocket };

    // Direct calls rather than signal connections: one owner listens, and per-session
    // connections cost memory on both ends.
    class Handler
    {
    public:
        virtual ~Handler() = default;
        virtual void connectionReadyRead() = 0;      // bytesAvailable() > 0
        virtual void connectionEncrypted() = 0;      // TLS handshake done
        virtual void connectionDisconnected() = 0;   // EOF, reset or error; once
    };

    using QObject::QObject;

    virtual Kind kind() const = 0;
    virtual void setHandler(Handler *handler) = 0;

    virtual bool isOpen() const = 0;
    virtual QHostAddress peerAddress() const = 0;
    virtual quint16 peerPort() const = 0;
    virtual QString errorString() const = 0;

    // Input: what can be read now, and at most maxSize of it, sized exactly. Reading is
    // level-triggered: a handler that does not want input says so with setReadEnabled(false).
    virtual qint64 bytesAvailable() const = 0;
    virtual QByteArray read(qint64 maxSize) = 0;
    virtual void setReadEnabled(bool enabled) = 0;
    virtual bool isReadEnabled() const = 0;
    // A message-framed transport (RFC 7395 §3.3.3): true when the last read() ended exactly
    // at the end of one message, where the stream must be between two top-level elements.
    virtual bool lastReadEndedMessage() const { return false; }

    // Output: never blocks. One write is one top-level element of the stream (or its header
    // or end): a framed transport sends it as one message.
    virtual void write(const QByteArray &bytes) = 0;
    virtual qint64 bytesToWrite() const = 0;
    virtual void flush() = 0;

    // STARTTLS (RFC 6120 §5); a transport that is encrypted from the start ignores it.
    virtual void startServerEncryption(const TlsContext &context) = 0;
    virtual bool isEncrypted() const = 0;
    virtual QSsl::SslProtocol sessionProtocol() const = 0;
    virtual QString sessionCipherName() const = 0;
    virtual QSslCipher sessionCipher() const = 0;
    // The ALPN protocol chosen in the handshake, empty if none.
    virtual QByteArray alpnProtocol() const = 0;
    // RFC 9266 "tls-exporter" channel binding data; empty when there is none to offer.
    virtual QByteArray tlsExporter() const = 0;

    // Hands the transport its own end: what is queued leaves, then the transport's goodbye;
    // the object deletes itself when the peer has closed or after graceMs. Detach it from its
    // parent and handler first.
    virtual void closeGracefully(int graceMs) = 0;
    // Closes at once (no goodbye) and deletes itself later.
    virtual void abortAndDelete() = 0;
};
