#pragma once

#include "tls/CertificateStore.h"

#include <QByteArray>
#include <QString>

#include <memory>

struct ssl_ctx_st;

// The server side of TLS for one certificate: one OpenSSL SSL_CTX shared by every session that
// uses it (certificate, chain and key are held once, here). It fixes the policy in one place:
// TLS 1.2 and 1.3 only; the cipher list the server has always used (OpenSSL's DEFAULT list
// without anonymous, export, low-strength, MD5, 3DES, PSK or SRP suites, the server's order
// preferred); no renegotiation, no compression; session resumption with OpenSSL's own tickets
// and cache; record buffers released while a session is idle; ALPN "xmpp-client" (XEP-0368
// §3) chosen when a client offers it. A null context means no TLS is available.
// Copies share the same SSL_CTX.
class TlsContext
{
public:
    static constexpr const char *AlpnProtocol = "xmpp-client";

    TlsContext() = default;
    // Builds the context for an identity; a null context and *error on failure.
    static TlsContext create(const CertificateStore::Identity &identity, QString *error);

    bool isNull() const { return !m_ctx; }
    ssl_ctx_st *handle() const { return m_ctx.get(); }

    // The cipher policy, for OpenSSL's cipher-list syntax (TLS 1.2 and below) and the TLS 1.3
    // suites (OpenSSL's defaults).
    static QByteArray cipherList();
    static QByteArray tls13CipherSuites();

private:
    std::shared_ptr<ssl_ctx_st> m_ctx;
};
