#pragma once

#include <QByteArray>
#include <QSsl>
#include <QString>

#include <memory>

class Tls13RecordLayer;
class TlsContext;
struct ssl_st;
struct ssl_ctx_st;

// The server end of one TLS session over a non-blocking socket descriptor, driven by its
// owner's readiness notifications: each call returns at once and says what it waits for.
// OpenSSL runs the handshake, reading and writing the descriptor itself (a socket BIO). A TLS
// 1.2 session keeps OpenSSL for its whole life (its record buffers released while idle). A TLS
// 1.3 session is detached once the handshake is done: the traffic secrets and exact record
// sequence numbers are taken, the SSL object is freed, and our own record layer
// (tls/Tls13RecordLayer) carries the session on, holding only keys and sequence numbers while
// idle — the user-space equivalent of kernel TLS (docs/ARCHITECTURE.md, TLS section).
class TlsSession
{
public:
    enum class Status {
        Ok,          // done (a read or write moved n > 0 bytes)
        WantRead,    // call again once the descriptor is readable
        WantWrite,   // call again once the descriptor is writable
        Closed,      // the peer sent close_notify or closed the connection
        Failed,      // protocol error or socket error: errorString() says which
    };

    TlsSession(const TlsContext &context, int descriptor);
    ~TlsSession();
    TlsSession(const TlsSession &) = delete;
    TlsSession &operator=(const TlsSession &) = delete;

    // Installs what every session needs from the shared context: the key-log and record
    // callbacks through which a handshake hands over its secrets and counts its records.
    static void prepareContext(ssl_ctx_st *context);

    bool isValid() const { return m_ssl != nullptr || m_records != nullptr; }
    // True once a TLS 1.3 session runs on our own record layer (no SSL object left).
    bool isDetached() const { return m_records != nullptr; }
    bool isEstablished() const { return m_established; }

    Status handshake();
    // Decrypted bytes into buffer; *n is how many (Ok only).
    Status read(char *buffer, int size, int *n);
    // Makes the next record's plaintext countable by pending() without consuming it.
    Status peek();
    // Plaintext already decrypted and waiting (inside OpenSSL, or in the detached layer).
    int pending() const;
    // Encrypts and sends up to size bytes; *n is how many were taken (partial writes allowed;
    // after WantWrite call again with the same bytes first: both layers keep that contract).
    Status write(const char *buffer, int size, int *n);
    // Sends close_notify (does not wait for the peer's).
    void sendCloseNotify();

    QString errorString() const { return m_error; }
    QSsl::SslProtocol protocol() const;
    QString cipherName() const;
    QByteArray alpnProtocol() const;
    // RFC 9266 channel binding data (32 bytes of the TLS exporter, label
    // "EXPORTER-Channel-Binding", empty context); empty if the session is not established, or
    // is TLS 1.2 without the extended master secret (RFC 9266 §3).
    QByteArray tlsExporter() const;

    struct Handover;   // what the handshake's callbacks collect for the detach

private:
    Status status(int result, const char *operation);
    void detach();
    // The detached layer's I/O.
    Status fetchRecord();
    Status flushOutput();
    Status fatal();
    void sendNow(const char *data, qsizetype size, qsizetype *sent);

    ssl_st *m_ssl = nullptr;
    std::unique_ptr<Handover> m_handover;          // only during the handshake
    std::unique_ptr<Tls13RecordLayer> m_records;   // only once detached
    QByteArray m_input;       // a record's first bytes while the rest is not here yet
    QByteArray m_plain;       // application data opened, not yet read
    qsizetype m_plainOffset = 0;
    QByteArray m_output;      // sealed records the kernel has not taken yet
    int m_outputPlain = 0;    // plaintext bytes of a write() those records carry
    QByteArray m_exporter;    // RFC 9266 data, taken before the detach
    const char *m_cipherName = nullptr;   // OpenSSL's static name of the suite
    QString m_error;
    int m_fd = -1;
    bool m_established = false;
    bool m_alpn = false;      // "xmpp-client" was chosen
    bool m_peerClosed = false;
};
