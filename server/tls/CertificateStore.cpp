#include "tls/CertificateStore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QSaveFile>
#include <QStringList>
#include <QUrl>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// One deleter for every libcrypto object this file owns.
struct OpenSslFree
{
    void operator()(EVP_PKEY *p) const { EVP_PKEY_free(p); }
    void operator()(X509 *p) const { X509_free(p); }
    void operator()(BIO *p) const { BIO_free(p); }
    void operator()(BIGNUM *p) const { BN_free(p); }
    void operator()(X509_EXTENSION *p) const { X509_EXTENSION_free(p); }
    void operator()(GENERAL_NAMES *p) const { GENERAL_NAMES_free(p); }
    void operator()(GENERAL_NAME *p) const { GENERAL_NAME_free(p); }
};
template<typename T>
using Owned = std::unique_ptr<T, OpenSslFree>;

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// Drains libcrypto's error queue into one readable line.
QString takeOpenSslError()
{
    QStringList parts;
    while (const unsigned long code = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(code, buffer, sizeof buffer);
        parts.append(QString::fromLatin1(buffer));
    }
    return parts.isEmpty() ? u"unknown OpenSSL error"_s : parts.join(u"; "_s);
}

// Wipes a buffer that held private key material.
void wipe(QByteArray &bytes)
{
    if (!bytes.isEmpty())
        OPENSSL_cleanse(bytes.data(), size_t(bytes.size()));
    bytes.clear();
}

QByteArray bioContents(BIO *bio)
{
    char *data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    return length > 0 ? QByteArray(data, qsizetype(length)) : QByteArray();
}

std::optional<QByteArray> readFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, u"cannot read %1: %2"_s.arg(path, file.errorString()));
        return std::nullopt;
    }
    QByteArray data = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        setError(error, u"cannot read %1: %2"_s.arg(path, file.errorString()));
        wipe(data);
        return std::nullopt;
    }
    return data;
}

// Writes a file atomically (temporary file + rename). A secret file never exists with looser
// permissions than 0600: when the target is new it is first created empty with mode 0600,
// which makes QSaveFile create its temporary file 0600 as well, independently of the umask.
bool writeFileAtomically(const QString &path, const QByteArray &data, QFileDevice::Permissions permissions,
                         bool secret, QString *error)
{
    bool createdEmpty = false;
    if (secret && !QFileInfo::exists(path)) {
        const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            setError(error, u"cannot create %1: %2"_s.arg(path, QString::fromLocal8Bit(std::strerror(errno))));
            return false;
        }
        if (fd >= 0) {
            ::close(fd);
            createdEmpty = true;
        }
    }
    auto fail = [&](const QString &text) {
        setError(error, text);
        if (createdEmpty)
            QFile::remove(path);
        return false;
    };

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail(u"cannot write %1: %2"_s.arg(path, file.errorString()));
    // Before any byte goes in (QSaveFile copied the old file's mode on open; we want ours).
    if (!file.setPermissions(permissions)) {
        file.cancelWriting();
        return fail(u"cannot set the permissions of %1: %2"_s.arg(path, file.errorString()));
    }
    if (file.write(data) != data.size()) {
        file.cancelWriting();
        return fail(u"cannot write %1: %2"_s.arg(path, file.errorString()));
    }
    if (!file.commit())
        return fail(u"cannot write %1: %2"_s.arg(path, file.errorString()));
    return true;
}

// Creates the directory (and its parents) if missing; the directory itself gets mode 0700.
bool ensurePrivateDirectory(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (info.isDir())
        return true;
    if (info.exists()) {
        setError(error, u"%1 exists and is not a directory"_s.arg(path));
        return false;
    }
    const QString absolute = info.absoluteFilePath();
    const QString parent = QFileInfo(absolute).absolutePath();
    if (!QDir().mkpath(parent)
        || !QDir().mkdir(absolute, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner)) {
        if (!QFileInfo(absolute).isDir()) {   // lost a race with another creator: fine
            setError(error, u"cannot create the directory %1"_s.arg(path));
            return false;
        }
    }
    return true;
}

// A domain is used as a file name by loadOrGenerate: keep it to one path component.
bool isUsableAsFileName(const QString &domain)
{
    return !domain.isEmpty() && !domain.startsWith(u'.') && !domain.contains(u'/')
        && !domain.contains(u'\\') && !domain.contains(QChar(0));
}

bool pushName(GENERAL_NAMES *names, int type, ASN1_STRING *value)
{
    if (!value)
        return false;
    Owned<GENERAL_NAME> name(GENERAL_NAME_new());
    if (!name) {
        ASN1_STRING_free(value);
        return false;
    }
    GENERAL_NAME_set0_value(name.get(), type, value);
    if (sk_GENERAL_NAME_push(names, name.get()) <= 0)
        return false;
    name.release();
    return true;
}

bool pushDnsName(GENERAL_NAMES *names, const QByteArray &ace)
{
    ASN1_IA5STRING *value = ASN1_IA5STRING_new();
    if (!value)
        return false;
    if (!ASN1_STRING_set(value, ace.constData(), int(ace.size()))) {
        ASN1_IA5STRING_free(value);
        return false;
    }
    return pushName(names, GEN_DNS, value);
}

bool pushIpAddress(GENERAL_NAMES *names, const QString &address)
{
    return pushName(names, GEN_IPADD, a2i_IPADDRESS(address.toLatin1().constData()));
}

bool addConfExtension(X509 *certificate, X509V3_CTX *context, int nid, const char *value)
{
    Owned<X509_EXTENSION> extension(X509V3_EXT_conf_nid(nullptr, context, nid, value));
    return extension && X509_add_ext(certificate, extension.get(), -1);
}

bool setRandomSerial(X509 *certificate)
{
    unsigned char bytes[16];
    Owned<BIGNUM> serial;
    do {
        if (RAND_bytes(bytes, int(sizeof bytes)) != 1)
            return false;
        serial.reset(BN_bin2bn(bytes, int(sizeof bytes), nullptr));
        if (!serial)
            return false;
    } while (BN_is_zero(serial.get()));   // RFC 5280 wants a positive serial
    return BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) != nullptr;
}

Owned<X509> toX509(const QSslCertificate &certificate)
{
    const QByteArray der = certificate.toDer();
    const unsigned char *cursor = reinterpret_cast<const unsigned char *>(der.constData());
    Owned<X509> x509(d2i_X509(nullptr, &cursor, long(der.size())));
    if (!x509)
        ERR_clear_error();
    return x509;
}

// Issuer = subject and signed by its own key. (QSslCertificate::isSelfSigned() also wants the
// keyCertSign key usage, which a CA:FALSE server certificate like ours does not have.)
bool isSelfSigned(const QSslCertificate &certificate)
{
    const Owned<X509> x509 = toX509(certificate);
    if (!x509)
        return false;
    EVP_PKEY *publicKey = X509_get0_pubkey(x509.get());
    const bool result = publicKey
        && X509_NAME_cmp(X509_get_subject_name(x509.get()), X509_get_issuer_name(x509.get())) == 0
        && X509_verify(x509.get(), publicKey) == 1;
    ERR_clear_error();
    return result;
}

// The PEM password callback: never prompt on a terminal; remember that one was wanted.
int refusePassphrase(char *, int, int, void *userData)
{
    *static_cast<bool *>(userData) = true;
    return -1;
}

} // namespace

QString CertificateStore::certificatePath(const QString &dataDir, const QString &domain)
{
    return QDir(dataDir).filePath(domain + u".crt"_s);
}

QString CertificateStore::keyPath(const QString &dataDir, const QString &domain)
{
    return QDir(dataDir).filePath(domain + u".key"_s);
}

CertificateStore::Identity CertificateStore::loadOrGenerate(const QString &dataDir, const QString &domain,
                                                            QString *error)
{
    if (!isUsableAsFileName(domain)) {
        setError(error, u"invalid domain for a certificate: \"%1\""_s.arg(domain));
        return Identity();
    }
    if (!ensurePrivateDirectory(dataDir, error))
        return Identity();

    const QString certFile = certificatePath(dataDir, domain);
    const QString keyFile = keyPath(dataDir, domain);
    if (QFileInfo::exists(certFile) && QFileInfo::exists(keyFile)) {
        Identity identity = loadFiles(certFile, keyFile, error);
        if (!identity.isValid())
            return Identity();
        // Our own certificate ran out: make a new one; anything else stays the operator's call.
        const bool expiredSelfSigned = isSelfSigned(identity.certificate)
            && identity.certificate.expiryDate() <= QDateTime::currentDateTimeUtc();
        if (!expiredSelfSigned)
            return identity;
    }
    // Missing (or only half there after an interrupted first start): generate both.
    if (!generateSelfSigned(domain, certFile, keyFile, error))
        return Identity();
    return loadFiles(certFile, keyFile, error);
}

bool CertificateStore::generateSelfSigned(const QString &domain, const QString &certPath, const QString &keyPath,
                                          QString *error)
{
    ERR_clear_error();
    if (domain.isEmpty()) {
        setError(error, u"cannot generate a certificate: empty domain"_s);
        return false;
    }
    auto fail = [&](const QString &what) {
        setError(error, u"cannot generate a certificate for %1: %2: %3"_s.arg(domain, what, takeOpenSslError()));
        return false;
    };

    // The names the certificate vouches for.
    QHostAddress literal;
    const bool isIpLiteral = literal.setAddress(domain);
    QByteArray ace;
    if (!isIpLiteral) {
        ace = QUrl::toAce(domain);
        if (ace.isEmpty()) {
            setError(error, u"cannot generate a certificate: \"%1\" is not a valid domain name"_s.arg(domain));
            return false;
        }
        ace = ace.toLower();
    }

    Owned<EVP_PKEY> key(EVP_EC_gen("P-256"));
    if (!key)
        return fail(u"key generation failed"_s);

    Owned<X509> certificate(X509_new());
    if (!certificate || !X509_set_version(certificate.get(), X509_VERSION_3))
        return fail(u"cannot create the certificate"_s);
    if (!setRandomSerial(certificate.get()))
        return fail(u"cannot set the serial number"_s);

    // Valid from an hour ago (clocks differ) for ten calendar years.
    const QDateTime notBefore = QDateTime::currentDateTimeUtc().addSecs(-3600);
    const QDateTime notAfter = notBefore.addYears(10);
    if (!ASN1_TIME_set(X509_getm_notBefore(certificate.get()), time_t(notBefore.toSecsSinceEpoch()))
        || !ASN1_TIME_set(X509_getm_notAfter(certificate.get()), time_t(notAfter.toSecsSinceEpoch())))
        return fail(u"cannot set the validity"_s);

    if (!X509_set_pubkey(certificate.get(), key.get()))
        return fail(u"cannot set the public key"_s);

    // Subject = issuer = CN=domain (the commonName attribute holds at most 64 characters;
    // a longer name goes only into subjectAltName, which is what clients check anyway).
    X509_NAME *name = X509_get_subject_name(certificate.get());
    const QByteArray cn = domain.toUtf8();
    if (cn.size() <= 64
        && !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char *>(cn.constData()),
                                       int(cn.size()), -1, 0))
        return fail(u"cannot set the subject"_s);
    if (!X509_set_issuer_name(certificate.get(), name))
        return fail(u"cannot set the issuer"_s);

    Owned<GENERAL_NAMES> altNames(sk_GENERAL_NAME_new_null());
    if (!altNames)
        return fail(u"cannot build subjectAltName"_s);
    bool namesOk = true;
    if (isIpLiteral) {
        namesOk = pushIpAddress(altNames.get(), literal.toString());
    } else {
        namesOk = pushDnsName(altNames.get(), ace);
        if (namesOk && ace == "localhost") {
            namesOk = pushIpAddress(altNames.get(), u"127.0.0.1"_s)
                && pushIpAddress(altNames.get(), u"::1"_s);
        }
    }
    if (!namesOk || X509_add1_ext_i2d(certificate.get(), NID_subject_alt_name, altNames.get(), 0, X509V3_ADD_DEFAULT) != 1)
        return fail(u"cannot set subjectAltName"_s);

    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
    if (!addConfExtension(certificate.get(), &context, NID_basic_constraints, "critical,CA:FALSE")
        || !addConfExtension(certificate.get(), &context, NID_key_usage, "critical,digitalSignature,keyEncipherment")
        || !addConfExtension(certificate.get(), &context, NID_ext_key_usage, "serverAuth")
        || !addConfExtension(certificate.get(), &context, NID_subject_key_identifier, "hash"))
        return fail(u"cannot add the extensions"_s);

    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0)
        return fail(u"cannot sign the certificate"_s);

    // PEM encodings: the key as unencrypted PKCS#8, the certificate as usual.
    Owned<BIO> keyBio(BIO_new(BIO_s_mem()));
    Owned<BIO> certBio(BIO_new(BIO_s_mem()));
    if (!keyBio || !certBio
        || !PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
        || !PEM_write_bio_X509(certBio.get(), certificate.get()))
        return fail(u"cannot encode the PEM files"_s);
    QByteArray keyPem = bioContents(keyBio.get());
    const QByteArray certPem = bioContents(certBio.get());
    // The memory BIO held the key too: clear it before it is freed.
    {
        char *data = nullptr;
        const long length = BIO_get_mem_data(keyBio.get(), &data);
        if (data && length > 0)
            OPENSSL_cleanse(data, size_t(length));
    }

    // Key first (owner only), then the certificate (world-readable, it is public).
    const bool keyWritten = writeFileAtomically(keyPath, keyPem, QFileDevice::ReadOwner | QFileDevice::WriteOwner,
                                                true, error);
    wipe(keyPem);
    if (!keyWritten)
        return false;
    if (!writeFileAtomically(certPath, certPem,
                             QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadGroup
                                 | QFileDevice::ReadOther,
                             false, error)) {
        // A fresh key without its certificate is of no use; the next start generates both.
        QFile::remove(keyPath);
        return false;
    }
    return true;
}

CertificateStore::Identity CertificateStore::loadFiles(const QString &certPath, const QString &keyPath,
                                                       QString *error)
{
    ERR_clear_error();

    // The certificate file: the leaf first, then any intermediates.
    const std::optional<QByteArray> certData = readFile(certPath, error);
    if (!certData)
        return Identity();
    QList<QSslCertificate> certificates = QSslCertificate::fromData(*certData, QSsl::Pem);
    if (certificates.isEmpty())
        certificates = QSslCertificate::fromData(*certData, QSsl::Der);
    if (certificates.isEmpty() || certificates.first().isNull()) {
        setError(error, u"no certificate in %1"_s.arg(certPath));
        return Identity();
    }

    // The key: parsed by libcrypto first, which tells the algorithm, whether it is encrypted
    // and whether it belongs to the certificate.
    std::optional<QByteArray> keyData = readFile(keyPath, error);
    if (!keyData)
        return Identity();
    bool wantedPassphrase = false;
    Owned<EVP_PKEY> key;
    {
        Owned<BIO> bio(BIO_new_mem_buf(keyData->constData(), int(keyData->size())));
        if (bio)
            key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, refusePassphrase, &wantedPassphrase));
    }
    wipe(*keyData);
    ERR_clear_error();
    if (!key) {
        setError(error, wantedPassphrase
                            ? u"the private key in %1 is encrypted; Switchboard needs an unencrypted key"_s.arg(keyPath)
                            : u"no private key in %1"_s.arg(keyPath));
        return Identity();
    }

    QSsl::KeyAlgorithm algorithm;
    switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_EC:
        algorithm = QSsl::Ec;
        break;
    case EVP_PKEY_RSA:
        algorithm = QSsl::Rsa;
        break;
    default:
        setError(error, u"unsupported private key type in %1 (use an EC or RSA key)"_s.arg(keyPath));
        return Identity();
    }

    const Owned<X509> leaf = toX509(certificates.first());
    if (!leaf) {
        setError(error, u"cannot parse the certificate in %1"_s.arg(certPath));
        return Identity();
    }
    const EVP_PKEY *certificateKey = X509_get0_pubkey(leaf.get());
    if (!certificateKey || EVP_PKEY_eq(certificateKey, key.get()) != 1) {
        ERR_clear_error();
        setError(error, u"key %1 does not match certificate %2"_s.arg(keyPath, certPath));
        return Identity();
    }

    // Hand Qt a normalised encoding (unencrypted PKCS#8), whatever PEM flavour the file used.
    QByteArray normalised;
    {
        Owned<BIO> bio(BIO_new(BIO_s_mem()));
        if (bio && PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
            normalised = bioContents(bio.get());
            char *data = nullptr;
            const long length = BIO_get_mem_data(bio.get(), &data);
            if (data && length > 0)
                OPENSSL_cleanse(data, size_t(length));
        }
    }
    ERR_clear_error();
    const QSslKey sslKey(normalised, algorithm, QSsl::Pem, QSsl::PrivateKey);
    wipe(normalised);
    if (sslKey.isNull()) {
        setError(error, u"the TLS backend cannot use the private key in %1"_s.arg(keyPath));
        return Identity();
    }

    Identity identity;
    identity.certificate = certificates.takeFirst();
    identity.chain = certificates;
    identity.privateKey = sslKey;
    return identity;
}

QString CertificateStore::commonName(const QSslCertificate &certificate)
{
    const QStringList names = certificate.subjectInfo(QSslCertificate::CommonName);
    if (!names.isEmpty() && !names.first().isEmpty())
        return names.first();
    return certificate.subjectDisplayName();
}

QString CertificateStore::sha256Fingerprint(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return QString();
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

QString CertificateStore::describe(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return u"no certificate"_s;
    const QDateTime expiry = certificate.expiryDate().toUTC();
    QString text = u"CN=%1, SHA-256 %2, expires %3"_s.arg(
        commonName(certificate), sha256Fingerprint(certificate),
        expiry.toString(u"yyyy-MM-dd HH:mm:ss 'UTC'"_s));
    if (isSelfSigned(certificate))
        text += u", self-signed"_s;
    if (expiry <= QDateTime::currentDateTimeUtc())
        text += u", EXPIRED"_s;
    return text;
}
