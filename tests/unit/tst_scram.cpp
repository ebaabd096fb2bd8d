// Server-side SCRAM-SHA-1 / SCRAM-SHA-256: the RFC examples, failures, and unknown users.
#include "auth/SaslMechanism.h"
#include "auth/ScramMechanism.h"

#include <QHash>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

using Kind = SaslMechanism::Step::Kind;

class FakeLookup : public SaslCredentialLookup
{
public:
    struct Account
    {
        QByteArray password;
        QByteArray salt; // empty: a fixed test salt
        int iterations = 4096;
    };

    void add(const QString &username, const QByteArray &password, const QByteArray &salt = {})
    {
        m_accounts.insert(username, Account{password, salt, 4096});
    }

    std::optional<ScramCredentials> scramCredentials(const QString &username, Crypto::Hash hash) override
    {
        lookedUp.append(username);
        const auto it = m_accounts.constFind(username);
        if (it == m_accounts.constEnd())
            return std::nullopt;
        const QByteArray salt = it->salt.isEmpty() ? "fixed-test-salt!"_ba : it->salt;
        return ScramCredentials::derive(hash, it->password, salt, it->iterations);
    }

    bool verifyPassword(const QString &username, const QString &password) override
    {
        const auto it = m_accounts.constFind(username);
        return it != m_accounts.constEnd() && it->password == password.toUtf8();
    }

    QStringList lookedUp;

private:
    QHash<QString, Account> m_accounts;
};

// The client side of SCRAM, enough to produce client-final for a given server-first.
struct ScramClient
{
    Crypto::Hash hash;
    QByteArray password;
    QByteArray gs2Header;
    QByteArray clientFirstBare;

    QByteArray clientFirst() const { return gs2Header + clientFirstBare; }

    QByteArray clientFinal(const QByteArray &serverFirst, const QByteArray &channelBinding = {}) const
    {
        QByteArray nonce, salt;
        int iterations = 0;
        for (const QByteArray &attribute : serverFirst.split(',')) {
            if (attribute.startsWith("r="))
                nonce = attribute.mid(2);
            else if (attribute.startsWith("s="))
                salt = QByteArray::fromBase64(attribute.mid(2));
            else if (attribute.startsWith("i="))
                iterations = attribute.mid(2).toInt();
        }
        const QByteArray salted = Crypto::pbkdf2(hash, password, salt, iterations);
        const QByteArray clientKey = Crypto::hmac(hash, salted, "Client Key"_ba);
        const QByteArray storedKey = Crypto::hash(hash, clientKey);
        const QByteArray withoutProof = "c="_ba
            + (channelBinding.isNull() ? gs2Header.toBase64() : channelBinding) + ",r="_ba + nonce;
        const QByteArray authMessage = clientFirstBare + ',' + serverFirst + ',' + withoutProof;
        const QByteArray signature = Crypto::hmac(hash, storedKey, authMessage);
        QByteArray proof = clientKey;
        for (qsizetype i = 0; i < proof.size(); ++i)
            proof[i] = char(proof[i] ^ signature[i]);
        return withoutProof + ",p="_ba + proof.toBase64();
    }
};

} // namespace

class tst_Scram : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rfc5802Sha1();
    void rfc7677Sha256();
    void createdByName();
    void randomServerNonce();
    void emptyInitialResponse();
    void wrongProof();
    void unknownUser();
    void unknownUserSaltIsStable();
    void gs2FlagY();
    void channelBindingRequested();
    void usernameEscapesAndPreparation();
    void authzid();
    void malformedClientFirst_data();
    void malformedClientFirst();
    void malformedClientFinal_data();
    void malformedClientFinal();
    void stepsAfterTheEnd();
};

void tst_Scram::rfc5802Sha1()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba, QByteArray::fromBase64("QSXCR+Q6sek8bf92"_ba));
    ScramMechanism mechanism(Crypto::Hash::Sha1, &lookup);
    QCOMPARE(mechanism.name(), u"SCRAM-SHA-1"_s);
    mechanism.setServerNonceForTesting("3rfcNHYJY1ZVvWVs7j"_ba);

    const auto first = mechanism.step("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"_ba);
    QCOMPARE(first.kind, Kind::Challenge);
    QCOMPARE(first.payload, "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096"_ba);
    QVERIFY(mechanism.authenticatedUsername().isEmpty());

    const auto final = mechanism.step(
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="_ba);
    QCOMPARE(final.kind, Kind::Success);
    QCOMPARE(final.payload, "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="_ba);
    QCOMPARE(mechanism.authenticatedUsername(), u"user"_s);
    QCOMPARE(lookup.lookedUp, QStringList{u"user"_s});
}

void tst_Scram::rfc7677Sha256()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba, QByteArray::fromBase64("W22ZaJ0SNY7soEsUEjb6gQ=="_ba));
    ScramMechanism mechanism(Crypto::Hash::Sha256, &lookup);
    QCOMPARE(mechanism.name(), u"SCRAM-SHA-256"_s);
    mechanism.setServerNonceForTesting("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"_ba);

    const auto first = mechanism.step("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"_ba);
    QCOMPARE(first.kind, Kind::Challenge);
    QCOMPARE(first.payload,
             "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"_ba);

    const auto final = mechanism.step("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                      "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="_ba);
    QCOMPARE(final.kind, Kind::Success);
    QCOMPARE(final.payload, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="_ba);
    QCOMPARE(mechanism.authenticatedUsername(), u"user"_s);
}

void tst_Scram::createdByName()
{
    FakeLookup lookup;
    lookup.add(u"alice"_s, "secret"_ba);
    for (const auto hash : {Crypto::Hash::Sha1, Crypto::Hash::Sha256}) {
        const QString name = hash == Crypto::Hash::Sha1 ? u"SCRAM-SHA-1"_s : u"SCRAM-SHA-256"_s;
        auto mechanism = SaslMechanism::create(name, &lookup);
        QVERIFY(mechanism);
        QCOMPARE(mechanism->name(), name);
        const ScramClient client{hash, "secret"_ba, "n,,"_ba, "n=alice,r=abcdefgh"_ba};
        const auto first = mechanism->step(client.clientFirst());
        QCOMPARE(first.kind, Kind::Challenge);
        const auto final = mechanism->step(client.clientFinal(first.payload));
        QCOMPARE(final.kind, Kind::Success);
        QVERIFY(final.payload.startsWith("v="));
        QCOMPARE(QByteArray::fromBase64(final.payload.mid(2)).size(), Crypto::hashLength(hash));
        QCOMPARE(mechanism->authenticatedUsername(), u"alice"_s);
    }
}

void tst_Scram::randomServerNonce()
{
    FakeLookup lookup;
    lookup.add(u"alice"_s, "secret"_ba);
    QByteArray previous;
    for (int round = 0; round < 2; ++round) {
        ScramMechanism mechanism(Crypto::Hash::Sha256, &lookup);
        const auto first = mechanism.step("n,,n=alice,r=clientnonce"_ba);
        QCOMPARE(first.kind, Kind::Challenge);
        const QByteArray nonce = first.payload.split(',').at(0).mid(2);
        QVERIFY(nonce.startsWith("clientnonce"));
        const QByteArray serverPart = nonce.mid(11);
        QCOMPARE(serverPart.size(), 32); // 24 random bytes in base64
        QCOMPARE(QByteArray::fromBase64(serverPart).size(), 24);
        QVERIFY(!serverPart.contains(','));
        QVERIFY(serverPart != previous);
        previous = serverPart;
    }
}

void tst_Scram::emptyInitialResponse()
{
    FakeLookup lookup;
    lookup.add(u"alice"_s, "secret"_ba);
    ScramMechanism mechanism(Crypto::Hash::Sha1, &lookup);
    const auto empty = mechanism.step({});
    QCOMPARE(empty.kind, Kind::Challenge);
    QVERIFY(empty.payload.isEmpty());
    const ScramClient client{Crypto::Hash::Sha1, "secret"_ba, "n,,"_ba, "n=alice,r=xyz"_ba};
    const auto first = mechanism.step(client.clientFirst());
    QCOMPARE(first.kind, Kind::Challenge);
    QCOMPARE(mechanism.step(client.clientFinal(first.payload)).kind, Kind::Success);

    // Only once: a second empty message is no client-first.
    ScramMechanism other(Crypto::Hash::Sha1, &lookup);
    QCOMPARE(other.step({}).kind, Kind::Challenge);
    const auto again = other.step({});
    QCOMPARE(again.kind, Kind::Failure);
    QCOMPARE(again.failure, SaslFailure::MalformedRequest);
}

void tst_Scram::wrongProof()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba, QByteArray::fromBase64("QSXCR+Q6sek8bf92"_ba));
    ScramMechanism mechanism(Crypto::Hash::Sha1, &lookup);
    const ScramClient client{Crypto::Hash::Sha1, "pencil2"_ba, "n,,"_ba, "n=user,r=fyko+d2lbbFgONRv9qkxdawL"_ba};
    const auto first = mechanism.step(client.clientFirst());
    QCOMPARE(first.kind, Kind::Challenge);
    const auto final = mechanism.step(client.clientFinal(first.payload));
    QCOMPARE(final.kind, Kind::Failure);
    QCOMPARE(final.failure, SaslFailure::NotAuthorized);
    QVERIFY(final.payload.isEmpty());
    QVERIFY(mechanism.authenticatedUsername().isEmpty());
}

void tst_Scram::unknownUser()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);

    // A known user with a wrong password, for comparison.
    ScramMechanism known(Crypto::Hash::Sha256, &lookup);
    const ScramClient knownClient{Crypto::Hash::Sha256, "wrong"_ba, "n,,"_ba, "n=user,r=nonce1"_ba};
    const auto knownFirst = known.step(knownClient.clientFirst());
    const auto knownFinal = known.step(knownClient.clientFinal(knownFirst.payload));

    ScramMechanism mechanism(Crypto::Hash::Sha256, &lookup);
    const ScramClient client{Crypto::Hash::Sha256, "pencil"_ba, "n,,"_ba, "n=nobody,r=nonce1"_ba};
    const auto first = mechanism.step(client.clientFirst());
    QCOMPARE(first.kind, Kind::Challenge);
    const QList<QByteArray> attributes = first.payload.split(',');
    QCOMPARE(attributes.size(), 3);
    QVERIFY(attributes.at(0).startsWith("r=nonce1"));
    QVERIFY(attributes.at(1).startsWith("s="));
    QCOMPARE(QByteArray::fromBase64(attributes.at(1).mid(2)).size(), ScramCredentials::SaltLength);
    QCOMPARE(attributes.at(2), "i="_ba + QByteArray::number(ScramCredentials::DefaultIterations));
    QCOMPARE(lookup.lookedUp.last(), u"nobody"_s);

    const auto final = mechanism.step(client.clientFinal(first.payload));
    QCOMPARE(final.kind, Kind::Failure);
    QCOMPARE(final.failure, SaslFailure::NotAuthorized);
    QCOMPARE(final.failure, knownFinal.failure);
    QCOMPARE(final.text, knownFinal.text);
    QCOMPARE(final.payload, knownFinal.payload);
    QVERIFY(mechanism.authenticatedUsername().isEmpty());

    // A null lookup behaves as if nobody existed.
    ScramMechanism noLookup(Crypto::Hash::Sha1, nullptr);
    const ScramClient sha1Client{Crypto::Hash::Sha1, "pencil"_ba, "n,,"_ba, "n=user,r=n"_ba};
    const auto noLookupFirst = noLookup.step(sha1Client.clientFirst());
    QCOMPARE(noLookupFirst.kind, Kind::Challenge);
    QCOMPARE(noLookup.step(sha1Client.clientFinal(noLookupFirst.payload)).failure, SaslFailure::NotAuthorized);
}

void tst_Scram::unknownUserSaltIsStable()
{
    FakeLookup lookup;
    auto saltFor = [&](Crypto::Hash hash, const QByteArray &username) {
        ScramMechanism mechanism(hash, &lookup);
        return mechanism.step("n,,n="_ba + username + ",r=abc"_ba).payload.split(',').at(1);
    };
    QCOMPARE(saltFor(Crypto::Hash::Sha1, "ghost"_ba), saltFor(Crypto::Hash::Sha1, "ghost"_ba));
    // The lookup key is the prepared name, and so is the fake salt's.
    QCOMPARE(saltFor(Crypto::Hash::Sha1, "GHOST"_ba), saltFor(Crypto::Hash::Sha1, "ghost"_ba));
    QVERIFY(saltFor(Crypto::Hash::Sha1, "ghost"_ba) != saltFor(Crypto::Hash::Sha1, "ghost2"_ba));
    QVERIFY(saltFor(Crypto::Hash::Sha1, "ghost"_ba) != saltFor(Crypto::Hash::Sha256, "ghost"_ba));
}

void tst_Scram::gs2FlagY()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);
    ScramMechanism mechanism(Crypto::Hash::Sha256, &lookup);
    const ScramClient client{Crypto::Hash::Sha256, "pencil"_ba, "y,,"_ba, "n=user,r=abcdef"_ba};
    const auto first = mechanism.step(client.clientFirst());
    QCOMPARE(first.kind, Kind::Challenge);
    const QByteArray final = client.clientFinal(first.payload);
    QVERIFY(final.startsWith("c=eSws,"));
    QCOMPARE(mechanism.step(final).kind, Kind::Success);
}

void tst_Scram::channelBindingRequested()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);
    for (const QByteArray &message : {"p=tls-unique,,n=user,r=abcdef"_ba, "p=tls-exporter,,n=user,r=abcdef"_ba}) {
        ScramMechanism mechanism(Crypto::Hash::Sha256, &lookup);
        const auto step = mechanism.step(message);
        QCOMPARE(step.kind, Kind::Failure);
        QCOMPARE(step.failure, SaslFailure::MalformedRequest);
    }
    QVERIFY(lookup.lookedUp.isEmpty());
}

void tst_Scram::usernameEscapesAndPreparation()
{
    FakeLookup lookup;
    lookup.add(u"a,b=c"_s, "pw"_ba);
    lookup.add(u"user"_s, "pencil"_ba);

    ScramMechanism escaped(Crypto::Hash::Sha1, &lookup);
    const ScramClient escapedClient{Crypto::Hash::Sha1, "pw"_ba, "n,,"_ba, "n=a=2Cb=3Dc,r=abc"_ba};
    const auto first = escaped.step(escapedClient.clientFirst());
    QCOMPARE(first.kind, Kind::Challenge);
    QCOMPARE(lookup.lookedUp.last(), u"a,b=c"_s);
    QCOMPARE(escaped.step(escapedClient.clientFinal(first.payload)).kind, Kind::Success);
    QCOMPARE(escaped.authenticatedUsername(), u"a,b=c"_s);

    // SASLprep (soft hyphen mapped to nothing), then Nodeprep (case folding).
    ScramMechanism prepared(Crypto::Hash::Sha256, &lookup);
    const ScramClient preparedClient{Crypto::Hash::Sha256, "pencil"_ba, "n,,"_ba,
                                     "n=US\xC2\xAD"_ba "ER,r=abc"_ba};
    const auto preparedFirst = prepared.step(preparedClient.clientFirst());
    QCOMPARE(preparedFirst.kind, Kind::Challenge);
    QCOMPARE(lookup.lookedUp.last(), u"user"_s);
    QCOMPARE(prepared.step(preparedClient.clientFinal(preparedFirst.payload)).kind, Kind::Success);
    QCOMPARE(prepared.authenticatedUsername(), u"user"_s);
}

void tst_Scram::authzid()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);

    auto run = [&](const QByteArray &gs2Header, const QString &domain) {
        ScramMechanism mechanism(Crypto::Hash::Sha256, &lookup);
        mechanism.setLocalDomain(domain);
        const ScramClient client{Crypto::Hash::Sha256, "pencil"_ba, gs2Header, "n=user,r=abc"_ba};
        const auto first = mechanism.step(client.clientFirst());
        if (first.kind != Kind::Challenge)
            return first;
        return mechanism.step(client.clientFinal(first.payload));
    };
    QCOMPARE(run("n,a=user,"_ba, {}).kind, Kind::Success);
    QCOMPARE(run("n,a=USER,"_ba, {}).kind, Kind::Success);
    QCOMPARE(run("n,a=user@example.org,"_ba, u"example.org"_s).kind, Kind::Success);
    QCOMPARE(run("y,a=user@Example.ORG,"_ba, u"example.org"_s).kind, Kind::Success);

    const auto other = run("n,a=admin,"_ba, {});
    QCOMPARE(other.kind, Kind::Failure);
    QCOMPARE(other.failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("n,a=user@example.org,"_ba, {}).failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("n,a=user@other.org,"_ba, u"example.org"_s).failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("n,a=user@example.org/res,"_ba, u"example.org"_s).failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("n,a=admin@example.org,"_ba, u"example.org"_s).failure, SaslFailure::InvalidAuthzid);
    QCOMPARE(run("n,a=,"_ba, {}).failure, SaslFailure::MalformedRequest);
    QCOMPARE(run("n,x=user,"_ba, {}).failure, SaslFailure::MalformedRequest);
    QCOMPARE(run("n,a=us=41er,"_ba, {}).failure, SaslFailure::MalformedRequest);
}

void tst_Scram::malformedClientFirst_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<SaslFailure>("expected");

    const auto malformed = SaslFailure::MalformedRequest;
    QTest::newRow("no gs2 header") << "n=user,r=abc"_ba << malformed;
    QTest::newRow("only flag") << "n"_ba << malformed;
    QTest::newRow("flag and comma") << "n,"_ba << malformed;
    QTest::newRow("unknown flag") << "x,,n=user,r=abc"_ba << malformed;
    QTest::newRow("missing n=") << "n,,r=abc"_ba << malformed;
    QTest::newRow("missing r=") << "n,,n=user"_ba << malformed;
    QTest::newRow("swapped") << "n,,r=abc,n=user"_ba << malformed;
    QTest::newRow("empty username") << "n,,n=,r=abc"_ba << malformed;
    QTest::newRow("empty nonce") << "n,,n=user,r="_ba << malformed;
    QTest::newRow("nonce with control") << "n,,n=user,r=ab\x01"_ba << malformed;
    QTest::newRow("bad escape") << "n,,n=us=2Ger,r=abc"_ba << malformed;
    QTest::newRow("lowercase escape") << "n,,n=us=2cer,r=abc"_ba << malformed;
    QTest::newRow("truncated escape") << "n,,n=user=2,r=abc"_ba << malformed;
    QTest::newRow("bare =") << "n,,n=us=er,r=abc"_ba << malformed;
    QTest::newRow("m= extension") << "n,,m=ext,n=user,r=abc"_ba << malformed;
    QTest::newRow("bad extension") << "n,,n=user,r=abc,junk"_ba << malformed;
    QTest::newRow("invalid utf-8") << "n,,n=\xff\xfe,r=abc"_ba << malformed;
    QTest::newRow("saslprep prohibited") << "n,,n=us\x07" "er,r=abc"_ba << malformed;
    QTest::newRow("saslprep bidi") << "n,,n=\xD8\xA7" "1,r=abc"_ba << malformed;
    QTest::newRow("saslprep to nothing") << "n,,n=\xC2\xAD,r=abc"_ba << malformed;
    QTest::newRow("nodeprep prohibited") << "n,,n=user@host,r=abc"_ba << SaslFailure::NotAuthorized;
    QTest::newRow("nodeprep slash") << "n,,n=a/b,r=abc"_ba << SaslFailure::NotAuthorized;
}

void tst_Scram::malformedClientFirst()
{
    QFETCH(QByteArray, message);
    QFETCH(SaslFailure, expected);
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);
    ScramMechanism mechanism(Crypto::Hash::Sha1, &lookup);
    const auto step = mechanism.step(message);
    QCOMPARE(step.kind, Kind::Failure);
    QCOMPARE(step.failure, expected);
    QVERIFY(lookup.lookedUp.isEmpty());
}

void tst_Scram::malformedClientFinal_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<SaslFailure>("expected");

    // Client-first is "n,,n=user,r=abc" with server nonce "XYZ": combined nonce "abcXYZ".
    const ScramClient client{Crypto::Hash::Sha1, "pencil"_ba, "n,,"_ba, "n=user,r=abc"_ba};
    const QByteArray serverFirst = "r=abcXYZ,s="_ba + "fixed-test-salt!"_ba.toBase64() + ",i=4096"_ba;
    const QByteArray good = client.clientFinal(serverFirst);
    const QByteArray proof = good.mid(good.indexOf(",p="));

    const auto malformed = SaslFailure::MalformedRequest;
    QTest::newRow("control: good") << good << SaslFailure::Aborted; // Aborted = expect success
    QTest::newRow("wrong nonce") << "c=biws,r=abcXYQ"_ba + proof << malformed;
    QTest::newRow("client nonce only") << "c=biws,r=abc"_ba + proof << malformed;
    QTest::newRow("wrong c= (y)") << "c=eSws,r=abcXYZ"_ba + proof << malformed;
    QTest::newRow("wrong c= (empty)") << "c=,r=abcXYZ"_ba + proof << malformed;
    QTest::newRow("c= with padding variant") << "c=biws=,r=abcXYZ"_ba + proof << malformed;
    QTest::newRow("missing c=") << "r=abcXYZ"_ba + proof << malformed;
    QTest::newRow("missing p=") << "c=biws,r=abcXYZ"_ba << malformed;
    QTest::newRow("p= not last") << "c=biws,r=abcXYZ"_ba + proof + ",x=1"_ba << malformed;
    QTest::newRow("proof not base64") << "c=biws,r=abcXYZ,p=!!!!"_ba << malformed;
    QTest::newRow("proof too short") << "c=biws,r=abcXYZ,p=AAAA"_ba << malformed;
    QTest::newRow("empty") << QByteArray() << malformed;
    QTest::newRow("garbage") << "hello"_ba << malformed;
    QTest::newRow("unknown extension accepted") << client.clientFinal(serverFirst).replace(",p=", ",x=ext,p=")
                                                << SaslFailure::NotAuthorized; // the proof covers it
    QTest::newRow("wrong proof") << "c=biws,r=abcXYZ,p="_ba + QByteArray(20, 'x').toBase64()
                                 << SaslFailure::NotAuthorized;
}

void tst_Scram::malformedClientFinal()
{
    QFETCH(QByteArray, message);
    QFETCH(SaslFailure, expected);
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);
    ScramMechanism mechanism(Crypto::Hash::Sha1, &lookup);
    mechanism.setServerNonceForTesting("XYZ"_ba);
    const auto first = mechanism.step("n,,n=user,r=abc"_ba);
    QCOMPARE(first.kind, Kind::Challenge);
    QCOMPARE(first.payload, "r=abcXYZ,s="_ba + "fixed-test-salt!"_ba.toBase64() + ",i=4096"_ba);

    const auto final = mechanism.step(message);
    if (expected == SaslFailure::Aborted) {
        QCOMPARE(final.kind, Kind::Success);
        return;
    }
    QCOMPARE(final.kind, Kind::Failure);
    QCOMPARE(final.failure, expected);
    QVERIFY(mechanism.authenticatedUsername().isEmpty());
}

void tst_Scram::stepsAfterTheEnd()
{
    FakeLookup lookup;
    lookup.add(u"user"_s, "pencil"_ba);
    const ScramClient client{Crypto::Hash::Sha256, "pencil"_ba, "n,,"_ba, "n=user,r=abc"_ba};

    ScramMechanism succeeded(Crypto::Hash::Sha256, &lookup);
    const auto first = succeeded.step(client.clientFirst());
    const QByteArray final = client.clientFinal(first.payload);
    QCOMPARE(succeeded.step(final).kind, Kind::Success);
    const auto extra = succeeded.step(final);
    QCOMPARE(extra.kind, Kind::Failure);
    QCOMPARE(extra.failure, SaslFailure::MalformedRequest);
    QCOMPARE(succeeded.step({}).failure, SaslFailure::MalformedRequest);

    ScramMechanism failed(Crypto::Hash::Sha256, &lookup);
    QCOMPARE(failed.step("n,,m=x,n=user,r=abc"_ba).kind, Kind::Failure);
    const auto afterFailure = failed.step(client.clientFirst());
    QCOMPARE(afterFailure.kind, Kind::Failure);
    QCOMPARE(afterFailure.failure, SaslFailure::MalformedRequest);

    // Client-final sent first.
    ScramMechanism outOfOrder(Crypto::Hash::Sha256, &lookup);
    QCOMPARE(outOfOrder.step("c=biws,r=abcdef,p=AAAA"_ba).failure, SaslFailure::MalformedRequest);
}

QTEST_GUILESS_MAIN(tst_Scram)
#include "tst_scram.moc"
