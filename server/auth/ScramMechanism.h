#pragma once

#include "auth/SaslMechanism.h"

// RFC 5802 / RFC 7677 SCRAM-SHA-1 and SCRAM-SHA-256, server side, without channel binding
// (no -PLUS variant is offered). Two client messages: client-first, then client-final.
//
// An unknown user gets the same exchange as a wrong password: a salt derived from a per-process
// secret and the username, the default iteration count, the same computations on client-final,
// and not-authorized at the end.
class ScramMechanism final : public SaslMechanism
{
public:
    ScramMechanism(Crypto::Hash hash, SaslCredentialLookup *lookup);

    static QString mechanismName(Crypto::Hash hash);

    QString name() const override;
    Step step(const QByteArray &clientMessage) override;
    QString authenticatedUsername() const override;

    // Tests only: use this as the server's part of the nonce instead of 24 random bytes in
    // base64. It must be printable ASCII without ','. Call before the first step().
    void setServerNonceForTesting(const QByteArray &serverNonce);

private:
    enum class State { ClientFirst, ClientFinal, Done };

    Step clientFirst(const QByteArray &message);
    Step clientFinal(const QByteArray &message);
    Step fail(SaslFailure condition, const QString &text);
    ScramCredentials fakeCredentials(const QString &username) const;

    Crypto::Hash m_hash;
    SaslCredentialLookup *m_lookup;
    State m_state = State::ClientFirst;
    bool m_sentEmptyChallenge = false;
    QByteArray m_testServerNonce;

    QByteArray m_gs2Header;
    QByteArray m_clientFirstBare;
    QByteArray m_serverFirst;
    QByteArray m_nonce;
    QString m_username;
    ScramCredentials m_credentials;
    bool m_userKnown = false;
    QString m_authenticatedUsername;
};
