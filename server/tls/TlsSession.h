#pragma once

#include <QByteArray>
#include <QSsl>
#include <QString>

class TlsContext;
struct ssl_st;

// The server end of one TLS session over a non-blocking socket descriptor, driven by its
// owner's readiness notifications: each call returns at once and says what it waits for. No
// buffer of its own: OpenSSL reads and writes the descriptor directly (a socket BIO), and its
// record buffers are released whenever the session is idle.
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

    bool isValid() const { return m_ssl != nullptr; }
    bool isEstablished() const { return m_established; }

    Status handshake();
    // Decrypted bytes into buffer; *n is how many (Ok only).
    Status read(char *buffer, int size, int *n);
    // Makes the next record's plaintext countable by pending() without consuming it.
    Status peek();
    // Plaintext already decrypted and waiting inside OpenSSL.
    int pending() const;
    // Encrypts and sends up to size bytes; *n is how many were taken (partial writes allowed;
    // after WantWrite call again with the same bytes first).
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

private:
    Status status(int result, const char *operation);

    ssl_st *m_ssl = nullptr;
    QString m_error;
    bool m_established = false;
};
