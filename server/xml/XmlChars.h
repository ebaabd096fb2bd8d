#pragma once

#include <QByteArrayView>
#include <QString>
#include <QtGlobal>

#include <array>

// The character classes of XML 1.0 (5th edition) and Namespaces in XML 1.0 that the tokenizer
// checks, over UTF-8 bytes: a byte table for the fast ASCII paths, the code point ranges for
// the rest.
namespace XmlChars {

// Byte classes. Name bytes: what may continue a name in ASCII, and every non-ASCII byte (the
// code points are checked when the name is complete). Special bytes stop the fast copy of a
// text run, an attribute value or a CDATA section.
enum : quint8 {
    NameStart = 1,     // ASCII NameStartChar but ':'
    NameByte = 2,      // ASCII NameChar, ':' and any byte >= 0x80
    TextSpecial = 4,   // '&', CR, ']' (for "]]>"), 0xEF (U+FFFE, U+FFFF)
    ValueSpecial = 8,  // '&', CR, TAB, LF, '<', 0xEF
    CDataSpecial = 16, // CR, 0xEF
    TagStop = 32,      // what ends the fast scan of a start tag: '>', quotes, '<'
};

constexpr std::array<quint8, 256> makeClasses()
{
    std::array<quint8, 256> t{};
    for (int c = 'a'; c <= 'z'; ++c)
        t[c] |= NameStart | NameByte;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[c] |= NameStart | NameByte;
    for (int c = '0'; c <= '9'; ++c)
        t[c] |= NameByte;
    t['_'] |= NameStart | NameByte;
    t['-'] |= NameByte;
    t['.'] |= NameByte;
    t[':'] |= NameByte;
    for (int c = 0x80; c < 0x100; ++c)
        t[c] |= NameByte;
    t['&'] |= TextSpecial | ValueSpecial;
    t['\r'] |= TextSpecial | ValueSpecial | CDataSpecial;
    t[']'] |= TextSpecial;
    t[0xef] |= TextSpecial | ValueSpecial | CDataSpecial;
    t['\t'] |= ValueSpecial;
    t['\n'] |= ValueSpecial;
    t['<'] |= ValueSpecial | TagStop;
    t['>'] |= TagStop;
    t['\''] |= TagStop;
    t['"'] |= TagStop;
    return t;
}
inline constexpr std::array<quint8, 256> Classes = makeClasses();

inline quint8 classOf(char c)
{
    return Classes[uchar(c)];
}

inline bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// One code point from valid UTF-8 (checked before the tokenizer sees it).
inline char32_t decodeUtf8(const char *&p)
{
    const uchar b = uchar(*p++);
    if (b < 0x80)
        return b;
    int more = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    char32_t c = b & (0x3f >> more);
    while (more-- > 0)
        c = (c << 6) | (uchar(*p++) & 0x3f);
    return c;
}

// Appends c as UTF-8 to anything with append(char).
template<typename Out>
void appendUtf8(Out &out, char32_t c)
{
    if (c < 0x80) {
        out.append(char(c));
    } else if (c < 0x800) {
        out.append(char(0xc0 | (c >> 6)));
        out.append(char(0x80 | (c & 0x3f)));
    } else if (c < 0x10000) {
        out.append(char(0xe0 | (c >> 12)));
        out.append(char(0x80 | ((c >> 6) & 0x3f)));
        out.append(char(0x80 | (c & 0x3f)));
    } else {
        out.append(char(0xf0 | (c >> 18)));
        out.append(char(0x80 | ((c >> 12) & 0x3f)));
        out.append(char(0x80 | ((c >> 6) & 0x3f)));
        out.append(char(0x80 | (c & 0x3f)));
    }
}

// §2.3 NameStartChar and NameChar, for code points >= 0x80 (ASCII goes through the table).
bool isNameStart(char32_t c);
bool isNameChar(char32_t c);
// The subset of those that XML 1.0 Fourth Edition (Appendix B) allows too, which is what the
// recipients' parsers (libexpat and others) accept: see XmlPortableNames.cpp.
bool isPortableNameStart(char32_t c);
bool isPortableNameChar(char32_t c);
// Decodes valid UTF-8 keeping a leading U+FEFF: QString::fromUtf8 drops one as a byte order
// mark, which in a text run or value is a character the sender wrote.
QString fromUtf8(QByteArrayView utf8);
// §2.2 Char.
bool isXmlChar(char32_t c);
// Namespaces in XML 1.0 §4 QName: an NCName, or two joined by one colon. colon is its offset,
// or -1. name must be valid UTF-8. Non-ASCII characters must also be portable (above).
bool isQName(QByteArrayView name, qsizetype &colon);

} // namespace XmlChars
