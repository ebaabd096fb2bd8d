#include "auth/PlainMechanism.h"

#include "auth/SaslPrep.h"

using namespace Qt::StringLiterals;

PlainMechanism::PlainMechanism(SaslCredentialLookup *lookup)
    : m_lookup(lookup)
{
}

QString PlainMechanism::mechanismName()
{
    return u"PLAIN"_s;
}

QString PlainMechanism::name() const
{
    return mechanismName();
}

QString PlainMechanism::authenticatedUsername() const
{
    return m_authenticatedUsername;
}

SaslMechanism::Step PlainMechanism::step(const QByteArray &clientMessage)
{
    if (m_done)
        return failure(SaslFailure::MalformedRequest, u"Authentication has already finished"_s);
    // No initial response: ask for it with an empty challenge (RFC 4422 §5), once.
    if (clientMessage.isEmpty() && !m_sentEmptyChallenge) {
        m_sentEmptyChallenge = true;
        return challenge({});
    }
    m_done = true;
    return authenticate(clientMessage);
}

SaslMechanism::Step PlainMechanism::authenticate(const QByteArray &message)
{
    const QList<QByteArray> parts = message.split('\0');
    if (parts.size() != 3)
        return failure(SaslFailure::MalformedRequest, u"Expected authzid, authcid and password"_s);

    const std::optional<QString> authzid = Sasl::decodeUtf8(parts.at(0));
    const std::optional<QString> authcid = Sasl::decodeUtf8(parts.at(1));
    const std::optional<QString> password = Sasl::decodeUtf8(parts.at(2));
    if (!authzid || !authcid || !password)
        return failure(SaslFailure::MalformedRequest, u"Invalid UTF-8"_s);
    if (authcid->isEmpty())
        return failure(SaslFailure::MalformedRequest, u"Empty username"_s);

    const std::optional<QString> preppedAuthcid = Sasl::saslPrep(*authcid);
    if (!preppedAuthcid || preppedAuthcid->isEmpty())
        return failure(SaslFailure::MalformedRequest, u"Username fails SASLprep"_s);
    const std::optional<QString> username = Sasl::nodePrep(*preppedAuthcid);
    if (!username)
        return failure(SaslFailure::NotAuthorized, u"Invalid username or password"_s);

    if (!authzidAllowed(*authzid, *username))
        return failure(SaslFailure::InvalidAuthzid, u"Authorization identity must be the user itself"_s);

    const std::optional<QString> preppedPassword = Sasl::saslPrep(*password);
    if (!preppedPassword || preppedPassword->isEmpty() || !m_lookup
        || !m_lookup->verifyPassword(*username, *preppedPassword))
        return failure(SaslFailure::NotAuthorized, u"Invalid username or password"_s);

    m_authenticatedUsername = *username;
    return success({});
}
