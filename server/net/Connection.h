#pragma once

#include <QBasicTimer>
#include <QByteArray>
#include <QHostAddress>
#include <QObject>
#include <QSsl>
#include <QSslCipher>
#include <QString>

#include "net/Transport.h"
#include "tls/TlsContext.h"

#include <netinet/in.h>

#include <memory>
#include <optional>

class QSocketNotifier;
class TlsSession;

// One client's TCP connection, as light as an idle session allows. In clear text it is the
// non-blocking descriptor and one read notifier: no read buffer (read() takes what the caller
// allows straight from the kernel, through one scratch buffer per thread), no write buffer
// between turns (a turn's bytes wait until the turn ends, then leave in one send; only what
// the kernel refuses waits longer, in order, with a write notifier armed until it has gone). TLS (STARTTLS or direct TLS) adds one tls/TlsSession
// on the same descriptor and notifiers: no Qt socket, no buffer of ours; OpenSSL runs the
// handshake, a TLS 1.3 session then continues on the session's own record layer (keys and
// sequence numbers only while idle), and the certificate and policy live once in the shared
// tls/TlsContext. Which layer carries the records is the TlsSession's business.
//
// Reading is level-triggered: while the handler does not want input (rate limit, a pending
// answer) it must say so with setReadEnabled(false), or the read notifier fires for ever.
// Under TLS, plaintext the session has already decrypted does not make the descriptor readable:
// the connection calls the handler again by itself while such bytes wait and reading is on.
class Connection final : public Transport
{
public:
    using Handler = Transport::Handler;

    // Adopts an accepted, connected socket descriptor (made non-blocking here). A negative
    // one gives a connection that is already closed: writes are dropped (fuzzing, tests).
    explicit Connection(qintptr descriptor, QObject *parent = nullptr);
    ~Connection() override;

    Kind kind() const override { return Kind::Tcp; }
    void setHandler(Handler *handler) override;

    bool isOpen() const override { return !m_gone; }
    // Built on each call from the raw socket address: a QHostAddress member would cost every
    // idle session two heap blocks for a value read only at login and in the console.
    QHostAddress peerAddress() const override;
    quint16 peerPort() const override { return m_peerPort; }
    QString errorString() const override { return m_error; }
    void setNoDelay(bool on);

    // Input: what can be read now, and at most maxSize of it, sized exactly.
    qint64 bytesAvailable() const override;
    QByteArray read(qint64 maxSize) override;
    void setReadEnabled(bool enabled) override;
    bool isReadEnabled() const override { return m_readEnabled; }

    // Output: never blocks; what the kernel refuses is queued and sent in order.
    void write(const QByteArray &bytes) override;
    qint64 bytesToWrite() const override;
    void flush() override;

    // TLS as the server side. Bytes still queued in clear text (the STARTTLS <proceed/>) go
    // first; the handshake then starts on the same descriptor. Until it is done, writes wait.
    void startServerEncryption(const TlsContext &context) override;
    bool isEncrypted() const override;
    QSsl::SslProtocol sessionProtocol() const override;
    QString sessionCipherName() const override;
    QSslCipher sessionCipher() const override;   // Qt's description of it (loads Qt's TLS backend)
    // The ALPN protocol chosen in the handshake ("xmpp-client"), empty if none.
    QByteArray alpnProtocol() const override;
    // RFC 9266 "tls-exporter" channel binding data; empty without TLS (see TlsSession).
    QByteArray tlsExporter() const override;

    // Hands the connection its own end: the queued bytes leave, then a half-close (FIN) in
    // clear text or a TLS close; input is read and dropped meanwhile so that the kernel never
    // answers it with a reset (which would discard our last bytes). The object deletes itself
    // when the peer closes or after graceMs. Detach it from its parent and handler first.
    void closeGracefully(int graceMs) override;
    // Closes at once (no goodbye) and deletes itself later.
    void abortAndDelete() override;

protected:
    void timerEvent(QTimerEvent *event) override;

private:
    class Notifier;
    friend class Notifier;

    void onReadable();
    void onWritable();
    void sendPending();
    void beginTls();
    void continueHandshake();
    void onTlsReadable();
    void sendPendingTls();
    void scheduleTlsRead();
    void armWriteNotifier();
    void discardInput();
    void peerGone(const QString &error);
    void reportGoneLater(const QString &error);
    void finishClose();
    void updateReadNotifier();
    static void dropNotifier(Notifier *&notifier);
    static void flushCorked();
    void sendCorked();

    qintptr m_fd;
    Handler *m_handler = nullptr;
    Notifier *m_readNotifier = nullptr;
    Notifier *m_writeNotifier = nullptr;     // only while the kernel refuses bytes
    QByteArray m_pending;                    // the bytes it refused (or this turn's, corked), in order
    std::unique_ptr<TlsSession> m_tls;
    std::optional<TlsContext> m_tlsWaiting;  // STARTTLS waits for m_pending to leave
    union {
        sockaddr_in v4;
        sockaddr_in6 v6;
    } m_peer{};                              // family AF_UNSPEC until getpeername() answers
    QString m_error;
    QBasicTimer m_graceTimer;
    quint16 m_peerPort = 0;
    bool m_readEnabled = true;
    bool m_gone = false;
    bool m_goneReported = false;
    bool m_closing = false;
    bool m_halfClosed = false;
    bool m_tlsReadQueued = false;
    bool m_corked = false;                   // listed for a flush at the end of an event-loop turn
    bool m_readWantsWrite = false;           // OpenSSL must write before it can read on            // a call for decrypted bytes is on its way
};
