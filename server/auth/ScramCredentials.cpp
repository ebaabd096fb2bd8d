#include "auth/ScramCredentials.h"

using namespace Qt::StringLiterals;

ScramCredentials ScramCredentials::derive(Crypto::Hash algorithm, const QByteArray &password,
                                          const QByteArray &salt, int iterations)
{
    if (salt.isEmpty() || iterations < 1)
        return {};
    const QByteArray saltedPassword = Crypto::pbkdf2(algorithm, password, salt, iterations);
    const QByteArray clientKey = Crypto::hmac(algorithm, saltedPassword, "Client Key"_ba);

    ScramCredentials credentials;
    credentials.salt = salt;
    credentials.iterations = iterations;
    credentials.storedKey = Crypto::hash(algorithm, clientKey);
    credentials.serverKey = Crypto::hmac(algorithm, saltedPassword, "Server Key"_ba);
    return credentials;
}

ScramCredentials ScramCredentials::generate(Crypto::Hash algorithm, const QByteArray &password, int iterations)
{
    return derive(algorithm, password, Crypto::randomBytes(SaltLength), iterations);
}
