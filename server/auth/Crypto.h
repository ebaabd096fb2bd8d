#pragma once

#include <QByteArray>
#include <QCryptographicHash>

// The one small interface behind which all cryptographic primitives live (Qt 6 provides them;
// nothing else in the server calls a hash or random source directly).
namespace Crypto {

enum class Hash { Sha1, Sha256 };

QByteArray hash(Hash algorithm, const QByteArray &data);
QByteArray hmac(Hash algorithm, const QByteArray &key, const QByteArray &message);
// RFC 5802 Hi(): PBKDF2 with HMAC as the PRF, output length = the hash's length.
QByteArray pbkdf2(Hash algorithm, const QByteArray &password, const QByteArray &salt, int iterations);
QByteArray randomBytes(int count);
// Constant-time comparison, so that a failed proof leaks nothing through timing.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);
int hashLength(Hash algorithm);

} // namespace Crypto
