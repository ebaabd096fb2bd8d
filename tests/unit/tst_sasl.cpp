// PLAIN, the mechanism list, failure names, SASLprep/Nodeprep, SCRAM credentials and the crypto
// primitives against published vectors.
#include "auth/Crypto.h"
#include "auth/PlainMechanism.h"
#include "auth/SaslMechanism.h"
#include "auth/SaslPrep.h"
#include "auth/ScramCredentials.h"

#include <QHash>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using Kind = SaslMechanism::Step::Kind;

class FakeLookup : public SaslCredentialLookup
{
public:
    std::optional<ScramCredentials> scramCredentials(const QString &, Crypto::Hash) override
    {
        return std::nullopt;
    }

    bool verifyPassword(const QString &username, const QString &password) override
    {
        calls.append({username, password});
        return passwords.contains(username) && passwords.value(username) == password;
    }

    QHash<QString, QString> passwords;
    QList<QPair<QString, QString>> calls;
};

} // namespace

class tst_Sasl : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plainSuccess();
    void plainEmptyInitialResponse();
    void plainFailures_data();
    void plainFailures();
    void plainAuthzidWithDomain();
    void plainAfterTheEnd();
    void availableMechanisms();
    void create();
    void failureNames();
    void saslPrep_data();
    void saslPrep();
    void nodePrep();
    void decodeUtf8();
    void scramCredentialsRfcVectors_data();
    void scramCredentialsRfcVectors();
    void scramCredentialsGenerate();
    void pbkdf2Rfc6070();
    void hmacVectors();
    void hashes();
    void constantTimeEquals();
    void randomBytes();
};

void tst_Sasl::plainSuccess()
{
    FakeLookup lookup;
    lookup.passwords.insert(u"user"_s, u"pencil"_s);
    lookup.passwords.insert(u"roman"_s, u"IX"_s);

    PlainMechanism plain(&lookup);
    QCOMPARE(plain.name(), u"PLAIN"_s);
    const auto step = plain.step("\0user\0pencil"_ba);
    QCOMPARE(step.kind, Kind::Success);
    QVERIFY(step.payload.isEmpty());
    QCOMPARE(plain.authenticatedUsername(), u"user"_s);

    PlainMechanism withAuthzid(&lookup);
    QCOMPARE(withAuthzid.step("user\0user\0pencil"_ba).kind, Kind::Success);

    // The username is SASLprep'ed and Nodeprep'ed, the password SASLprep'ed.
    PlainMechanism prepared(&lookup);
    QCOMPARE(prepared.step("\0Ro\xC2\xAD" "MAN\0I\xC2\xAD" "X"_ba).kind, Kind::Success);
    QCOMPARE(prepared.authenticatedUsername(), u"roman"_s);
    QCOMPARE(lookup.calls.last().first, u"roman"_s);
    QCOMPARE(lookup.calls.last().second, u"IX"_s);

    PlainMechanism roman(&lookup);
    QCOMPARE(roman.step("\0roman\0\xE2\x85\xA8"_ba).kind, Kind::Success); // U+2168 -> "IX"
}

void tst_Sasl::plainEmptyInitialResponse()
{
    FakeLookup lookup;
    lookup.passwords.insert(u"user"_s, u"pencil"_s);
    PlainMechanism plain(&lookup);
    const auto challenge = plain.step({});
    QCOMPARE(challenge.kind, Kind::Challenge);
    QVERIFY(challenge.payload.isEmpty());
    QCOMPARE(plain.step("\0user\0pencil"_ba).kind, Kind::Success);

    PlainMechanism twice(&lookup);
    QCOMPARE(twice.step({}).kind, Kind::Challenge);
    const auto again = twice.step({});
    QCOMPARE(again.kind, Kind::Failure);
    QCOMPARE(again.failure, SaslFailure::MalformedRequest);
}

void tst_Sasl::plainFailures_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<SaslFailure>("expected");
    QTest::addColumn<bool>("lookupCalled");

    const auto malformed = SaslFailure::MalformedRequest;
    const auto notAuthorized = SaslFailure::NotAuthorized;
    QTest::newRow("wrong password") << "\0user\0pencil2"_ba << notAuthorized << true;
    QTest::newRow("unknown user") << "\0nobody\0pencil"_ba << notAuthorized << true;
    QTest::newRow("password case") << "\0user\0PENCIL"_ba << notAuthorized << true;
    QTest::newRow("empty password") << "\0user\0"_ba << notAuthorized << false;
    QTest::newRow("password saslprep fails") << "\0user\0pen\x07"_ba << notAuthorized << false;
    QTest::newRow("empty authcid") << "\0\0pencil"_ba << malformed << false;
    QTest::newRow("authcid to nothing") << "\0\xC2\xAD\0pencil"_ba << malformed << false;
    QTest::newRow("authcid saslprep fails") << "\0us\x07" "er\0pencil"_ba << malformed << false;
    QTest::newRow("authcid nodeprep fails") << "\0user@host\0pencil"_ba << notAuthorized << false;
    QTest::newRow("two fields") << "user\0pencil"_ba << malformed << false;
    QTest::newRow("four fields") << "\0user\0pencil\0x"_ba << malformed << false;
    QTest::newRow("no separator") << "userpencil"_ba << malformed << false;
    QTest::newRow("invalid utf-8") << "\0us\xff" "er\0pencil"_ba << malformed << false;
    QTest::newRow("other authzid") << "admin\0user\0pencil"_ba << SaslFailure::InvalidAuthzid << false;
    QTest::newRow("jid authzid, no domain") << "user@example.org\0user\0pencil"_ba
                                            << SaslFailure::InvalidAuthzid << false;
}

void tst_Sasl::plainFailures()
{
    QFETCH(QByteArray, message);
    QFETCH(SaslFailure, expected);
    QFETCH(bool, lookupCalled);
    FakeLookup lookup;
    lookup.passwords.insert(u"user"_s, u"pencil"_s);
    PlainMechanism plain(&lookup);
    const auto step = plain.step(message);
    QCOMPARE(step.kind, Kind::Failure);
    QCOMPARE(step.failure, expected);
    QVERIFY(plain.authenticatedUsername().isEmpty());
    QCOMPARE(!lookup.calls.isEmpty(), lookupCalled);
}

void tst_Sasl::plainAuthzidWithDomain()
{
    FakeLookup lookup;
    lookup.passwords.insert(u"user"_s, u"pencil"_s);
    auto run = [&](const QByteArray &message) {
        auto plain = SaslMechanism::create(u"PLAIN"_s, &lookup);
        plain->setLocalDomain(u"example.org"_s);
        return plain->step(message);
    };
    PlainMechanism configured(&lookup);
    configured.setLocalDomain(u"example.org"_s);
    QCOMPARE(configured.localDomain(), u"example.org"_s);
    QCOMPARE(run("user@example.org\0user\0pencil"_ba).kind, Kind::Success);
    QCOMPARE(run("User@EXAMPLE.org\0user\0pencil"_ba).kind, Kind::Success);
    QCOMPARE(run("user\0user\0pencil"_ba).kind, Kind::Success);
    QCOMPARE(run("user@other.org\0user\0pencil"_ba).failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("user@example.org/res\0user\0pencil"_ba).failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("admin@example.org\0user\0pencil"_ba).failure, SaslFailure::InvalidAuthzid);
}

void tst_Sasl::plainAfterTheEnd()
{
    FakeLookup lookup;
    lookup.passwords.insert(u"user"_s, u"pencil"_s);
    PlainMechanism plain(&lookup);
    QCOMPARE(plain.step("\0user\0pencil"_ba).kind, Kind::Success);
    QCOMPARE(plain.step("\0user\0pencil"_ba).failure, SaslFailure::MalformedRequest);

    PlainMechanism failed(&lookup);
    QCOMPARE(failed.step("\0user\0wrong"_ba).failure, SaslFailure::NotAuthorized);
    const auto retry = failed.step("\0user\0pencil"_ba);
    QCOMPARE(retry.kind, Kind::Failure);
    QCOMPARE(retry.failure, SaslFailure::MalformedRequest);
    QVERIFY(failed.authenticatedUsername().isEmpty());
}

void tst_Sasl::availableMechanisms()
{
    const QStringList scram{u"SCRAM-SHA-256"_s, u"SCRAM-SHA-1"_s};
    const QStringList all{u"SCRAM-SHA-256"_s, u"SCRAM-SHA-1"_s, u"PLAIN"_s};
    QCOMPARE(SaslMechanism::availableMechanisms(false, false), scram);
    QCOMPARE(SaslMechanism::availableMechanisms(true, false), all);
    QCOMPARE(SaslMechanism::availableMechanisms(true, true), all);
    QCOMPARE(SaslMechanism::availableMechanisms(false, true), all);
}

void tst_Sasl::create()
{
    FakeLookup lookup;
    for (const QString &name : SaslMechanism::availableMechanisms(true, true)) {
        auto mechanism = SaslMechanism::create(name, &lookup);
        QVERIFY(mechanism);
        QCOMPARE(mechanism->name(), name);
        QVERIFY(mechanism->authenticatedUsername().isEmpty());
    }
    // PLAIN is created even when not offered; the caller decides.
    QVERIFY(SaslMechanism::create(u"PLAIN"_s, nullptr));
    for (const QString &name : {u""_s, u"plain"_s, u"DIGEST-MD5"_s, u"SCRAM-SHA-1-PLUS"_s,
                                u"SCRAM-SHA-256-PLUS"_s, u"SCRAM-SHA-512"_s, u"ANONYMOUS"_s, u"EXTERNAL"_s})
        QVERIFY2(!SaslMechanism::create(name, &lookup), qPrintable(name));
}

void tst_Sasl::failureNames()
{
    QCOMPARE(saslFailureName(SaslFailure::Aborted), u"aborted"_s);
    QCOMPARE(saslFailureName(SaslFailure::AccountDisabled), u"account-disabled"_s);
    QCOMPARE(saslFailureName(SaslFailure::CredentialsExpired), u"credentials-expired"_s);
    QCOMPARE(saslFailureName(SaslFailure::EncryptionRequired), u"encryption-required"_s);
    QCOMPARE(saslFailureName(SaslFailure::IncorrectEncoding), u"incorrect-encoding"_s);
    QCOMPARE(saslFailureName(SaslFailure::InvalidAuthzid), u"invalid-authzid"_s);
    QCOMPARE(saslFailureName(SaslFailure::InvalidMechanism), u"invalid-mechanism"_s);
    QCOMPARE(saslFailureName(SaslFailure::MalformedRequest), u"malformed-request"_s);
    QCOMPARE(saslFailureName(SaslFailure::MechanismTooWeak), u"mechanism-too-weak"_s);
    QCOMPARE(saslFailureName(SaslFailure::NotAuthorized), u"not-authorized"_s);
    QCOMPARE(saslFailureName(SaslFailure::TemporaryAuthFailure), u"temporary-auth-failure"_s);
}

void tst_Sasl::saslPrep_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<bool>("valid");
    QTest::addColumn<QString>("output");

    // RFC 4013 §3.
    QTest::newRow("soft hyphen") << u"I\u00ADX"_s << true << u"IX"_s;
    QTest::newRow("no change") << u"user"_s << true << u"user"_s;
    QTest::newRow("case preserved") << u"USER"_s << true << u"USER"_s;
    QTest::newRow("ordinal indicator") << u"\u00AA"_s << true << u"a"_s;
    QTest::newRow("roman nine") << u"\u2168"_s << true << u"IX"_s;
    QTest::newRow("prohibited control") << u"\u0007"_s << false << QString();
    QTest::newRow("bidi") << u"\u0627\u0031"_s << false << QString();
    // Beyond the RFC's table.
    QTest::newRow("non-ascii space") << u"a\u00A0b"_s << true << u"a b"_s;
    QTest::newRow("empty") << QString() << true << QString();
    QTest::newRow("maps to nothing") << u"\u00AD"_s << true << QString();
    QTest::newRow("rtl ok") << u"\u0627\u0628"_s << true << u"\u0627\u0628"_s;
    QTest::newRow("nul") << QString(QChar(0)) << false << QString();
    QTest::newRow("lone surrogate") << QString(QChar(0xD800)) << false << QString();
    QTest::newRow("supplementary") << u"\U0001F600"_s << true << u"\U0001F600"_s;
    QTest::newRow("expands") << u"\uFDFA"_s << true << u"\u0635\u0644\u0649 \u0627\u0644\u0644\u0647 \u0639\u0644\u064A\u0647 \u0648\u0633\u0644\u0645"_s;
}

void tst_Sasl::saslPrep()
{
    QFETCH(QString, input);
    QFETCH(bool, valid);
    QFETCH(QString, output);
    const std::optional<QString> result = Sasl::saslPrep(input);
    QCOMPARE(result.has_value(), valid);
    if (valid)
        QCOMPARE(*result, output);
}

void tst_Sasl::nodePrep()
{
    QCOMPARE(Sasl::nodePrep(u"User"_s), std::optional<QString>(u"user"_s));
    QCOMPARE(Sasl::nodePrep(u"Stra\u00DFe"_s), std::optional<QString>(u"strasse"_s));
    QVERIFY(!Sasl::nodePrep(u"a@b"_s));
    QVERIFY(!Sasl::nodePrep(u"a b"_s));
    QVERIFY(!Sasl::nodePrep(u"a'b"_s));
    QVERIFY(!Sasl::nodePrep(QString()));
    QVERIFY(!Sasl::nodePrep(QString(1024, u'a')));
    QVERIFY(Sasl::nodePrep(QString(1023, u'a')));
    QCOMPARE(Sasl::prepareUsername(u"I\u00ADX"_s), std::optional<QString>(u"ix"_s));
    QVERIFY(!Sasl::prepareUsername(u"\u00AD"_s));
    QVERIFY(!Sasl::prepareUsername(u"\u0007"_s));
}

void tst_Sasl::decodeUtf8()
{
    QCOMPARE(Sasl::decodeUtf8("caf\xC3\xA9"_ba), std::optional<QString>(u"caf\u00E9"_s));
    QCOMPARE(Sasl::decodeUtf8(QByteArray()), std::optional<QString>(QString()));
    QVERIFY(!Sasl::decodeUtf8("\xff"_ba));
    QVERIFY(!Sasl::decodeUtf8("\xC3"_ba));           // truncated
    QVERIFY(!Sasl::decodeUtf8("\xC0\xAF"_ba));       // overlong '/'
    QVERIFY(!Sasl::decodeUtf8("\xED\xA0\x80"_ba));   // encoded surrogate
    QVERIFY(!Sasl::decodeUtf8("a\0b"_ba));
}

void tst_Sasl::scramCredentialsRfcVectors_data()
{
    QTest::addColumn<Crypto::Hash>("hash");
    QTest::addColumn<QByteArray>("salt");
    QTest::addColumn<QByteArray>("authMessage");
    QTest::addColumn<QByteArray>("proof");
    QTest::addColumn<QByteArray>("serverSignature");

    // RFC 5802 §5 and RFC 7677 §3 (user "user", password "pencil", i=4096).
    QTest::newRow("SCRAM-SHA-1")
        << Crypto::Hash::Sha1 << "QSXCR+Q6sek8bf92"_ba
        << "n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
           "s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j"_ba
        << "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="_ba << "rmF9pqV8S7suAoZWja4dJRkFsKQ="_ba;
    QTest::newRow("SCRAM-SHA-256")
        << Crypto::Hash::Sha256 << "W22ZaJ0SNY7soEsUEjb6gQ=="_ba
        << "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
           "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"_ba
        << "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="_ba << "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="_ba;
}

void tst_Sasl::scramCredentialsRfcVectors()
{
    QFETCH(Crypto::Hash, hash);
    QFETCH(QByteArray, salt);
    QFETCH(QByteArray, authMessage);
    QFETCH(QByteArray, proof);
    QFETCH(QByteArray, serverSignature);

    const ScramCredentials credentials =
        ScramCredentials::derive(hash, "pencil"_ba, QByteArray::fromBase64(salt), 4096);
    QVERIFY(credentials.isValid());
    QCOMPARE(credentials.salt, QByteArray::fromBase64(salt));
    QCOMPARE(credentials.iterations, 4096);
    QCOMPARE(credentials.storedKey.size(), Crypto::hashLength(hash));
    QCOMPARE(credentials.serverKey.size(), Crypto::hashLength(hash));

    // ClientKey recovered from the RFC's proof hashes to our StoredKey...
    const QByteArray signature = Crypto::hmac(hash, credentials.storedKey, authMessage);
    QByteArray clientKey = QByteArray::fromBase64(proof);
    for (qsizetype i = 0; i < clientKey.size(); ++i)
        clientKey[i] = char(clientKey[i] ^ signature[i]);
    QCOMPARE(Crypto::hash(hash, clientKey), credentials.storedKey);
    // ...and our ServerKey signs the exchange as the RFC's server did.
    QCOMPARE(Crypto::hmac(hash, credentials.serverKey, authMessage).toBase64(), serverSignature);

    // Known values of the SCRAM-SHA-1 example.
    if (hash == Crypto::Hash::Sha1) {
        QCOMPARE(credentials.storedKey.toBase64(), "6dlGYMOdZcOPutkcNY8U2g7vK9Y="_ba);
        QCOMPARE(credentials.serverKey.toBase64(), "D+CSWLOshSulAsxiupA+qs2/fTE="_ba);
    }
}

void tst_Sasl::scramCredentialsGenerate()
{
    QCOMPARE(ScramCredentials::DefaultIterations, 10000);
    const ScramCredentials a = ScramCredentials::generate(Crypto::Hash::Sha256, "pw"_ba, 4096);
    const ScramCredentials b = ScramCredentials::generate(Crypto::Hash::Sha256, "pw"_ba, 4096);
    QVERIFY(a.isValid());
    QCOMPARE(a.salt.size(), 16);
    QCOMPARE(a.iterations, 4096);
    QVERIFY(a.salt != b.salt);
    QVERIFY(a.storedKey != b.storedKey);
    const ScramCredentials again = ScramCredentials::derive(Crypto::Hash::Sha256, "pw"_ba, a.salt, 4096);
    QCOMPARE(again.storedKey, a.storedKey);
    QCOMPARE(again.serverKey, a.serverKey);

    const ScramCredentials byDefault = ScramCredentials::generate(Crypto::Hash::Sha1, "pw"_ba);
    QCOMPARE(byDefault.iterations, ScramCredentials::DefaultIterations);
    QVERIFY(!ScramCredentials::derive(Crypto::Hash::Sha1, "pw"_ba, {}, 4096).isValid());
    QVERIFY(!ScramCredentials::derive(Crypto::Hash::Sha1, "pw"_ba, "salt"_ba, 0).isValid());
}

void tst_Sasl::pbkdf2Rfc6070()
{
    const auto sha1 = Crypto::Hash::Sha1;
    QCOMPARE(Crypto::pbkdf2(sha1, "password"_ba, "salt"_ba, 1).toHex(),
             "0c60c80f961f0e71f3a9b524af6012062fe037a6"_ba);
    QCOMPARE(Crypto::pbkdf2(sha1, "password"_ba, "salt"_ba, 2).toHex(),
             "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"_ba);
    QCOMPARE(Crypto::pbkdf2(sha1, "password"_ba, "salt"_ba, 4096).toHex(),
             "4b007901b765489abead49d926f721d065a429c1"_ba);
    // RFC 7914 §11, first block of PBKDF2-HMAC-SHA256.
    QCOMPARE(Crypto::pbkdf2(Crypto::Hash::Sha256, "passwd"_ba, "salt"_ba, 1).toHex(),
             "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"_ba);
    QVERIFY(Crypto::pbkdf2(sha1, "password"_ba, "salt"_ba, 0).isEmpty());
}

void tst_Sasl::hmacVectors()
{
    // RFC 2202 / RFC 4231 test case 2, and RFC 4231 test case 6 (key longer than a block).
    QCOMPARE(Crypto::hmac(Crypto::Hash::Sha1, "Jefe"_ba, "what do ya want for nothing?"_ba).toHex(),
             "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"_ba);
    QCOMPARE(Crypto::hmac(Crypto::Hash::Sha256, "Jefe"_ba, "what do ya want for nothing?"_ba).toHex(),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"_ba);
    QCOMPARE(Crypto::hmac(Crypto::Hash::Sha256, QByteArray(131, '\xaa'),
                          "Test Using Larger Than Block-Size Key - Hash Key First"_ba).toHex(),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"_ba);
}

void tst_Sasl::hashes()
{
    QCOMPARE(Crypto::hashLength(Crypto::Hash::Sha1), 20);
    QCOMPARE(Crypto::hashLength(Crypto::Hash::Sha256), 32);
    QCOMPARE(Crypto::hash(Crypto::Hash::Sha1, "abc"_ba).toHex(), "a9993e364706816aba3e25717850c26c9cd0d89d"_ba);
    QCOMPARE(Crypto::hash(Crypto::Hash::Sha256, "abc"_ba).toHex(),
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_ba);
}

void tst_Sasl::constantTimeEquals()
{
    QVERIFY(Crypto::constantTimeEquals("abc"_ba, "abc"_ba));
    QVERIFY(Crypto::constantTimeEquals(QByteArray(), QByteArray()));
    QVERIFY(!Crypto::constantTimeEquals("abc"_ba, "abd"_ba));
    QVERIFY(!Crypto::constantTimeEquals("abc"_ba, "xbc"_ba));
    QVERIFY(!Crypto::constantTimeEquals("abc"_ba, "abcd"_ba));
    QVERIFY(!Crypto::constantTimeEquals("abc"_ba, QByteArray()));
}

void tst_Sasl::randomBytes()
{
    QCOMPARE(Crypto::randomBytes(0).size(), 0);
    QCOMPARE(Crypto::randomBytes(1).size(), 1);
    QCOMPARE(Crypto::randomBytes(17).size(), 17);
    const QByteArray a = Crypto::randomBytes(32);
    const QByteArray b = Crypto::randomBytes(32);
    QCOMPARE(a.size(), 32);
    QVERIFY(a != b);
    QVERIFY(a != QByteArray(32, '\0'));
}

QTEST_GUILESS_MAIN(tst_Sasl)
#include "tst_sasl.moc"
