#include "xml/XmlChars.h"

#include <QStringDecoder>

namespace XmlChars {

bool isNameStart(char32_t c)
{
    return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff)
        || (c >= 0x370 && c <= 0x37d) || (c >= 0x37f && c <= 0x1fff) || (c >= 0x200c && c <= 0x200d)
        || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff)
        || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0x10000 && c <= 0xeffff);
}

bool isNameChar(char32_t c)
{
    return isNameStart(c) || c == 0xb7 || (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

QString fromUtf8(QByteArrayView utf8)
{
    if (utf8.size() < 3 || uchar(utf8[0]) != 0xef || uchar(utf8[1]) != 0xbb || uchar(utf8[2]) != 0xbf)
        return QString::fromUtf8(utf8);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    return decoder.decode(utf8);
}

bool isXmlChar(char32_t c)
{
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)
        || (c >= 0x10000 && c <= 0x10ffff);
}

bool isQName(QByteArrayView name, qsizetype &colon)
{
    colon = -1;
    const char *p = name.data();
    const char *const end = p + name.size();
    bool first = true;
    while (p < end) {
        const char *const at = p;
        const char32_t c = decodeUtf8(p);
        if (c == ':') {
            if (first || colon >= 0)
                return false;
            colon = at - name.data();
            first = true;
            continue;
        }
        const bool ok = c < 0x80 ? (classOf(char(c)) & (first ? NameStart : NameByte)) != 0
                                 : (first ? isNameStart(c) && isPortableNameStart(c)
                                          : isNameChar(c) && isPortableNameChar(c));
        if (!ok)
            return false;
        first = false;
    }
    return !first;
}

} // namespace XmlChars
