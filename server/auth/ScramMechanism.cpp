#include "auth/ScramMechanism.h"

#include "auth/SaslPrep.h"

using namespace Qt::StringLiterals;

namespace {

constexpr int ServerNonceBytes = 24;

// Random per process: fake salts are stable while the server runs, so asking twice for the
// same unknown user shows the same salt, as a real account would.
const QByteArray &processSecret()
{
    static const QByteArray secret = Crypto::randomBytes(32);
    return secret;
}

// RFC 5802 nonce characters: printable ASCII except ','.
bool isValidNonce(const QByteArray &nonce)
{
    if (nonce.isEmpty())
        return false;
    for (const char c : nonce) {
        if (c < 0x21 || c > 0x7e || c == ',')
            return false;
    }
    return true;
}

// saslname: "=2C" stands for ',' and "=3D" for '='; any other '=' is malformed.
std::optional<QByteArray> decodeSaslName(const QByteArray &name)
{
    QByteArray decoded;
    decoded.reserve(name.size());
    for (qsizetype i = 0; i < name.size(); ++i) {
        const char c = name.at(i);
        if (c != '=') {
            decoded.append(c);
            continue;
        }
        const QByteArray escape = name.mid(i + 1, 2);
        if (escape == "2C")
            decoded.append(',');
        else if (escape == "3D")
            decoded.append('=');
        else
            return std::nullopt;
        i += 2;
    }
    return decoded;
}

// An attribute "x=value" with a single ASCII letter as its name.
bool isAttribute(const QByteArray &part)
{
    return part.size() >= 2 && part.at(1) == '='
        && ((part.at(0) >= 'a' && part.at(0) <= 'z') || (part.at(0) >= 'A' && part.at(0) <= 'Z'));
}

QByteArray xorBytes(const QByteArray &a, const QByteArray &b)
{
    QByteArray result(a.size(), '\0');
    for (qsizetype i = 0; i < a.size(); ++i)
        result[i] = char(a.at(i) ^ (i < b.size() ? b.at(i) : 0));
    return result;
}

const QString InvalidCredentials = u"Invalid username or password"_s;

} // namespace

ScramMechanism::ScramMechanism(Crypto::Hash hash, SaslCredentialLookup *lookup)
    : m_hash(hash), m_lookup(lookup)
{
}

QString ScramMechanism::mechanismName(Crypto::Hash hash)
{
    switch (hash) {
    case Crypto::Hash::Sha1:
        return u"SCRAM-SHA-1"_s;
    case Crypto::Hash::Sha256:
        return u"SCRAM-SHA-256"_s;
    }
    return {};
}

QString ScramMechanism::name() const
{
    return mechanismName(m_hash);
}

QString ScramMechanism::authenticatedUsername() const
{
    return m_authenticatedUsername;
}

void ScramMechanism::setServerNonceForTesting(const QByteArray &serverNonce)
{
    m_testServerNonce = serverNonce;
}

SaslMechanism::Step ScramMechanism::fail(SaslFailure condition, const QString &text)
{
    m_state = State::Done;
    return failure(condition, text);
}

SaslMechanism::Step ScramMechanism::step(const QByteArray &clientMessage)
{
    switch (m_state) {
    case State::ClientFirst:
        // No initial response: ask for client-first with an empty challenge (RFC 4422 §5), once.
        if (clientMessage.isEmpty() && !m_sentEmptyChallenge) {
            m_sentEmptyChallenge = true;
            return challenge({});
        }
        return clientFirst(clientMessage);
    case State::ClientFinal:
        return clientFinal(clientMessage);
    case State::Done:
        break;
    }
    return fail(SaslFailure::MalformedRequest, u"Authentication has already finished"_s);
}

ScramCredentials ScramMechanism::fakeCredentials(const QString &username) const
{
    const QByteArray tag = name().toUtf8() + '\0' + username.toUtf8();
    const int length = Crypto::hashLength(m_hash);
    ScramCredentials fake;
    fake.salt = Crypto::hmac(Crypto::Hash::Sha256, processSecret(), "salt\0"_ba + tag)
                    .left(ScramCredentials::SaltLength);
    fake.iterations = ScramCredentials::DefaultIterations;
    fake.storedKey = Crypto::hmac(Crypto::Hash::Sha256, processSecret(), "stored\0"_ba + tag).left(length);
    fake.serverKey = Crypto::hmac(Crypto::Hash::Sha256, processSecret(), "server\0"_ba + tag).left(length);
    return fake;
}

SaslMechanism::Step ScramMechanism::clientFirst(const QByteArray &message)
{
    // gs2-header: gs2-cbind-flag "," [authzid] ","
    const qsizetype flagEnd = message.indexOf(',');
    if (flagEnd < 0)
        return fail(SaslFailure::MalformedRequest, u"Missing GS2 header"_s);
    const QByteArray flag = message.left(flagEnd);
    if (flag.startsWith("p="))
        return fail(SaslFailure::MalformedRequest,
                    u"Channel binding is not supported (no -PLUS mechanism is offered)"_s);
    // 'y': the client could bind but thinks we cannot; right, since we offer no -PLUS.
    if (flag != "n" && flag != "y")
        return fail(SaslFailure::MalformedRequest, u"Invalid channel binding flag"_s);

    const qsizetype authzidEnd = message.indexOf(',', flagEnd + 1);
    if (authzidEnd < 0)
        return fail(SaslFailure::MalformedRequest, u"Missing GS2 header"_s);
    const QByteArray authzidField = message.mid(flagEnd + 1, authzidEnd - flagEnd - 1);
    QString authzid;
    if (!authzidField.isEmpty()) {
        if (!authzidField.startsWith("a=") || authzidField.size() == 2)
            return fail(SaslFailure::MalformedRequest, u"Invalid authzid field"_s);
        const std::optional<QByteArray> raw = decodeSaslName(authzidField.mid(2));
        if (!raw)
            return fail(SaslFailure::MalformedRequest, u"Invalid escape in authzid"_s);
        const std::optional<QString> text = Sasl::decodeUtf8(*raw);
        if (!text)
            return fail(SaslFailure::MalformedRequest, u"Invalid UTF-8 in authzid"_s);
        authzid = *text;
    }
    m_gs2Header = message.left(authzidEnd + 1);
    m_clientFirstBare = message.mid(authzidEnd + 1);

    // client-first-message-bare: [reserved-mext ","] username "," nonce ["," extensions]
    const QList<QByteArray> attributes = m_clientFirstBare.split(',');
    if (attributes.at(0).startsWith("m="))
        return fail(SaslFailure::MalformedRequest, u"Mandatory extensions are not supported"_s);
    if (attributes.size() < 2 || !attributes.at(0).startsWith("n=") || !attributes.at(1).startsWith("r="))
        return fail(SaslFailure::MalformedRequest, u"Expected n= and r= attributes"_s);
    for (qsizetype i = 2; i < attributes.size(); ++i) {
        if (!isAttribute(attributes.at(i)))
            return fail(SaslFailure::MalformedRequest, u"Invalid extension attribute"_s);
    }

    const std::optional<QByteArray> rawUsername = decodeSaslName(attributes.at(0).mid(2));
    if (!rawUsername)
        return fail(SaslFailure::MalformedRequest, u"Invalid escape in username"_s);
    if (rawUsername->isEmpty())
        return fail(SaslFailure::MalformedRequest, u"Empty username"_s);
    const std::optional<QString> givenUsername = Sasl::decodeUtf8(*rawUsername);
    if (!givenUsername)
        return fail(SaslFailure::MalformedRequest, u"Invalid UTF-8 in username"_s);
    const std::optional<QString> preppedUsername = Sasl::saslPrep(*givenUsername);
    if (!preppedUsername || preppedUsername->isEmpty())
        return fail(SaslFailure::MalformedRequest, u"Username fails SASLprep"_s);
    const std::optional<QString> username = Sasl::nodePrep(*preppedUsername);
    if (!username)
        return fail(SaslFailure::NotAuthorized, InvalidCredentials);

    const QByteArray clientNonce = attributes.at(1).mid(2);
    if (!isValidNonce(clientNonce))
        return fail(SaslFailure::MalformedRequest, u"Invalid client nonce"_s);

    if (!authzidAllowed(authzid, *username))
        return fail(SaslFailure::InvalidAuthzid, u"Authorization identity must be the user itself"_s);

    m_username = *username;
    // The fake is computed for every user so that both paths do the same work.
    const ScramCredentials fake = fakeCredentials(m_username);
    std::optional<ScramCredentials> stored;
    if (m_lookup)
        stored = m_lookup->scramCredentials(m_username, m_hash);
    m_userKnown = stored && stored->isValid();
    m_credentials = m_userKnown ? *stored : fake;

    const QByteArray serverNonce = m_testServerNonce.isEmpty()
        ? Crypto::randomBytes(ServerNonceBytes).toBase64()
        : m_testServerNonce;
    m_nonce = clientNonce + serverNonce;
    m_serverFirst = "r="_ba + m_nonce + ",s="_ba + m_credentials.salt.toBase64() + ",i="_ba
        + QByteArray::number(m_credentials.iterations);
    m_state = State::ClientFinal;
    return challenge(m_serverFirst);
}

SaslMechanism::Step ScramMechanism::clientFinal(const QByteArray &message)
{
    // client-final-message: channel-binding "," nonce ["," extensions] "," proof
    const QList<QByteArray> attributes = message.split(',');
    if (attributes.size() < 3 || !attributes.at(0).startsWith("c=") || !attributes.at(1).startsWith("r=")
        || !attributes.last().startsWith("p="))
        return fail(SaslFailure::MalformedRequest, u"Expected c=, r= and p= attributes"_s);
    for (qsizetype i = 2; i + 1 < attributes.size(); ++i) {
        if (!isAttribute(attributes.at(i)))
            return fail(SaslFailure::MalformedRequest, u"Invalid extension attribute"_s);
    }
    // No channel binding data: c= must carry exactly the GS2 header of client-first.
    if (attributes.at(0).mid(2) != m_gs2Header.toBase64())
        return fail(SaslFailure::MalformedRequest, u"Channel binding data does not match"_s);
    if (attributes.at(1).mid(2) != m_nonce)
        return fail(SaslFailure::MalformedRequest, u"Nonce does not match"_s);

    const auto decodedProof = QByteArray::fromBase64Encoding(attributes.last().mid(2),
                                                             QByteArray::AbortOnBase64DecodingErrors);
    const QByteArray proof = decodedProof.decoded;
    if (!decodedProof || proof.size() != Crypto::hashLength(m_hash))
        return fail(SaslFailure::MalformedRequest, u"Invalid client proof"_s);

    const QByteArray withoutProof = message.left(message.size() - attributes.last().size() - 1);
    const QByteArray authMessage = m_clientFirstBare + ',' + m_serverFirst + ',' + withoutProof;

    const QByteArray clientSignature = Crypto::hmac(m_hash, m_credentials.storedKey, authMessage);
    const QByteArray clientKey = xorBytes(proof, clientSignature);
    const bool proofValid = Crypto::constantTimeEquals(Crypto::hash(m_hash, clientKey), m_credentials.storedKey);
    const QByteArray serverSignature = Crypto::hmac(m_hash, m_credentials.serverKey, authMessage);

    if (!(proofValid & m_userKnown))
        return fail(SaslFailure::NotAuthorized, InvalidCredentials);

    m_state = State::Done;
    m_authenticatedUsername = m_username;
    return success("v="_ba + serverSignature.toBase64());
}
