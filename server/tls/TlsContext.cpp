#include "tls/TlsContext.h"

#include "tls/TlsSession.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <csignal>
#include <cstring>

using namespace Qt::StringLiterals;

namespace {

QString takeErrors()
{
    QString text;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        if (!text.isEmpty())
            text += u"; "_s;
        text += QString::fromLatin1(buffer);
    }
    return text.isEmpty() ? u"unknown OpenSSL error"_s : text;
}

X509 *toX509(const QSslCertificate &certificate)
{
    const QByteArray der = certificate.toDer();
    const auto *cursor = reinterpret_cast<const unsigned char *>(der.constData());
    return d2i_X509(nullptr, &cursor, long(der.size()));
}

EVP_PKEY *toKey(const QSslKey &key)
{
    QByteArray pem = key.toPem();
    BIO *bio = BIO_new_mem_buf(pem.constData(), int(pem.size()));
    EVP_PKEY *result = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    OPENSSL_cleanse(pem.data(), size_t(pem.size()));
    return result;
}

// RFC 7301 §3.2: pick "xmpp-client" if the client lists it; otherwise the handshake goes on
// without ALPN (XEP-0368 clients that do not send it are still served).
int selectAlpn(SSL *, const unsigned char **out, unsigned char *outLength, const unsigned char *in,
               unsigned int inLength, void *)
{
    static const unsigned char wanted[] = "xmpp-client";
    const unsigned int wantedLength = sizeof wanted - 1;
    unsigned int i = 0;
    while (i < inLength) {
        const unsigned int length = in[i];
        if (i + 1 + length > inLength)
            break;
        if (length == wantedLength && std::memcmp(in + i + 1, wanted, wantedLength) == 0) {
            *out = in + i + 1;
            *outLength = static_cast<unsigned char>(length);
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + length;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

} // namespace

QByteArray TlsContext::cipherList()
{
    // What the server negotiated when its TLS came from Qt's defaults: OpenSSL's DEFAULT list
    // minus the suites Qt leaves out (anonymous, export, under 128 bits) and those that need a
    // PSK or SRP callback this server does not have.
    return QByteArrayLiteral("DEFAULT:!aNULL:!eNULL:!EXP:!LOW:!MD5:!3DES:!PSK:!SRP");
}

QByteArray TlsContext::tls13CipherSuites()
{
    return QByteArrayLiteral("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256");
}

TlsContext TlsContext::create(const CertificateStore::Identity &identity, QString *error)
{
    auto fail = [error](const QString &what) {
        if (error)
            *error = what + u": "_s + takeErrors();
        ERR_clear_error();
        return TlsContext();
    };
    ERR_clear_error();
    if (!identity.isValid()) {
        if (error)
            *error = u"no certificate or key"_s;
        return TlsContext();
    }
    // OpenSSL's socket BIO writes with write(), not send(MSG_NOSIGNAL): a peer that resets
    // while a record goes out would raise SIGPIPE and end the server. The errno is enough.
    std::signal(SIGPIPE, SIG_IGN);
    SSL_CTX *raw = SSL_CTX_new(TLS_server_method());
    if (!raw)
        return fail(u"cannot create the TLS context"_s);
    TlsContext context;
    context.m_ctx.reset(raw, SSL_CTX_free);

    SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(raw, TLS1_3_VERSION);
    SSL_CTX_set_options(raw, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
                                 | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Idle sessions give their 16 KiB record buffers back; writes may be partial and retried
    // from a buffer that moved (the owner's queue is a QByteArray).
    SSL_CTX_set_mode(raw, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                              | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_set_cipher_list(raw, cipherList().constData()) != 1
        || SSL_CTX_set_ciphersuites(raw, tls13CipherSuites().constData()) != 1)
        return fail(u"cannot set the cipher policy"_s);
    // Resumption through stateless tickets only (RFC 8446 §4.6.1, RFC 5077): the client keeps
    // the state, so an idle or resumable session costs the server nothing in a cache.
    SSL_CTX_set_session_cache_mode(raw, SSL_SESS_CACHE_OFF);
    static const unsigned char sessionContext[] = "switchboard-c2s";
    SSL_CTX_set_session_id_context(raw, sessionContext, sizeof sessionContext - 1);
    SSL_CTX_set_verify(raw, SSL_VERIFY_NONE, nullptr);   // clients present no certificate
    SSL_CTX_set_alpn_select_cb(raw, selectAlpn, nullptr);
    // TLS 1.3 sessions leave OpenSSL after the handshake (tls/TlsSession): it needs the
    // traffic secrets and the record counts the handshake leaves behind.
    TlsSession::prepareContext(raw);

    X509 *leaf = toX509(identity.certificate);
    if (!leaf)
        return fail(u"cannot read the certificate"_s);
    const int used = SSL_CTX_use_certificate(raw, leaf);
    X509_free(leaf);
    if (used != 1)
        return fail(u"cannot use the certificate"_s);
    for (const QSslCertificate &intermediate : identity.chain) {
        X509 *x509 = toX509(intermediate);
        if (!x509 || SSL_CTX_add0_chain_cert(raw, x509) != 1) {   // takes ownership on success
            X509_free(x509);
            return fail(u"cannot use the certificate chain"_s);
        }
    }
    EVP_PKEY *key = toKey(identity.privateKey);
    if (!key)
        return fail(u"cannot read the private key"_s);
    const int keyUsed = SSL_CTX_use_PrivateKey(raw, key);
    EVP_PKEY_free(key);
    if (keyUsed != 1 || SSL_CTX_check_private_key(raw) != 1)
        return fail(u"cannot use the private key"_s);
    ERR_clear_error();
    return context;
}
