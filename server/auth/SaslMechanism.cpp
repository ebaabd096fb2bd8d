#include "auth/SaslMechanism.h"

#include "auth/PlainMechanism.h"
#include "auth/SaslPrep.h"
#include "auth/ScramMechanism.h"

using namespace Qt::StringLiterals;

QString saslFailureName(SaslFailure failure)
{
    switch (failure) {
    case SaslFailure::Aborted:
        return u"aborted"_s;
    case SaslFailure::AccountDisabled:
        return u"account-disabled"_s;
    case SaslFailure::CredentialsExpired:
        return u"credentials-expired"_s;
    case SaslFailure::EncryptionRequired:
        return u"encryption-required"_s;
    case SaslFailure::IncorrectEncoding:
        return u"incorrect-encoding"_s;
    case SaslFailure::InvalidAuthzid:
        return u"invalid-authzid"_s;
    case SaslFailure::InvalidMechanism:
        return u"invalid-mechanism"_s;
    case SaslFailure::MalformedRequest:
        return u"malformed-request"_s;
    case SaslFailure::MechanismTooWeak:
        return u"mechanism-too-weak"_s;
    case SaslFailure::NotAuthorized:
        return u"not-authorized"_s;
    case SaslFailure::TemporaryAuthFailure:
        return u"temporary-auth-failure"_s;
    }
    return u"not-authorized"_s;
}

QStringList SaslMechanism::availableMechanisms(bool encrypted, bool allowPlainWithoutTls)
{
    QStringList names{ScramMechanism::mechanismName(Crypto::Hash::Sha256),
                      ScramMechanism::mechanismName(Crypto::Hash::Sha1)};
    if (encrypted || allowPlainWithoutTls)
        names.append(PlainMechanism::mechanismName());
    return names;
}

std::unique_ptr<SaslMechanism> SaslMechanism::create(const QString &name, SaslCredentialLookup *lookup)
{
    if (name == ScramMechanism::mechanismName(Crypto::Hash::Sha256))
        return std::make_unique<ScramMechanism>(Crypto::Hash::Sha256, lookup);
    if (name == ScramMechanism::mechanismName(Crypto::Hash::Sha1))
        return std::make_unique<ScramMechanism>(Crypto::Hash::Sha1, lookup);
    if (name == PlainMechanism::mechanismName())
        return std::make_unique<PlainMechanism>(lookup);
    return nullptr;
}

bool SaslMechanism::authzidAllowed(const QString &authzid, const QString &preparedUsername) const
{
    if (authzid.isEmpty())
        return true;
    // Only a bare JID (or a bare username) can name the user itself; a resource never does.
    if (authzid.contains(u'/'))
        return false;
    QString local = authzid;
    const qsizetype at = authzid.indexOf(u'@');
    if (at >= 0) {
        QString domain = authzid.mid(at + 1);
        if (domain.endsWith(u'.'))
            domain.chop(1);
        if (m_localDomain.isEmpty() || domain.compare(m_localDomain, Qt::CaseInsensitive) != 0)
            return false;
        local = authzid.left(at);
    }
    const std::optional<QString> prepared = Sasl::prepareUsername(local);
    return prepared && *prepared == preparedUsername;
}
