#include "tls/CertificateStore.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QSignalSpy>
#include <QSslCertificateExtension>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace {

// The unix mode bits of a file (QFile::permissions mixes in the "User" flags).
int modeOf(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

void writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(data), data.size());
}

QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Runs a command line tool quietly; returns its exit code (-1 if it did not run).
int runQuietly(const QString &program, const QStringList &arguments)
{
    QProcess process;
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(QProcess::nullDevice());
    process.start(program, arguments);
    if (!process.waitForFinished(60000) || process.exitStatus() != QProcess::NormalExit)
        return -1;
    return process.exitCode();
}

// A TLS server that answers every connection with the given identity.
class TlsServer : public QTcpServer
{
public:
    explicit TlsServer(CertificateStore::Identity identity) : m_identity(std::move(identity)) { }
    QList<QSslSocket *> sockets;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->setLocalCertificate(m_identity.certificate);
        socket->setPrivateKey(m_identity.privateKey);
        socket->setPeerVerifyMode(QSslSocket::VerifyNone);
        sockets.append(socket);
        socket->startServerEncryption();
    }

private:
    CertificateStore::Identity m_identity;
};

} // namespace

class tst_CertificateStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void generateWritesFilesWithModes();
    void generatedCertificateContents();
    void localhostHasIpAddresses();
    void loadOrGenerateReusesFiles();
    void loadOrGenerateCreatesPrivateDirectory();
    void loadOrGenerateRejectsBadDomain();
    void loadFilesMissing();
    void loadFilesGarbage();
    void loadFilesMismatchedKey();
    void loadFilesChainAndRsaKey();
    void describeSummary();
    void tlsHandshake_data();
    void tlsHandshake();

private:
    QTemporaryDir m_dir;
};

void tst_CertificateStore::initTestCase()
{
    QVERIFY(m_dir.isValid());
    if (!QSslSocket::supportsSsl())
        QSKIP("no TLS backend available");
}

void tst_CertificateStore::generateWritesFilesWithModes()
{
    const QString cert = m_dir.filePath(u"modes.crt"_s);
    const QString key = m_dir.filePath(u"modes.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"example.org"_s, cert, key, &error), qPrintable(error));
    QCOMPARE(modeOf(key), 0600);
    QCOMPARE(modeOf(cert), 0644);
    QVERIFY(readFile(cert).startsWith("-----BEGIN CERTIFICATE-----"));
    QVERIFY(readFile(key).contains("PRIVATE KEY-----"));

    // Regenerating over files with loose modes puts the right modes back.
    QVERIFY(QFile::setPermissions(key, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadOther));
    QVERIFY2(CertificateStore::generateSelfSigned(u"example.org"_s, cert, key, &error), qPrintable(error));
    QCOMPARE(modeOf(key), 0600);

    // Qt loads the key as an EC key straight from the file.
    const QSslKey sslKey(readFile(key), QSsl::Ec, QSsl::Pem, QSsl::PrivateKey);
    QVERIFY(!sslKey.isNull());
    QCOMPARE(sslKey.algorithm(), QSsl::Ec);
    QCOMPARE(sslKey.length(), 256);
}

void tst_CertificateStore::generatedCertificateContents()
{
    const QString cert = m_dir.filePath(u"contents.crt"_s);
    const QString key = m_dir.filePath(u"contents.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"chat.example.org"_s, cert, key, &error), qPrintable(error));

    const CertificateStore::Identity identity = CertificateStore::loadFiles(cert, key, &error);
    QVERIFY2(identity.isValid(), qPrintable(error));
    QVERIFY(identity.chain.isEmpty());
    const QSslCertificate &c = identity.certificate;
    QCOMPARE(c.subjectInfo(QSslCertificate::CommonName), QStringList{u"chat.example.org"_s});
    QCOMPARE(c.issuerInfo(QSslCertificate::CommonName), c.subjectInfo(QSslCertificate::CommonName));
    QCOMPARE(c.version(), QByteArray("3"));
    QCOMPARE(identity.privateKey.algorithm(), QSsl::Ec);

    const auto names = c.subjectAlternativeNames();
    QCOMPARE(names.values(QSsl::DnsEntry), QStringList{u"chat.example.org"_s});
    QVERIFY(names.values(QSsl::IpAddressEntry).isEmpty());

    const QDateTime now = QDateTime::currentDateTimeUtc();
    QVERIFY(c.effectiveDate() <= now.addSecs(-3500));
    QVERIFY(c.effectiveDate() >= now.addSecs(-3700));
    QVERIFY(c.expiryDate() >= now.addYears(10).addSecs(-3700));
    QVERIFY(c.expiryDate() <= now.addYears(10));

    // 128 random bits: serials differ between two certificates.
    const QString cert2 = m_dir.filePath(u"contents2.crt"_s);
    const QString key2 = m_dir.filePath(u"contents2.key"_s);
    QVERIFY2(CertificateStore::generateSelfSigned(u"chat.example.org"_s, cert2, key2, &error), qPrintable(error));
    const CertificateStore::Identity other = CertificateStore::loadFiles(cert2, key2, &error);
    QVERIFY2(other.isValid(), qPrintable(error));
    QVERIFY(other.certificate.serialNumber() != c.serialNumber());
    QVERIFY(c.serialNumber().size() >= 16 * 3 - 1 - 3); // "aa:bb:..." with at most one byte less

    // Extensions are there (names as Qt reports them).
    QStringList extensionNames;
    for (const QSslCertificateExtension &extension : c.extensions())
        extensionNames.append(extension.name());
    QVERIFY2(extensionNames.contains(u"basicConstraints"_s), qPrintable(extensionNames.join(u',')));
    QVERIFY(extensionNames.contains(u"keyUsage"_s));
    QVERIFY(extensionNames.contains(u"extendedKeyUsage"_s));
    QVERIFY(extensionNames.contains(u"subjectAltName"_s));
    for (const QSslCertificateExtension &extension : c.extensions()) {
        if (extension.name() == u"basicConstraints"_s) {
            QVERIFY(extension.isCritical());
            QCOMPARE(extension.value().toMap().value(u"ca"_s).toBool(), false);
        }
    }
}

void tst_CertificateStore::localhostHasIpAddresses()
{
    const QString cert = m_dir.filePath(u"localhost.crt"_s);
    const QString key = m_dir.filePath(u"localhost.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"localhost"_s, cert, key, &error), qPrintable(error));
    const CertificateStore::Identity identity = CertificateStore::loadFiles(cert, key, &error);
    QVERIFY2(identity.isValid(), qPrintable(error));
    const auto names = identity.certificate.subjectAlternativeNames();
    QCOMPARE(names.values(QSsl::DnsEntry), QStringList{u"localhost"_s});
    QStringList addresses = names.values(QSsl::IpAddressEntry);
    QCOMPARE(addresses.size(), 2);
    QList<QHostAddress> parsed;
    for (const QString &address : addresses)
        parsed.append(QHostAddress(address));
    QVERIFY(parsed.contains(QHostAddress(QHostAddress::LocalHost)));
    QVERIFY(parsed.contains(QHostAddress(QHostAddress::LocalHostIPv6)));
}

void tst_CertificateStore::loadOrGenerateReusesFiles()
{
    const QString dataDir = m_dir.filePath(u"reuse"_s);
    QString error;
    const CertificateStore::Identity first = CertificateStore::loadOrGenerate(dataDir, u"example.net"_s, &error);
    QVERIFY2(first.isValid(), qPrintable(error));
    QVERIFY(QFileInfo::exists(dataDir + u"/example.net.crt"_s));
    QVERIFY(QFileInfo::exists(dataDir + u"/example.net.key"_s));
    QCOMPARE(CertificateStore::certificatePath(dataDir, u"example.net"_s), dataDir + u"/example.net.crt"_s);
    QCOMPARE(CertificateStore::keyPath(dataDir, u"example.net"_s), dataDir + u"/example.net.key"_s);
    QCOMPARE(modeOf(dataDir + u"/example.net.key"_s), 0600);

    const CertificateStore::Identity second = CertificateStore::loadOrGenerate(dataDir, u"example.net"_s, &error);
    QVERIFY2(second.isValid(), qPrintable(error));
    QCOMPARE(CertificateStore::sha256Fingerprint(second.certificate),
             CertificateStore::sha256Fingerprint(first.certificate));
    QCOMPARE(second.privateKey, first.privateKey);

    // Half a pair (an interrupted first start): both are generated anew.
    QVERIFY(QFile::remove(dataDir + u"/example.net.crt"_s));
    const CertificateStore::Identity third = CertificateStore::loadOrGenerate(dataDir, u"example.net"_s, &error);
    QVERIFY2(third.isValid(), qPrintable(error));
    QVERIFY(CertificateStore::sha256Fingerprint(third.certificate)
            != CertificateStore::sha256Fingerprint(first.certificate));
}

void tst_CertificateStore::loadOrGenerateCreatesPrivateDirectory()
{
    const QString dataDir = m_dir.filePath(u"deep/nested/data"_s);
    QString error;
    const CertificateStore::Identity identity = CertificateStore::loadOrGenerate(dataDir, u"example.com"_s, &error);
    QVERIFY2(identity.isValid(), qPrintable(error));
    QCOMPARE(modeOf(dataDir), 0700);
}

void tst_CertificateStore::loadOrGenerateRejectsBadDomain()
{
    QString error;
    QVERIFY(!CertificateStore::loadOrGenerate(m_dir.path(), u"../evil"_s, &error).isValid());
    QVERIFY(error.contains(u"invalid domain"_s));
    error.clear();
    QVERIFY(!CertificateStore::loadOrGenerate(m_dir.path(), QString(), &error).isValid());
    QVERIFY(!error.isEmpty());
}

void tst_CertificateStore::loadFilesMissing()
{
    const QString cert = m_dir.filePath(u"missing.crt"_s);
    const QString key = m_dir.filePath(u"missing.key"_s);
    QString error;
    QVERIFY(!CertificateStore::loadFiles(cert, key, &error).isValid());
    QVERIFY2(error.startsWith(u"cannot read "_s + cert + u": "_s), qPrintable(error));

    // Certificate there, key missing: the key's path is named.
    QVERIFY2(CertificateStore::generateSelfSigned(u"example.org"_s, cert, key, &error), qPrintable(error));
    QVERIFY(QFile::remove(key));
    QVERIFY(!CertificateStore::loadFiles(cert, key, &error).isValid());
    QVERIFY2(error.startsWith(u"cannot read "_s + key + u": "_s), qPrintable(error));
}

void tst_CertificateStore::loadFilesGarbage()
{
    const QString cert = m_dir.filePath(u"garbage.crt"_s);
    const QString key = m_dir.filePath(u"garbage.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"example.org"_s, cert, key, &error), qPrintable(error));
    const QByteArray goodCert = readFile(cert);

    writeFile(cert, "this is not a certificate\n");
    QVERIFY(!CertificateStore::loadFiles(cert, key, &error).isValid());
    QCOMPARE(error, u"no certificate in "_s + cert);

    writeFile(cert, goodCert);
    writeFile(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    QVERIFY(!CertificateStore::loadFiles(cert, key, &error).isValid());
    QVERIFY2(error.contains(key), qPrintable(error));
    QVERIFY2(error.contains(u"no private key"_s), qPrintable(error));

    // A certificate is not a key.
    writeFile(key, goodCert);
    QVERIFY(!CertificateStore::loadFiles(cert, key, &error).isValid());
    QVERIFY2(error.contains(u"no private key"_s), qPrintable(error));
}

void tst_CertificateStore::loadFilesMismatchedKey()
{
    const QString certA = m_dir.filePath(u"a.crt"_s);
    const QString keyA = m_dir.filePath(u"a.key"_s);
    const QString certB = m_dir.filePath(u"b.crt"_s);
    const QString keyB = m_dir.filePath(u"b.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"a.example"_s, certA, keyA, &error), qPrintable(error));
    QVERIFY2(CertificateStore::generateSelfSigned(u"b.example"_s, certB, keyB, &error), qPrintable(error));
    QVERIFY(CertificateStore::loadFiles(certA, keyA, &error).isValid());
    QVERIFY(!CertificateStore::loadFiles(certA, keyB, &error).isValid());
    QCOMPARE(error, u"key %1 does not match certificate %2"_s.arg(keyB, certA));
}

void tst_CertificateStore::loadFilesChainAndRsaKey()
{
    // An operator's file: leaf followed by another certificate.
    const QString leafCert = m_dir.filePath(u"chain-leaf.crt"_s);
    const QString leafKey = m_dir.filePath(u"chain-leaf.key"_s);
    const QString otherCert = m_dir.filePath(u"chain-other.crt"_s);
    const QString otherKey = m_dir.filePath(u"chain-other.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"leaf.example"_s, leafCert, leafKey, &error), qPrintable(error));
    QVERIFY2(CertificateStore::generateSelfSigned(u"ca.example"_s, otherCert, otherKey, &error), qPrintable(error));
    const QString bundle = m_dir.filePath(u"chain-bundle.pem"_s);
    writeFile(bundle, readFile(leafCert) + readFile(otherCert));

    const CertificateStore::Identity identity = CertificateStore::loadFiles(bundle, leafKey, &error);
    QVERIFY2(identity.isValid(), qPrintable(error));
    QCOMPARE(identity.certificate.subjectInfo(QSslCertificate::CommonName), QStringList{u"leaf.example"_s});
    QCOMPARE(identity.chain.size(), 1);
    QCOMPARE(identity.chain.first().subjectInfo(QSslCertificate::CommonName), QStringList{u"ca.example"_s});

    // Encrypted keys are refused with a clear message, not a terminal prompt.
    const QSslKey plain(readFile(leafKey), QSsl::Ec);
    QVERIFY(!plain.isNull());
    const QString encryptedKey = m_dir.filePath(u"chain-encrypted.key"_s);
    writeFile(encryptedKey, plain.toPem("secret"));
    QVERIFY(!CertificateStore::loadFiles(leafCert, encryptedKey, &error).isValid());
    QVERIFY2(error.contains(u"encrypted"_s) && error.contains(encryptedKey), qPrintable(error));

    // An RSA key in the traditional "BEGIN RSA PRIVATE KEY" form, as the openssl tool writes it.
    const QString openssl = QStandardPaths::findExecutable(u"openssl"_s);
    if (openssl.isEmpty())
        QSKIP("no openssl command line tool for the RSA case");
    const QString rsaCert = m_dir.filePath(u"rsa.crt"_s);
    const QString rsaKey = m_dir.filePath(u"rsa.key"_s);
    const QString rsaTraditional = m_dir.filePath(u"rsa-traditional.key"_s);
    QCOMPARE(runQuietly(openssl, {u"req"_s, u"-x509"_s, u"-newkey"_s, u"rsa:2048"_s, u"-nodes"_s,
                                         u"-keyout"_s, rsaKey, u"-out"_s, rsaCert, u"-subj"_s,
                                         u"/CN=rsa.example"_s, u"-days"_s, u"2"_s}),
             0);
    QCOMPARE(runQuietly(openssl, {u"rsa"_s, u"-traditional"_s, u"-in"_s, rsaKey, u"-out"_s, rsaTraditional}),
             0);
    QVERIFY(readFile(rsaTraditional).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
    for (const QString &keyFile : {rsaKey, rsaTraditional}) {
        const CertificateStore::Identity rsa = CertificateStore::loadFiles(rsaCert, keyFile, &error);
        QVERIFY2(rsa.isValid(), qPrintable(error));
        QCOMPARE(rsa.privateKey.algorithm(), QSsl::Rsa);
        QCOMPARE(CertificateStore::commonName(rsa.certificate), u"rsa.example"_s);
    }
    QVERIFY(!CertificateStore::loadFiles(leafCert, rsaKey, &error).isValid());
    QVERIFY2(error.contains(u"does not match"_s), qPrintable(error));
}

void tst_CertificateStore::describeSummary()
{
    const QString cert = m_dir.filePath(u"describe.crt"_s);
    const QString key = m_dir.filePath(u"describe.key"_s);
    QString error;
    QVERIFY2(CertificateStore::generateSelfSigned(u"example.org"_s, cert, key, &error), qPrintable(error));
    const CertificateStore::Identity identity = CertificateStore::loadFiles(cert, key, &error);
    QVERIFY2(identity.isValid(), qPrintable(error));

    const QString fingerprint = CertificateStore::sha256Fingerprint(identity.certificate);
    QCOMPARE(fingerprint.size(), 32 * 3 - 1);
    QCOMPARE(fingerprint.count(u':'), 31);
    QCOMPARE(fingerprint, fingerprint.toUpper());
    QCOMPARE(CertificateStore::commonName(identity.certificate), u"example.org"_s);

    const QString summary = CertificateStore::describe(identity.certificate);
    QVERIFY2(summary.startsWith(u"CN=example.org, SHA-256 "_s + fingerprint + u", expires "_s), qPrintable(summary));
    QVERIFY2(summary.contains(identity.certificate.expiryDate().toUTC().toString(u"yyyy-MM-dd"_s)),
             qPrintable(summary));
    QVERIFY(summary.contains(u"self-signed"_s));
    QVERIFY(!summary.contains(u"EXPIRED"_s));
    QCOMPARE(CertificateStore::describe(QSslCertificate()), u"no certificate"_s);
}

void tst_CertificateStore::tlsHandshake_data()
{
    QTest::addColumn<bool>("verifyPeer");
    QTest::newRow("verify-none") << false;
    QTest::newRow("verify-against-self") << true;
}

void tst_CertificateStore::tlsHandshake()
{
    QFETCH(bool, verifyPeer);
    QString error;
    const CertificateStore::Identity identity =
        CertificateStore::loadOrGenerate(m_dir.filePath(u"tls"_s), u"localhost"_s, &error);
    QVERIFY2(identity.isValid(), qPrintable(error));

    TlsServer server(identity);
    QVERIFY(server.listen(QHostAddress::LocalHost));

    QSslSocket client;
    if (verifyPeer) {
        // Trusting exactly this certificate: the chain and the name (SAN) must check out.
        QSslConfiguration configuration = client.sslConfiguration();
        configuration.setCaCertificates({identity.certificate});
        client.setSslConfiguration(configuration);
        client.setPeerVerifyMode(QSslSocket::VerifyPeer);
    } else {
        client.setPeerVerifyMode(QSslSocket::VerifyNone);
    }
    QSignalSpy encrypted(&client, &QSslSocket::encrypted);
    QList<QSslError> sslErrors;
    connect(&client, &QSslSocket::sslErrors, this,
            [&sslErrors](const QList<QSslError> &errors) { sslErrors += errors; });
    client.connectToHostEncrypted(u"localhost"_s, server.serverPort());

    QTRY_VERIFY_WITH_TIMEOUT(encrypted.count() == 1 || !sslErrors.isEmpty(), 15000);
    QStringList errorTexts;
    for (const QSslError &sslError : std::as_const(sslErrors))
        errorTexts.append(sslError.errorString());
    QVERIFY2(sslErrors.isEmpty(), qPrintable(errorTexts.join(u"; "_s)));
    QVERIFY(client.isEncrypted());
    QCOMPARE(client.peerCertificate(), identity.certificate);
    QTRY_VERIFY_WITH_TIMEOUT(server.sockets.size() == 1 && server.sockets.first()->isEncrypted(), 15000);

    // And data flows over it.
    QSslSocket *serverSide = server.sockets.first();
    client.write("ping");
    QTRY_VERIFY_WITH_TIMEOUT(serverSide->bytesAvailable() >= 4, 15000);
    QCOMPARE(serverSide->readAll(), QByteArray("ping"));
    client.disconnectFromHost();
}

QTEST_GUILESS_MAIN(tst_CertificateStore)
#include "tst_certificatestore.moc"
