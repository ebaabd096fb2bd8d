#pragma once

#include "auth/Crypto.h"

#include <QByteArray>

// What the database keeps for one SCRAM hash: never the password (RFC 5802 §3).
struct ScramCredentials
{
    // Iteration count for new accounts (Prosody's default); also what an unknown user is shown.
    static constexpr int DefaultIterations = 10000;
    static constexpr int SaltLength = 16;

    QByteArray salt;
    int iterations = 0;
    QByteArray storedKey;
    QByteArray serverKey;

    bool isValid() const { return !salt.isEmpty() && iterations > 0 && !storedKey.isEmpty(); }

    // SaltedPassword = Hi(password, salt, i); ClientKey = HMAC(SaltedPassword, "Client Key");
    // StoredKey = H(ClientKey); ServerKey = HMAC(SaltedPassword, "Server Key").
    // The password must already be SASLprep'ed (see Sasl::saslPrep).
    static ScramCredentials derive(Crypto::Hash algorithm, const QByteArray &password,
                                   const QByteArray &salt, int iterations);
    // A fresh random salt of SaltLength bytes.
    static ScramCredentials generate(Crypto::Hash algorithm, const QByteArray &password,
                                     int iterations = DefaultIterations);
};
