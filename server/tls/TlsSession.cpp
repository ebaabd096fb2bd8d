#include "tls/TlsSession.h"

#include "tls/TlsContext.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <climits>
#include <utility>
#include <cstring>

using namespace Qt::StringLiterals;

namespace {
constexpr char ExporterLabel[] = "EXPORTER-Channel-Binding";
constexpr size_t ExporterLength = 32;
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
    if (!m_ssl)
        return Status::Failed;
    if (m_established)
        return Status::Ok;
    ERR_clear_error();
    errno = 0;
    const int result = SSL_do_handshake(m_ssl);
    if (result == 1) {
        m_established = true;
        return Status::Ok;
    }
    const Status s = status(result, "handshake");
    // An end of stream before the handshake finished is a failure, not a clean close.
    return s == Status::Closed ? Status::Failed : s;
}

TlsSession::Status TlsSession::read(char *buffer, int size, int *n)
{
    *n = 0;
    if (!m_ssl || size <= 0)
        return Status::Failed;
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
    if (!m_ssl)
        return Status::Failed;
    if (SSL_pending(m_ssl) > 0)
        return Status::Ok;
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
    return m_ssl ? SSL_pending(m_ssl) : 0;
}

TlsSession::Status TlsSession::write(const char *buffer, int size, int *n)
{
    *n = 0;
    if (!m_ssl)
        return Status::Failed;
    if (size <= 0)
        return Status::Ok;
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
    if (!m_ssl || !m_established)
        return;
    ERR_clear_error();
    SSL_shutdown(m_ssl);   // one call sends ours; the peer's is not awaited
    ERR_clear_error();
}

QSsl::SslProtocol TlsSession::protocol() const
{
    if (!m_ssl || !m_established)
        return QSsl::UnknownProtocol;
    switch (SSL_version(m_ssl)) {
    case TLS1_2_VERSION: return QSsl::TlsV1_2;
    case TLS1_3_VERSION: return QSsl::TlsV1_3;
    default: return QSsl::UnknownProtocol;
    }
}

QString TlsSession::cipherName() const
{
    if (!m_ssl || !m_established)
        return QString();
    const SSL_CIPHER *cipher = SSL_get_current_cipher(m_ssl);
    return cipher ? QString::fromLatin1(SSL_CIPHER_get_name(cipher)) : QString();
}

QByteArray TlsSession::alpnProtocol() const
{
    if (!m_ssl)
        return QByteArray();
    const unsigned char *data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(m_ssl, &data, &length);
    return data && length ? QByteArray(reinterpret_cast<const char *>(data), qsizetype(length)) : QByteArray();
}

QByteArray TlsSession::tlsExporter() const
{
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
