#include "tls/TlsSession.h"

#include "tls/Tls13RecordLayer.h"
#include "tls/TlsContext.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <sys/socket.h>
#include <utility>

using namespace Qt::StringLiterals;

// What a TLS 1.3 handshake hands over to the detached record layer, gathered by OpenSSL's
// callbacks while it runs: both application traffic secrets (from the key log) and how many
// records went each way under them (from the record headers OpenSSL reports), which are the
// next sequence numbers (RFC 8446 §5.3).
struct TlsSession::Handover
{
    unsigned char clientSecret[48];
    unsigned char serverSecret[48];
    int clientSize = 0;
    int serverSize = 0;
    std::uint64_t recordsRead = 0;      // under the client's application key
    std::uint64_t recordsWritten = 0;   // under ours: the NewSessionTickets
    ~Handover()
    {
        OPENSSL_cleanse(clientSecret, sizeof clientSecret);
        OPENSSL_cleanse(serverSecret, sizeof serverSecret);
    }
};

namespace {
constexpr char ExporterLabel[] = "EXPORTER-Channel-Binding";
constexpr size_t ExporterLength = 32;
constexpr char ClientSecretLabel[] = "CLIENT_TRAFFIC_SECRET_0";
constexpr char ServerSecretLabel[] = "SERVER_TRAFFIC_SECRET_0";

int handoverIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

TlsSession::Handover *handoverOf(const SSL *ssl)
{
    return static_cast<TlsSession::Handover *>(SSL_get_ex_data(ssl, handoverIndex()));
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// A key-log line is "LABEL <client random> <secret>", both in hex (NSS key log format). Only
// the two application traffic secrets are kept, and only by a session being handed over.
void keyLogged(const SSL *ssl, const char *line)
{
    TlsSession::Handover *handover = handoverOf(ssl);
    if (!handover)
        return;
    const char *labelEnd = std::strchr(line, ' ');
    const char *randomEnd = labelEnd ? std::strchr(labelEnd + 1, ' ') : nullptr;
    if (!randomEnd)
        return;
    const std::string_view label(line, size_t(labelEnd - line));
    unsigned char *secret = nullptr;
    int *size = nullptr;
    if (label == ClientSecretLabel) {
        secret = handover->clientSecret;
        size = &handover->clientSize;
    } else if (label == ServerSecretLabel) {
        secret = handover->serverSecret;
        size = &handover->serverSize;
    } else {
        return;
    }
    const char *hex = randomEnd + 1;
    int n = 0;
    while (n < 48 && hexValue(hex[2 * n]) >= 0 && hexValue(hex[2 * n + 1]) >= 0) {
        secret[n] = static_cast<unsigned char>(hexValue(hex[2 * n]) << 4 | hexValue(hex[2 * n + 1]));
        ++n;
    }
    *size = n;
}

// Every record header OpenSSL reads or writes. A header reported after the secret of its
// direction was logged belongs to a record under that application key: OpenSSL logs the
// server's right after sealing its Finished (so only the NewSessionTickets count), the
// client's right after opening the client's Finished.
void recordSeen(int write, int, int contentType, const void *, size_t, SSL *ssl, void *)
{
    if (contentType != SSL3_RT_HEADER)
        return;
    TlsSession::Handover *handover = handoverOf(ssl);
    if (!handover)
        return;
    if (write && handover->serverSize > 0)
        ++handover->recordsWritten;
    else if (!write && handover->clientSize > 0)
        ++handover->recordsRead;
}

// Records are assembled and sealed in buffers of the thread, not of the session.
char *readScratch()
{
    thread_local std::unique_ptr<char[]> buffer(new char[Tls13RecordLayer::HeaderSize + Tls13RecordLayer::MaxCiphertext]);
    return buffer.get();
}

char *writeScratch()
{
    thread_local std::unique_ptr<char[]> buffer(
        new char[Tls13RecordLayer::sealedSize(Tls13RecordLayer::MaxPlaintext) + Tls13RecordLayer::KeyUpdateRecordSize]);
    return buffer.get();
}

bool wouldBlock(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK;
}
} // namespace

void TlsSession::prepareContext(ssl_ctx_st *context)
{
    SSL_CTX_set_keylog_callback(context, keyLogged);
    SSL_CTX_set_msg_callback(context, recordSeen);
}

TlsSession::TlsSession(const TlsContext &context, int descriptor)
{
    ERR_clear_error();
    if (context.isNull() || descriptor < 0) {
        m_error = u"TLS is not available"_s;
        return;
    }
    m_ssl = SSL_new(context.handle());
    if (!m_ssl || SSL_set_fd(m_ssl, descriptor) != 1) {   // the descriptor stays ours to close
        m_error = u"cannot create a TLS session"_s;
        SSL_free(std::exchange(m_ssl, nullptr));
        ERR_clear_error();
        return;
    }
    m_fd = descriptor;
    m_handover = std::make_unique<Handover>();
    SSL_set_ex_data(m_ssl, handoverIndex(), m_handover.get());
    SSL_set_accept_state(m_ssl);
}

TlsSession::~TlsSession()
{
    SSL_free(m_ssl);
}


TlsSession::Status TlsSession::status(int result, const char *operation)
{
    const int code = SSL_get_error(m_ssl, result);
    const int savedErrno = errno;
    switch (code) {
    case SSL_ERROR_WANT_READ:
        return Status::WantRead;
    case SSL_ERROR_WANT_WRITE:
        return Status::WantWrite;
    case SSL_ERROR_ZERO_RETURN:
        m_error = u"The remote host closed the connection"_s;
        ERR_clear_error();
        return Status::Closed;
    case SSL_ERROR_SYSCALL:
        if (ERR_peek_error() == 0) {
            if (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK || savedErrno == EINTR)
                return Status::WantRead;
            m_error = savedErrno == 0 ? u"The remote host closed the connection"_s
                                      : QString::fromLocal8Bit(std::strerror(savedErrno));
            return savedErrno == 0 ? Status::Closed : Status::Failed;
        }
        [[fallthrough]];
    default: {
        char buffer[256] = {};
        ERR_error_string_n(ERR_get_error(), buffer, sizeof buffer);
        m_error = u"TLS %1 failed: %2"_s.arg(QLatin1StringView(operation), QString::fromLatin1(buffer));
        ERR_clear_error();
        return Status::Failed;
    }
    }
}

TlsSession::Status TlsSession::handshake()
{
    if (m_established)
        return Status::Ok;
    if (!m_ssl)
        return Status::Failed;
    ERR_clear_error();
    errno = 0;
    const int result = SSL_do_handshake(m_ssl);
    if (result == 1) {
        m_established = true;
        if (SSL_version(m_ssl) == TLS1_3_VERSION)
            detach();
        if (m_ssl) {   // TLS 1.2 (or a session that could not be detached) stays with OpenSSL
            SSL_set_msg_callback(m_ssl, nullptr);
            SSL_set_ex_data(m_ssl, handoverIndex(), nullptr);
            m_handover.reset();
        }
        return Status::Ok;
    }
    const Status s = status(result, "handshake");
    // An end of stream before the handshake finished is a failure, not a clean close.
    return s == Status::Closed ? Status::Failed : s;
}

// --- the detach (TLS 1.3) ---

void TlsSession::detach()
{
    // Only when everything lines up; otherwise the session simply stays with OpenSSL.
    const Handover &handover = *m_handover;
    const SSL_CIPHER *cipher = SSL_get_current_cipher(m_ssl);
    Tls13RecordLayer::Cipher suite;
    if (!cipher || !Tls13RecordLayer::cipherFromId(SSL_CIPHER_get_protocol_id(cipher), &suite)
        || handover.clientSize == 0 || handover.serverSize == 0)
        return;
    // OpenSSL reads one record at a time from the socket (no read-ahead), so after the
    // client's Finished nothing of the client's should be inside it; if something is
    // (buffered bytes or decrypted data), it keeps the session.
    if (SSL_has_pending(m_ssl) || SSL_pending(m_ssl) > 0)
        return;
    auto records = std::make_unique<Tls13RecordLayer>();
    const auto secret = [](const unsigned char *bytes, int size) {
        return QByteArrayView(reinterpret_cast<const char *>(bytes), size);
    };
    if (!records->init(suite, secret(handover.clientSecret, handover.clientSize),
                       secret(handover.serverSecret, handover.serverSize), handover.recordsRead,
                       handover.recordsWritten))
        return;
    // What the session is asked about later comes from the SSL object now.
    m_exporter = tlsExporter();
    m_cipherName = SSL_CIPHER_get_name(cipher);   // a static string of OpenSSL's suite table
    m_alpn = alpnProtocol() == TlsContext::AlpnProtocol;
    SSL_free(std::exchange(m_ssl, nullptr));
    m_handover.reset();
    m_records = std::move(records);
    ERR_clear_error();
}

TlsSession::Status TlsSession::fatal()
{
    m_error = u"TLS read failed: %1"_s.arg(QLatin1StringView(m_records->failure()));
    if (!m_output.isEmpty())
        flushOutput();   // the alert, if the kernel takes it
    m_output = QByteArray();
    m_outputPlain = 0;
    m_plain = QByteArray();
    m_input = QByteArray();
    return Status::Failed;
}

TlsSession::Status TlsSession::flushOutput()
{
    qsizetype sent = 0;
    while (sent < m_output.size()) {
        const ssize_t n = ::send(m_fd, m_output.constData() + sent, size_t(m_output.size() - sent),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            sent += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && wouldBlock(errno)) {
            break;
        } else {
            m_error = QString::fromLocal8Bit(std::strerror(errno));
            m_output = QByteArray();
            return Status::Failed;
        }
    }
    if (sent == m_output.size()) {
        m_output = QByteArray();
        return Status::Ok;
    }
    if (sent > 0)
        m_output = m_output.sliced(sent);
    return Status::WantWrite;
}

// Reads until one record with application data is open in m_plain, record by record and only
// as far as that record goes (like OpenSSL without read-ahead): what the kernel holds beyond
// it stays there, so the descriptor's readability keeps meaning "more to read".
TlsSession::Status TlsSession::fetchRecord()
{
    // A KeyUpdate we owe goes out before more is read: a peer that requests them without
    // reading our answers is held back by its own unread bytes, not by our memory.
    if (!m_output.isEmpty() && m_outputPlain == 0) {
        if (const Status s = flushOutput(); s != Status::Ok)
            return s;
    }
    for (int round = 0; round < 32; ++round) {
        if (m_peerClosed)
            return Status::Closed;
        if (m_records->hasFailed())
            return Status::Failed;
        char *record = readScratch();
        int have = int(m_input.size());
        if (have > 0)
            std::memcpy(record, m_input.constData(), size_t(have));
        int need = Tls13RecordLayer::HeaderSize;
        if (have >= need) {   // the header came earlier
            need = m_records->recordSize(record, &m_output);
            if (need == 0)
                return fatal();
        }
        while (have < need) {
            const ssize_t n = ::recv(m_fd, record + have, size_t(need - have), MSG_DONTWAIT);
            if (n > 0) {
                have += int(n);
                if (have == Tls13RecordLayer::HeaderSize && need == Tls13RecordLayer::HeaderSize) {
                    need = m_records->recordSize(record, &m_output);
                    if (need == 0)
                        return fatal();
                }
                continue;
            }
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && wouldBlock(errno)) {
                if (have != m_input.size())
                    m_input = QByteArray(record, have);
                return Status::WantRead;
            }
            m_input = QByteArray();
            if (n == 0) {   // no close_notify: as OpenSSL with SSL_OP_IGNORE_UNEXPECTED_EOF
                m_peerClosed = true;
                m_error = u"The remote host closed the connection"_s;
                return Status::Closed;
            }
            m_error = QString::fromLocal8Bit(std::strerror(errno));
            return Status::Failed;
        }
        m_input = QByteArray();
        int offset = 0;
        int length = 0;
        switch (m_records->open(record, need, &offset, &length, &m_output)) {
        case Tls13RecordLayer::Opened::Data:
            if (length == 0)
                continue;
            m_plain = QByteArray(record + offset, length);
            m_plainOffset = 0;
            return Status::Ok;
        case Tls13RecordLayer::Opened::Nothing:
            if (!m_output.isEmpty()) {   // our KeyUpdate: out before anything else is sealed
                const Status s = flushOutput();
                if (s != Status::Ok)
                    return s;
            }
            continue;
        case Tls13RecordLayer::Opened::PeerClosed:
            m_peerClosed = true;
            m_error = u"The remote host closed the connection"_s;
            return Status::Closed;
        case Tls13RecordLayer::Opened::PeerAlert:
            m_error = u"TLS read failed: the peer sent alert %1"_s.arg(m_records->peerAlert());
            m_plain = QByteArray();
            return Status::Failed;
        case Tls13RecordLayer::Opened::Failed:
            return fatal();
        }
    }
    // A long run of records without application data: the rest on the next turn (the
    // descriptor is still readable).
    return Status::WantRead;
}

// --- reading and writing ---

TlsSession::Status TlsSession::read(char *buffer, int size, int *n)
{
    *n = 0;
    if (!isValid() || size <= 0)
        return Status::Failed;
    if (m_records) {
        if (pending() == 0) {
            if (const Status s = fetchRecord(); s != Status::Ok)
                return s;
        }
        const int count = qMin(size, pending());
        std::memcpy(buffer, m_plain.constData() + m_plainOffset, size_t(count));
        m_plainOffset += count;
        if (m_plainOffset == m_plain.size()) {
            m_plain = QByteArray();
            m_plainOffset = 0;
        }
        *n = count;
        return Status::Ok;
    }
    ERR_clear_error();
    errno = 0;
    const int result = SSL_read(m_ssl, buffer, size);
    if (result > 0) {
        *n = result;
        return Status::Ok;
    }
    return status(result, "read");
}

TlsSession::Status TlsSession::peek()
{
    if (!isValid())
        return Status::Failed;
    if (pending() > 0)
        return Status::Ok;
    if (m_records)
        return fetchRecord();
    ERR_clear_error();
    errno = 0;
    char byte;
    const int result = SSL_peek(m_ssl, &byte, 1);
    if (result > 0)
        return Status::Ok;
    return status(result, "read");
}

int TlsSession::pending() const
{
    if (m_records)
        return int(m_plain.size() - m_plainOffset);
    return m_ssl ? SSL_pending(m_ssl) : 0;
}

TlsSession::Status TlsSession::write(const char *buffer, int size, int *n)
{
    *n = 0;
    if (!isValid())
        return Status::Failed;
    if (size <= 0)
        return Status::Ok;
    if (m_records) {
        if (m_records->hasFailed()) {
            if (m_error.isEmpty())
                m_error = u"TLS write failed: %1"_s.arg(QLatin1StringView(m_records->failure()));
            return Status::Failed;
        }
        // As with OpenSSL, a write the kernel refused is retried with the same bytes first:
        // they are already sealed and sent from m_output, then taken.
        if (!m_output.isEmpty()) {
            if (const Status s = flushOutput(); s != Status::Ok)
                return s;
        }
        if (m_outputPlain > 0) {
            *n = qMin(size, std::exchange(m_outputPlain, 0));
            return Status::Ok;
        }
        const int take = qMin(size, Tls13RecordLayer::MaxPlaintext);
        char *record = writeScratch();
        const int sealed = m_records->sealApplicationData(buffer, take, record);
        if (sealed == 0) {
            m_error = u"TLS write failed: %1"_s.arg(QLatin1StringView(m_records->failure()));
            return Status::Failed;
        }
        m_output = QByteArray::fromRawData(record, sealed);
        const Status s = flushOutput();
        if (s == Status::Ok) {
            *n = take;
            return Status::Ok;
        }
        if (s == Status::WantWrite) {
            m_output.detach();   // what is left must outlive the thread's buffer
            m_outputPlain = take;
        }
        return s;
    }
    ERR_clear_error();
    errno = 0;
    const int result = SSL_write(m_ssl, buffer, size);
    if (result > 0) {
        *n = result;
        return Status::Ok;
    }
    const Status s = status(result, "write");
    return s == Status::Closed ? Status::Failed : s;
}

void TlsSession::sendCloseNotify()
{
    if (!m_established)
        return;
    if (m_records) {
        if (m_records->hasFailed())
            return;
        m_records->sealAlert(Tls13RecordLayer::CloseNotify, &m_output);
        flushOutput();   // one try, as OpenSSL's: the peer's close_notify is not awaited
        return;
    }
    if (!m_ssl)
        return;
    ERR_clear_error();
    SSL_shutdown(m_ssl);   // one call sends ours; the peer's is not awaited
    ERR_clear_error();
}

QSsl::SslProtocol TlsSession::protocol() const
{
    if (!m_established)
        return QSsl::UnknownProtocol;
    if (m_records)
        return QSsl::TlsV1_3;
    if (!m_ssl)
        return QSsl::UnknownProtocol;
    switch (SSL_version(m_ssl)) {
    case TLS1_2_VERSION: return QSsl::TlsV1_2;
    case TLS1_3_VERSION: return QSsl::TlsV1_3;
    default: return QSsl::UnknownProtocol;
    }
}

QString TlsSession::cipherName() const
{
    if (!m_established)
        return QString();
    if (m_records)
        return m_cipherName ? QString::fromLatin1(m_cipherName) : QString();
    if (!m_ssl)
        return QString();
    const SSL_CIPHER *cipher = SSL_get_current_cipher(m_ssl);
    return cipher ? QString::fromLatin1(SSL_CIPHER_get_name(cipher)) : QString();
}

QByteArray TlsSession::alpnProtocol() const
{
    if (m_records)
        return m_alpn ? QByteArray(TlsContext::AlpnProtocol) : QByteArray();
    if (!m_ssl)
        return QByteArray();
    const unsigned char *data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(m_ssl, &data, &length);
    return data && length ? QByteArray(reinterpret_cast<const char *>(data), qsizetype(length)) : QByteArray();
}

QByteArray TlsSession::tlsExporter() const
{
    if (m_records)
        return m_exporter;
    if (!m_ssl || !m_established)
        return QByteArray();
    if (SSL_version(m_ssl) != TLS1_3_VERSION && SSL_get_extms_support(m_ssl) != 1)
        return QByteArray();
    QByteArray out(qsizetype(ExporterLength), Qt::Uninitialized);
    ERR_clear_error();
    if (SSL_export_keying_material(m_ssl, reinterpret_cast<unsigned char *>(out.data()), ExporterLength,
                                   ExporterLabel, sizeof ExporterLabel - 1, nullptr, 0, 1) != 1) {
        ERR_clear_error();
        return QByteArray();
    }
    return out;
}
