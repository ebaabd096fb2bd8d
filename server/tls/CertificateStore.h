#pragma once

#include <QSslCertificate>
#include <QSslKey>
#include <QString>

// The server's TLS identity: either the operator's PEM files (tls_cert / tls_key), or a
// self-signed certificate for the domain generated with OpenSSL's libcrypto on first start
// and kept in the data directory with owner-only permissions (0600).
class CertificateStore
{
public:
    struct Identity
    {
        QSslCertificate certificate;
        QList<QSslCertificate> chain;   // intermediates after the leaf, if the PEM has them
        QSslKey privateKey;
        bool isValid() const { return !certificate.isNull() && !privateKey.isNull(); }
    };

    // Loads <dataDir>/<domain>.crt and .key, generating them first if missing.
    // Returns an invalid Identity and sets *error on failure.
    static Identity loadOrGenerate(const QString &dataDir, const QString &domain, QString *error);
    // Loads the operator's files.
    static Identity loadFiles(const QString &certPath, const QString &keyPath, QString *error);
    // Generates a self-signed certificate (RSA 2048 or EC P-256, SHA-256, subjectAltName
    // DNS:domain, valid 10 years) and writes the PEMs; key file mode 0600.
    static bool generateSelfSigned(const QString &domain, const QString &certPath,
                                   const QString &keyPath, QString *error);
};
