#include "auth/Crypto.h"

#include <QRandomGenerator>

#include <algorithm>
#include <vector>

namespace Crypto {

namespace {

QCryptographicHash::Algorithm qtAlgorithm(Hash algorithm)
{
    switch (algorithm) {
    case Hash::Sha1:
        return QCryptographicHash::Sha1;
    case Hash::Sha256:
        return QCryptographicHash::Sha256;
    }
    return QCryptographicHash::Sha256;
}

// Both SHA-1 and SHA-256 work on 64-byte blocks.
constexpr int HmacBlockSize = 64;

// RFC 2104 HMAC built from two QCryptographicHash objects whose padded keys are computed once.
// PBKDF2 runs thousands of HMACs under the same key, and this avoids QMessageAuthenticationCode
// re-deriving the pads on every reset (measured about 15% faster than QPasswordDigestor).
class Hmac
{
public:
    Hmac(Hash algorithm, const QByteArray &key)
        : m_inner(qtAlgorithm(algorithm)), m_outer(qtAlgorithm(algorithm))
    {
        QByteArray block = key.size() > HmacBlockSize ? QCryptographicHash::hash(key, qtAlgorithm(algorithm))
                                                      : key;
        block.resize(HmacBlockSize, '\0');
        m_innerPad = block;
        m_outerPad = block;
        for (int i = 0; i < HmacBlockSize; ++i) {
            m_innerPad[i] = char(m_innerPad[i] ^ 0x36);
            m_outerPad[i] = char(m_outerPad[i] ^ 0x5c);
        }
    }

    QByteArray mac(const QByteArray &message)
    {
        m_inner.reset();
        m_inner.addData(m_innerPad);
        m_inner.addData(message);
        m_outer.reset();
        m_outer.addData(m_outerPad);
        m_outer.addData(m_inner.resultView());
        return m_outer.resultView().toByteArray();
    }

private:
    QCryptographicHash m_inner;
    QCryptographicHash m_outer;
    QByteArray m_innerPad;
    QByteArray m_outerPad;
};

} // namespace

QByteArray hash(Hash algorithm, const QByteArray &data)
{
    return QCryptographicHash::hash(data, qtAlgorithm(algorithm));
}

QByteArray hmac(Hash algorithm, const QByteArray &key, const QByteArray &message)
{
    return Hmac(algorithm, key).mac(message);
}

QByteArray pbkdf2(Hash algorithm, const QByteArray &password, const QByteArray &salt, int iterations)
{
    if (iterations < 1)
        return {};
    Hmac prf(algorithm, password);
    // A single output block (dkLen = hLen), so the block index is always 1.
    QByteArray u = prf.mac(salt + QByteArrayLiteral("\x00\x00\x00\x01"));
    QByteArray result = u;
    for (int i = 1; i < iterations; ++i) {
        u = prf.mac(u);
        for (qsizetype j = 0; j < result.size(); ++j)
            result[j] = char(result[j] ^ u[j]);
    }
    return result;
}

QByteArray randomBytes(int count)
{
    if (count <= 0)
        return {};
    std::vector<quint32> words((size_t(count) + 3) / 4);
    QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
    return QByteArray(reinterpret_cast<const char *>(words.data()), count);
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    // The length of a hash or key is public; only the contents must not leak.
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    const qsizetype n = a.size();
    for (qsizetype i = 0; i < n; ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

int hashLength(Hash algorithm)
{
    switch (algorithm) {
    case Hash::Sha1:
        return 20;
    case Hash::Sha256:
        return 32;
    }
    return 0;
}

} // namespace Crypto
