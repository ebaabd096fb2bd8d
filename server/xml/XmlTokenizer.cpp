#include "xml/XmlTokenizer.h"

#include "xml/XmlChars.h"
#include "xml/XmlNamePool.h"

#include <algorithm>
#include <cstring>
#include <vector>

using namespace Qt::StringLiterals;
using Condition = XmlError;
using namespace XmlChars;

namespace {

constexpr auto XmlNamespace = "http://www.w3.org/XML/1998/namespace"_L1;
constexpr auto XmlnsNamespace = "http://www.w3.org/2000/xmlns/"_L1;

// Where the name starting at i ends (the first byte that cannot be part of one).
inline qsizetype nameEnd(const char *p, qsizetype i, qsizetype n)
{
    while (i < n && (classOf(p[i]) & NameByte))
        ++i;
    return i;
}

inline qsizetype skipSpace(const char *p, qsizetype i, qsizetype n)
{
    while (i < n && isSpace(p[i]))
        ++i;
    return i;
}

QString quoted(QByteArrayView bytes)
{
    return u"'%1'"_s.arg(QString::fromUtf8(bytes.first(qMin<qsizetype>(bytes.size(), 64))));
}

} // namespace

struct XmlTokenizer::RawAttribute
{
    QByteArrayView name;
    QByteArrayView value;
    qsizetype colon;
};

XmlTokenizer::XmlTokenizer(Sink *sink)
    : m_sink(sink)
{
}

void XmlTokenizer::reset()
{
    m_state = Content;
    m_quote = 0;
    m_match = 0;
    m_atStart = true;
    m_bomAllowed = true;
    m_lowerXml = true;
    m_rootSeen = false;
    m_buffered = false;
    m_tokenStart = 0;
    m_buffer = QByteArray();
    m_open = QList<QByteArray>();
    m_bindings = QList<Binding>();
}

void XmlTokenizer::fail(Condition condition, const QString &text)
{
    if (m_state == Failed)
        return;
    m_state = Failed;
    m_buffer = QByteArray();
    m_buffered = false;
    m_sink->failed(condition, text);
}

void XmlTokenizer::feed(const char *data, qsizetype n)
{
    qsizetype i = 0;
    m_tokenStart = 0;   // a buffered token goes on from the first byte
    while (i < n) {
        switch (m_state) {
        case Failed:
            return;
        case Content: {
            const char b = data[i];
            if (b == '<') {
                m_state = TagOpen;
                ++i;
                break;
            }
            const qsizetype depth = m_open.size();
            if (depth >= 2) {
                m_state = Text;
                m_tokenStart = i;
                break;
            }
            if (isSpace(b)) {
                m_atStart = false;
                m_bomAllowed = false;
                ++i;
            } else if (depth == 0 && m_bomAllowed && uchar(b) == 0xef) {
                m_state = Bom;
                m_match = 1;
                m_bomAllowed = false;
                ++i;
            } else if (depth == 1 && b == '&') {
                // A reference may stand for whitespace: decode the run, then judge it.
                m_state = Text;
                m_tokenStart = i;
            } else if (depth == 1) {
                // Well-formed, but not XMPP: RFC 6120 §4.9.3.1 bad-format.
                fail(Condition::BadFormat, u"Character data at stream level"_s);
            } else {
                fail(Condition::NotWellFormed, u"Character data outside the stream element"_s);
            }
            break;
        }
        case Bom: {
            static constexpr uchar tail[] = {0xef, 0xbb, 0xbf};
            if (uchar(data[i]) != tail[m_match]) {
                fail(Condition::NotWellFormed, u"Character data outside the stream element"_s);
                break;
            }
            ++i;
            if (++m_match == 3)
                m_state = Content;
            break;
        }
        case Text: {
            const void *lt = std::memchr(data + i, '<', size_t(n - i));
            if (!lt) {
                i = n;
                break;
            }
            const qsizetype at = static_cast<const char *>(lt) - data;
            if (!complete(data, at, &XmlTokenizer::handleText))
                return;
            m_state = TagOpen;
            i = at + 1;
            break;
        }
        case TagOpen: {
            const char b = data[i];
            if (b == '?') {
                m_state = PiTarget;
                m_match = 0;
                m_lowerXml = true;
                ++i;
                break;
            }
            m_atStart = false;
            m_bomAllowed = false;
            if (b == '/') {
                m_state = EndTagBody;
                m_tokenStart = ++i;
            } else if (b == '!') {
                m_state = Bang;
                ++i;
            } else {
                m_state = StartTagBody;   // the name is checked when the tag is complete
                m_tokenStart = i;
            }
            break;
        }
        case StartTagBody: {
            qsizetype j = i;
            while (j < n && !(classOf(data[j]) & TagStop))
                ++j;
            if (j == n) {
                i = n;
                break;
            }
            const char b = data[j];
            if (b == '>') {
                if (!complete(data, j, &XmlTokenizer::handleStartTag))
                    return;
                m_state = Content;
            } else if (b == '<') {
                fail(Condition::NotWellFormed, u"'<' inside a tag"_s);
                return;
            } else {
                m_quote = b;
                m_state = AttrValue;
            }
            i = j + 1;
            break;
        }
        case AttrValue: {
            const void *q = std::memchr(data + i, m_quote, size_t(n - i));
            if (!q) {
                i = n;
                break;
            }
            m_state = AfterValue;
            i = static_cast<const char *>(q) - data + 1;
            break;
        }
        case AfterValue: {
            // §3.1: a value is followed by whitespace or the end of the tag. Checked here so
            // that a stray quote fails now instead of swallowing the rest of the stream.
            const char b = data[i];
            if (!isSpace(b) && b != '/' && b != '>') {
                fail(Condition::NotWellFormed, u"Attribute value not followed by whitespace or the tag end"_s);
                return;
            }
            m_state = StartTagBody;
            break;
        }
        case EndTagBody: {
            qsizetype j = i;
            while (j < n && data[j] != '>' && data[j] != '<')
                ++j;
            if (j == n) {
                i = n;
                break;
            }
            if (data[j] == '<') {
                fail(Condition::NotWellFormed, u"'<' inside an end tag"_s);
                return;
            }
            if (!complete(data, j, &XmlTokenizer::handleEndTag))
                return;
            m_state = Content;
            i = j + 1;
            break;
        }
        case Bang: {
            const char b = data[i++];
            if (b == '-') {
                m_state = BangDash;
            } else if (b == '[' && m_open.size() >= 1) {
                m_state = CDataOpen;
                m_match = 0;
            } else if (b == 'D') {
                m_state = DoctypeOpen;
                m_match = 1;
            } else {
                fail(Condition::NotWellFormed, u"Unknown markup after '<!'"_s);
            }
            break;
        }
        case BangDash:
            if (data[i] == '-')
                fail(Condition::RestrictedXml, u"Restricted XML: comment"_s);
            else
                fail(Condition::NotWellFormed, u"Unknown markup after '<!-'"_s);
            break;
        case CDataOpen:
        case DoctypeOpen: {
            const char *const keyword = m_state == CDataOpen ? "CDATA[" : "DOCTYPE";
            if (data[i++] != keyword[m_match]) {
                fail(Condition::NotWellFormed, u"Unknown markup after '<!'"_s);
                break;
            }
            if (keyword[++m_match] != 0)
                break;
            if (m_state == DoctypeOpen) {
                // RFC 6120 §11.1; failing here, nothing it declares is ever expanded.
                fail(Condition::RestrictedXml, u"Restricted XML: document type declaration"_s);
                break;
            }
            m_state = CData;
            m_match = 0;
            m_tokenStart = i;
            break;
        }
        case CData: {
            qsizetype j = i;
            for (; j < n; ++j) {
                const char b = data[j];
                if (b == '>' && m_match >= 2)
                    break;
                m_match = b == ']' ? quint8(qMin(m_match + 1, 2)) : quint8(0);
            }
            if (j == n) {
                i = n;
                break;
            }
            if (!complete(data, j, &XmlTokenizer::handleCData))
                return;
            m_state = Content;
            m_match = 0;
            i = j + 1;
            break;
        }
        case PiTarget: {
            // Only "xml" (any case) matters: the declaration at the very start, or a reserved
            // name elsewhere; every other target is a processing instruction (RFC 6120 §11.1).
            const char b = data[i];
            if ((b | 0x20) != "xml"[m_match]) {
                fail(Condition::RestrictedXml, u"Restricted XML: processing instruction"_s);
                break;
            }
            m_lowerXml = m_lowerXml && b == "xml"[m_match];
            ++i;
            if (++m_match == 3)
                m_state = PiTargetEnd;
            break;
        }
        case PiTargetEnd: {
            const char b = data[i];
            if (!isSpace(b) && b != '?') {
                fail(Condition::RestrictedXml, u"Restricted XML: processing instruction"_s);
            } else if (!m_atStart || !m_lowerXml || !isSpace(b)) {
                fail(Condition::NotWellFormed, u"Misplaced or malformed XML declaration"_s);
            } else {
                m_atStart = false;
                m_bomAllowed = false;
                m_state = Declaration;
                m_match = 0;
                m_tokenStart = i;
            }
            break;
        }
        case Declaration: {
            qsizetype j = i;
            for (; j < n; ++j) {
                if (data[j] == '>' && m_match)
                    break;
                m_match = data[j] == '?';
            }
            if (j == n) {
                i = n;
                break;
            }
            if (!complete(data, j, &XmlTokenizer::handleDeclaration))
                return;
            m_state = Content;
            m_match = 0;
            i = j + 1;
            break;
        }
        }
    }
    // Keep the head of a token that goes on in the next read, and nothing else.
    switch (m_state) {
    case Text:
    case StartTagBody:
    case AttrValue:
    case AfterValue:
    case EndTagBody:
    case CData:
    case Declaration:
        if (m_buffered) {
            m_buffer.append(data, n);
        } else {
            m_buffer = QByteArray(data + m_tokenStart, n - m_tokenStart);
            m_buffered = true;
        }
        break;
    default:
        break;
    }
}

bool XmlTokenizer::complete(const char *data, qsizetype end, bool (XmlTokenizer::*handle)(QByteArrayView))
{
    if (!m_buffered)
        return (this->*handle)(QByteArrayView(data + m_tokenStart, end - m_tokenStart));
    m_buffer.append(data, end);
    const QByteArray token = std::exchange(m_buffer, QByteArray());   // released with it
    m_buffered = false;
    return (this->*handle)(token);
}

bool XmlTokenizer::decode(QByteArrayView raw, Mode mode, bool intern, QString &out)
{
    const quint8 special = mode == Mode::Text ? TextSpecial : mode == Mode::Value ? ValueSpecial : CDataSpecial;
    const char *const p = raw.data();
    const qsizetype n = raw.size();
    qsizetype i = 0;
    while (i < n && !(classOf(p[i]) & special))
        ++i;
    if (i == n) {
        // The common case: nothing to expand or normalise.
        if (n == 0)
            out = u""_s;
        else
            out = intern ? XmlNamePool::string(raw) : XmlChars::fromUtf8(raw);
        return true;
    }
    QVarLengthArray<char, 256> utf8;
    utf8.append(p, i);
    while (i < n) {
        const char b = p[i];
        if (!(classOf(b) & special)) {
            utf8.append(b);
            ++i;
            continue;
        }
        switch (b) {
        case '&': {
            const char *const semi = static_cast<const char *>(std::memchr(p + i, ';', size_t(n - i)));
            if (!semi) {
                fail(Condition::NotWellFormed, u"Reference without ';'"_s);
                return false;
            }
            const QByteArrayView name(p + i + 1, semi - (p + i + 1));
            i = semi - p + 1;
            if (name.startsWith('#')) {
                // §4.1 character reference: decimal or hexadecimal, a legal Char.
                const bool hex = name.size() > 1 && name[1] == 'x';
                const QByteArrayView digits = name.sliced(hex ? 2 : 1);
                char32_t c = 0;
                bool ok = !digits.isEmpty();
                for (char d : digits) {
                    int v = -1;
                    if (d >= '0' && d <= '9')
                        v = d - '0';
                    else if (hex && (d | 0x20) >= 'a' && (d | 0x20) <= 'f')
                        v = (d | 0x20) - 'a' + 10;
                    if (v < 0) {
                        ok = false;
                        break;
                    }
                    c = c * (hex ? 16 : 10) + char32_t(v);
                    if (c > 0x10ffff) {
                        ok = false;
                        break;
                    }
                }
                if (!ok || !isXmlChar(c)) {
                    fail(Condition::NotWellFormed, u"Character reference to a non-XML character: &%1;"_s
                                                       .arg(QString::fromUtf8(name.first(qMin<qsizetype>(name.size(), 16)))));
                    return false;
                }
                appendUtf8(utf8, c);
            } else if (name == "amp") {
                utf8.append('&');
            } else if (name == "lt") {
                utf8.append('<');
            } else if (name == "gt") {
                utf8.append('>');
            } else if (name == "quot") {
                utf8.append('"');
            } else if (name == "apos") {
                utf8.append('\'');
            } else {
                // No DTD, so no other entity is declared (§4.1 WFC: Entity Declared).
                fail(Condition::NotWellFormed, u"Undeclared entity %1"_s.arg(quoted(name)));
                return false;
            }
            break;
        }
        case '\r':
            // §2.11: CR LF and a lone CR are read as LF; in a value then as a space (§3.3.3).
            utf8.append(mode == Mode::Value ? ' ' : '\n');
            i += i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
            break;
        case '\t':
        case '\n':
            utf8.append(' ');
            ++i;
            break;
        case '<':
            fail(Condition::NotWellFormed, u"'<' in an attribute value"_s);
            return false;
        case ']':
            if (i + 2 < n && p[i + 1] == ']' && p[i + 2] == '>') {
                fail(Condition::NotWellFormed, u"']]>' in character data"_s);
                return false;
            }
            utf8.append(b);
            ++i;
            break;
        default:   // 0xEF: U+FFFE and U+FFFF are not XML characters (§2.2)
            if (i + 2 < n && uchar(p[i + 1]) == 0xbf && (uchar(p[i + 2]) == 0xbe || uchar(p[i + 2]) == 0xbf)) {
                fail(Condition::NotWellFormed, u"Not an XML character (U+FFFE or U+FFFF)"_s);
                return false;
            }
            utf8.append(b);
            ++i;
            break;
        }
    }
    out = XmlChars::fromUtf8(utf8);
    if (out.isNull())
        out = u""_s;
    return true;
}

bool XmlTokenizer::handleText(QByteArrayView text)
{
    QString decoded;
    if (!decode(text, Mode::Text, false, decoded))
        return false;
    if (m_open.size() == 1)
        return handleStreamLevelText(decoded);
    return m_sink->characters(decoded);
}

bool XmlTokenizer::handleCData(QByteArrayView content)
{
    content.chop(2);   // "]]"
    QString decoded;
    if (!decode(content, Mode::CData, false, decoded))
        return false;
    if (m_open.size() == 1)
        return handleStreamLevelText(decoded);
    return decoded.isEmpty() || m_sink->characters(decoded);
}

bool XmlTokenizer::handleStreamLevelText(QStringView text)
{
    // Whitespace keepalives are fine (RFC 6120 §4.6.1); other character data is well-formed but
    // not XMPP: bad-format (§4.9.3.1).
    for (QChar c : text) {
        if (c != u' ' && c != u'\t' && c != u'\n' && c != u'\r') {
            fail(Condition::BadFormat, u"Character data at stream level"_s);
            return false;
        }
    }
    return true;
}

bool XmlTokenizer::handleDeclaration(QByteArrayView declaration)
{
    // §2.8: S 'version' Eq "1.0" (S 'encoding' Eq EncName)? (S 'standalone' Eq (yes|no))? S?
    declaration.chop(1);   // '?'
    const char *const p = declaration.data();
    const qsizetype n = declaration.size();
    static constexpr const char *names[] = {"version", "encoding", "standalone"};
    qsizetype i = 0;
    int next = 0;
    bool sawVersion = false;
    while (true) {
        const qsizetype spaced = i;
        i = skipSpace(p, i, n);
        if (i == n)
            break;
        const qsizetype nameStart = i;
        i = nameEnd(p, i, n);
        const QByteArrayView name(p + nameStart, i - nameStart);
        int which = next;
        while (which < 3 && name != names[which])
            ++which;
        if (i == spaced || which == 3 || (which > 0 && !sawVersion)) {
            fail(Condition::NotWellFormed, u"Malformed XML declaration"_s);
            return false;
        }
        i = skipSpace(p, i, n);
        if (i == n || p[i] != '=') {
            fail(Condition::NotWellFormed, u"Malformed XML declaration"_s);
            return false;
        }
        i = skipSpace(p, i + 1, n);
        const char *const close = i < n && (p[i] == '\'' || p[i] == '"')
            ? static_cast<const char *>(std::memchr(p + i + 1, p[i], size_t(n - i - 1)))
            : nullptr;
        if (!close) {
            fail(Condition::NotWellFormed, u"Malformed XML declaration"_s);
            return false;
        }
        const QByteArrayView value(p + i + 1, close - (p + i + 1));
        i = close - p + 1;
        next = which + 1;
        if (which == 0) {
            if (value != "1.0") {
                fail(Condition::NotWellFormed, u"XML version %1 is not 1.0"_s.arg(quoted(value)));
                return false;
            }
            sawVersion = true;
        } else if (which == 1) {
            // RFC 6120 §11.6: UTF-8 only.
            const QLatin1StringView encoding(value.data(), value.size());
            if (encoding.compare("UTF-8"_L1, Qt::CaseInsensitive) != 0
                && encoding.compare("UTF8"_L1, Qt::CaseInsensitive) != 0) {
                fail(Condition::UnsupportedEncoding, u"The stream must be UTF-8"_s);
                return false;
            }
        } else if (value != "yes" && value != "no") {
            fail(Condition::NotWellFormed, u"Malformed XML declaration"_s);
            return false;
        }
    }
    if (!sawVersion) {
        fail(Condition::NotWellFormed, u"XML declaration without a version"_s);
        return false;
    }
    return true;
}

const QString *XmlTokenizer::lookup(QByteArrayView prefix) const
{
    for (auto it = m_bindings.crbegin(); it != m_bindings.crend(); ++it) {
        if (it->prefix == prefix)
            return &it->uri;
    }
    return nullptr;
}

bool XmlTokenizer::resolve(QByteArrayView qualifiedName, qsizetype colon, bool element, QString &uri)
{
    if (colon < 0) {
        // An unprefixed attribute is in no namespace; an element in the default one.
        if (element) {
            const QString *bound = lookup(QByteArrayView());
            uri = bound ? *bound : QString();
        } else {
            uri = QString();
        }
        return true;
    }
    const QByteArrayView prefix = qualifiedName.first(colon);
    if (prefix == "xml") {
        static const QString xml = XmlNamespace;
        uri = xml;
        return true;
    }
    if (prefix == "xmlns") {
        fail(Condition::NotWellFormed, u"The xmlns prefix is reserved"_s);
        return false;
    }
    const QString *bound = lookup(prefix);
    if (!bound) {
        fail(Condition::BadNamespacePrefix, u"Namespace prefix %1 not declared"_s.arg(quoted(prefix)));
        return false;
    }
    uri = *bound;
    return true;
}

bool XmlTokenizer::handleStartTag(QByteArrayView tag)
{
    if (m_open.isEmpty() && m_rootSeen) {
        fail(Condition::NotWellFormed, u"A second document element"_s);
        return false;
    }
    const char *const p = tag.data();
    qsizetype n = tag.size();
    const bool empty = n > 0 && p[n - 1] == '/';
    if (empty)
        --n;
    // §3.1: Name (S Attribute)* S? — whitespace between attributes is required.
    qsizetype i = nameEnd(p, 0, n);
    const QByteArrayView qualifiedName(p, i);
    qsizetype colon = -1;
    if (!isQName(qualifiedName, colon)) {
        fail(Condition::NotWellFormed, u"Invalid element name %1"_s.arg(quoted(qualifiedName)));
        return false;
    }
    QVarLengthArray<RawAttribute, 16> raw;
    while (true) {
        const qsizetype spaced = i;
        i = skipSpace(p, i, n);
        if (i == n)
            break;
        const qsizetype nameStart = i;
        i = nameEnd(p, i, n);
        RawAttribute attribute;
        attribute.name = QByteArrayView(p + nameStart, i - nameStart);
        if (spaced == nameStart || !isQName(attribute.name, attribute.colon)) {
            fail(Condition::NotWellFormed, u"Malformed attribute in <%1>"_s.arg(QString::fromUtf8(qualifiedName)));
            return false;
        }
        i = skipSpace(p, i, n);
        if (i < n && p[i] == '=')
            i = skipSpace(p, i + 1, n);
        else
            i = n;   // no '=': fails below
        const char *const close = i < n && (p[i] == '\'' || p[i] == '"')
            ? static_cast<const char *>(std::memchr(p + i + 1, p[i], size_t(n - i - 1)))
            : nullptr;
        if (!close) {
            fail(Condition::NotWellFormed, u"Malformed attribute %1"_s.arg(quoted(attribute.name)));
            return false;
        }
        attribute.value = QByteArrayView(p + i + 1, close - (p + i + 1));
        i = close - p + 1;
        raw.append(attribute);
    }

    // §3.1 WFC: Unique Att Spec, by the name as written.
    const qsizetype count = raw.size();
    if (count > 1 && count <= 16) {
        for (qsizetype a = 1; a < count; ++a) {
            for (qsizetype b = 0; b < a; ++b) {
                if (raw[a].name == raw[b].name) {
                    fail(Condition::NotWellFormed, u"Duplicate attribute %1"_s.arg(quoted(raw[a].name)));
                    return false;
                }
            }
        }
    } else if (count > 16) {   // sorted, so a tag of many attributes costs n log n, not n²
        std::vector<QByteArrayView> names;
        names.reserve(size_t(count));
        for (const RawAttribute &a : raw)
            names.push_back(a.name);
        std::sort(names.begin(), names.end());
        if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
            fail(Condition::NotWellFormed, u"Duplicate attribute in <%1>"_s.arg(QString::fromUtf8(qualifiedName)));
            return false;
        }
    }

    const int depth = int(m_open.size()) + 1;
    StartTag start;
    start.depth = depth;
    // Namespace declarations first: they apply to the element's own name and attributes.
    for (const RawAttribute &a : raw) {
        const bool isDefault = a.name == "xmlns";
        if (!isDefault && !(a.colon == 5 && a.name.startsWith("xmlns")))
            continue;
        ++start.declarations;
        const QByteArrayView prefix = isDefault ? QByteArrayView() : a.name.sliced(6);
        QString uri;
        if (!decode(a.value, Mode::Value, true, uri))
            return false;
        // Namespaces in XML 1.0 §3: xml only to its namespace, xmlns never, neither namespace
        // to anything else, no prefix undeclared (that is 1.1).
        const bool xmlPrefix = prefix == "xml";
        if (prefix == "xmlns" || uri == XmlnsNamespace || xmlPrefix != (uri == XmlNamespace)
            || (!isDefault && uri.isEmpty())) {
            fail(Condition::NotWellFormed, u"Illegal namespace declaration %1"_s.arg(quoted(a.name)));
            return false;
        }
        if (!xmlPrefix)
            m_bindings.append(Binding{XmlNamePool::bytes(prefix), uri.isEmpty() ? QString() : uri, depth});
    }
    // Pushed before the element is known to be good: a failure ends the document anyway.
    if (!resolve(qualifiedName, colon, true, start.namespaceUri))
        return false;
    start.name = XmlNamePool::string(qualifiedName.sliced(colon + 1));
    const QString *defaultNamespace = lookup(QByteArrayView());
    if (defaultNamespace)
        start.defaultNamespace = *defaultNamespace;

    for (const RawAttribute &a : raw) {
        if (a.name == "xmlns" || (a.colon == 5 && a.name.startsWith("xmlns")))
            continue;
        Attribute attribute;
        if (!resolve(a.name, a.colon, false, attribute.namespaceUri))
            return false;
        if (!decode(a.value, Mode::Value, false, attribute.value))
            return false;
        attribute.qualifiedName = XmlNamePool::string(a.name);
        attribute.prefixSize = a.colon < 0 ? 0 : attribute.qualifiedName.indexOf(u':');
        // Namespaces §6.3: no two attributes with the same local name and namespace, however
        // they are prefixed. Only prefixed ones can collide once the written names differ.
        if (a.colon >= 0) {
            const QStringView local = QStringView(attribute.qualifiedName).mid(attribute.prefixSize + 1);
            for (const Attribute &other : std::as_const(start.attributes)) {
                if (other.prefixSize > 0 && other.namespaceUri == attribute.namespaceUri
                    && QStringView(other.qualifiedName).mid(other.prefixSize + 1) == local) {
                    fail(Condition::NotWellFormed, u"Duplicate attribute {%1}%2"_s.arg(attribute.namespaceUri, local));
                    return false;
                }
            }
        }
        start.attributes.append(std::move(attribute));
    }

    m_rootSeen = true;
    if (!empty)
        m_open.append(XmlNamePool::bytes(qualifiedName));
    if (!m_sink->startElement(start))
        return false;
    if (!empty)
        return true;
    popBindings(depth);
    return m_sink->endElement(depth);
}

bool XmlTokenizer::handleEndTag(QByteArrayView tag)
{
    // §3.1: '</' Name S? '>', and WFC: Element Type Match.
    qsizetype n = tag.size();
    while (n > 0 && isSpace(tag[n - 1]))
        --n;
    tag.truncate(n);
    if (m_open.isEmpty() || tag != m_open.constLast()) {
        fail(Condition::NotWellFormed, m_open.isEmpty() ? u"End tag without a start tag"_s
                                                        : u"End tag %1 does not match <%2>"_s.arg(
                                                            quoted(tag), QString::fromUtf8(m_open.constLast())));
        return false;
    }
    const int depth = int(m_open.size());
    m_open.removeLast();
    popBindings(depth);
    return m_sink->endElement(depth);
}

void XmlTokenizer::popBindings(int depth)
{
    while (!m_bindings.isEmpty() && m_bindings.constLast().depth == depth)
        m_bindings.removeLast();
    // Back between stanzas: a deep or namespace-rich stanza leaves no capacity behind.
    if (m_open.size() <= 1) {
        if (m_open.capacity() > 4)
            m_open.squeeze();
        if (m_bindings.capacity() > 4)
            m_bindings.squeeze();
    }
}
