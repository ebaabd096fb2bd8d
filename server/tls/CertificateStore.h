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

    // Loads <dataDir>/<domain>.crt and .key, generating them first if missing (or if the
    // generated certificate there has expired). Creates dataDir (0700) if needed.
    // Returns an invalid Identity and sets *error on failure.
    static Identity loadOrGenerate(const QString &dataDir, const QString &domain, QString *error);
    // Loads the operator's files: the certificate PEM (leaf first, then any intermediates) and
    // an unencrypted PEM private key (EC or RSA) that must match the leaf's public key.
    static Identity loadFiles(const QString &certPath, const QString &keyPath, QString *error);
    // Generates a self-signed certificate (EC P-256, SHA-256, subjectAltName DNS:domain, plus
    // IP:127.0.0.1 and IP:::1 for "localhost", valid from an hour ago for 10 years) and writes
    // the PEMs atomically, the key first; key file mode 0600, certificate 0644.
    static bool generateSelfSigned(const QString &domain, const QString &certPath,
                                   const QString &keyPath, QString *error);

    // The paths loadOrGenerate uses.
    static QString certificatePath(const QString &dataDir, const QString &domain);
    static QString keyPath(const QString &dataDir, const QString &domain);

    // For the console: subject CN (or the whole subject if it has none) ...
    static QString commonName(const QSslCertificate &certificate);
    // ... the SHA-256 fingerprint as upper-case colon-separated hex ("AB:CD:...") ...
    static QString sha256Fingerprint(const QSslCertificate &certificate);
    // ... and one line with all of it: "CN=example.org, SHA-256 AB:..., expires 2035-01-01
    // 12:00:00 UTC" (with ", self-signed" and/or ", EXPIRED" when they apply).
    static QString describe(const QSslCertificate &certificate);
};
