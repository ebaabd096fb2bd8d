#pragma once

#include "auth/SaslMechanism.h"

// RFC 4616 PLAIN: one message "authzid NUL authcid NUL passwd", checked through the lookup.
// Whether PLAIN may be offered on this stream is the caller's decision, not the mechanism's.
class PlainMechanism final : public SaslMechanism
{
public:
    explicit PlainMechanism(SaslCredentialLookup *lookup);

    static QString mechanismName();

    QString name() const override;
    Step step(const QByteArray &clientMessage) override;
    QString authenticatedUsername() const override;

private:
    Step authenticate(const QByteArray &message);

    SaslCredentialLookup *m_lookup;
    bool m_sentEmptyChallenge = false;
    bool m_done = false;
    QString m_authenticatedUsername;
};
