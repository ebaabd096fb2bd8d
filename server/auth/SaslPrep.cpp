#include "auth/SaslPrep.h"

#include <QStringDecoder>

#include <stringprep.h>

namespace Sasl {

namespace {

constexpr qsizetype MaxNodeBytes = 1023;
// Far beyond anything a username or password should be; bounds the buffer growth below.
constexpr qsizetype MaxPreparedBytes = 64 * 1024;

bool isWellFormedUtf16(const QString &s)
{
    const qsizetype n = s.size();
    for (qsizetype i = 0; i < n; ++i) {
        const QChar c = s.at(i);
        if (c.unicode() == 0)
            return false;
        if (c.isHighSurrogate()) {
            if (i + 1 >= n || !s.at(i + 1).isLowSurrogate())
                return false;
            ++i;
        } else if (c.isLowSurrogate()) {
            return false;
        }
    }
    return true;
}

std::optional<QString> runProfile(const QString &input, const Stringprep_profile *profile)
{
    if (!isWellFormedUtf16(input))
        return std::nullopt;
    const QByteArray utf8 = input.toUtf8();
    // NFKC can expand a string several times over; grow the buffer when libidn asks for it.
    qsizetype capacity = utf8.size() * 4 + 16;
    while (capacity <= MaxPreparedBytes * 4) {
        QByteArray buffer = utf8;
        buffer.resize(capacity, '\0');
        const int rc = stringprep(buffer.data(), size_t(buffer.size()), Stringprep_profile_flags(0), profile);
        if (rc == STRINGPREP_OK) {
            const qsizetype length = qstrnlen(buffer.constData(), buffer.size());
            if (length > MaxPreparedBytes)
                return std::nullopt;
            return QString::fromUtf8(buffer.constData(), length);
        }
        if (rc != STRINGPREP_TOO_SMALL_BUFFER)
            return std::nullopt;
        capacity *= 2;
    }
    return std::nullopt;
}

} // namespace

std::optional<QString> decodeUtf8(const QByteArray &utf8)
{
    if (utf8.contains('\0'))
        return std::nullopt;
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    QString text = decoder.decode(utf8);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

std::optional<QString> saslPrep(const QString &input)
{
    return runProfile(input, stringprep_saslprep);
}

std::optional<QString> nodePrep(const QString &input)
{
    std::optional<QString> node = runProfile(input, stringprep_xmpp_nodeprep);
    if (!node || node->isEmpty() || node->toUtf8().size() > MaxNodeBytes)
        return std::nullopt;
    return node;
}

std::optional<QString> prepareUsername(const QString &input)
{
    const std::optional<QString> prepared = saslPrep(input);
    if (!prepared || prepared->isEmpty())
        return std::nullopt;
    return nodePrep(*prepared);
}

} // namespace Sasl
