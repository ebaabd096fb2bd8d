#pragma once

#include "auth/ScramCredentials.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>

// SASL failure conditions of RFC 6120 §6.5, in urn:ietf:params:xml:ns:xmpp-sasl.
enum class SaslFailure {
    Aborted,
    AccountDisabled,
    CredentialsExpired,
    EncryptionRequired,
    IncorrectEncoding,
    InvalidAuthzid,
    InvalidMechanism,
    MalformedRequest,
    MechanismTooWeak,
    NotAuthorized,
    TemporaryAuthFailure,
};
QString saslFailureName(SaslFailure failure);

// What a mechanism needs from the account store; the mechanisms never touch storage themselves.
class SaslCredentialLookup
{
public:
    virtual ~SaslCredentialLookup() = default;
    // The prepared username's SCRAM data for the given hash, or nullopt if there is no such
    // account. Implementations must not reveal existence through timing (the caller fakes it).
    virtual std::optional<ScramCredentials> scramCredentials(const QString &username, Crypto::Hash hash) = 0;
    // PLAIN: verify by deriving with the stored salt and comparing StoredKey.
    virtual bool verifyPassword(const QString &username, const QString &password) = 0;
};

// A server-side SASL mechanism as a pure state machine (no I/O): each client message goes in,
// a step result comes out. Payloads are raw (already base64-decoded).
class SaslMechanism
{
public:
    struct Step
    {
        enum class Kind { Challenge, Success, Failure } kind;
        QByteArray payload;              // challenge data, or additional data with success
        SaslFailure failure = SaslFailure::NotAuthorized;
        QString text;                    // optional human-readable text on failure
    };

    virtual ~SaslMechanism() = default;
    virtual QString name() const = 0;
    // The first message (<auth/> payload, may be empty) and each <response/> thereafter.
    virtual Step step(const QByteArray &clientMessage) = 0;
    // Set once Success was returned: the authenticated (prepared) username.
    virtual QString authenticatedUsername() const = 0;

    // Mechanisms offered given whether the stream is encrypted and whether PLAIN over
    // plaintext is allowed. Order is preference order.
    static QStringList availableMechanisms(bool encrypted, bool allowPlainWithoutTls);
    // Null if the name is unknown.
    static std::unique_ptr<SaslMechanism> create(const QString &name, SaslCredentialLookup *lookup);

    // Optional: the domain the server authenticates for. When set, an authzid in the bare JID
    // form "user@domain" naming the authenticating user is accepted, as well as the bare
    // username. Without it only an empty authzid or one equal to the username is accepted.
    void setLocalDomain(const QString &domain) { m_localDomain = domain; }
    QString localDomain() const { return m_localDomain; }

protected:
    // Whether the (already UTF-8-decoded) authzid may be used by the prepared username.
    bool authzidAllowed(const QString &authzid, const QString &preparedUsername) const;
    static Step challenge(const QByteArray &payload)
    {
        return Step{Step::Kind::Challenge, payload, SaslFailure::NotAuthorized, {}};
    }
    static Step success(const QByteArray &payload)
    {
        return Step{Step::Kind::Success, payload, SaslFailure::NotAuthorized, {}};
    }
    static Step failure(SaslFailure condition, const QString &text = {})
    {
        return Step{Step::Kind::Failure, {}, condition, text};
    }

private:
    QString m_localDomain;
};
