#include "xml/XmlStreamParser.h"

using namespace Qt::StringLiterals;

namespace {

constexpr auto StreamsNamespace = "http://etherx.jabber.org/streams"_L1;

} // namespace

XmlStreamParser::XmlStreamParser(Handler *handler)
    : m_handler(handler)
    , m_tokenizer(this)
{
}

XmlStreamParser::~XmlStreamParser() = default;

void XmlStreamParser::setLimits(const Limits &limits)
{
    m_limits = limits;
}

bool XmlStreamParser::hasFailed() const
{
    return m_failed;
}

void XmlStreamParser::stop()
{
    m_stopped = true;
}

bool XmlStreamParser::isStopped() const
{
    return m_stopped;
}

bool XmlStreamParser::isBetweenElements() const
{
    return m_scanner.state == Scanner::Content && m_scanner.depth <= 1;
}

void XmlStreamParser::requestReset()
{
    if (m_feeding)
        m_resetRequested = true;
    else
        resetNow();
}

void XmlStreamParser::resetNow()
{
    m_tokenizer.reset();
    m_stack = QList<XmlElement>();
    m_inStream = false;
    m_resetRequested = false;
    m_failed = false;
    m_stopped = false;
    m_closed = false;
    m_sniffed = 0;
    m_scanner = Scanner();
}

void XmlStreamParser::fail(XmlError condition, const QString &text)
{
    if (m_failed)
        return;
    m_failed = true;
    m_stack = QList<XmlElement>();
    m_handler->streamFailed(condition, text);
}

bool XmlStreamParser::proceeding() const
{
    return !m_failed && !m_stopped && !m_resetRequested && !m_closed;
}

void XmlStreamParser::feed(const QByteArray &input)
{
    if (m_failed || m_stopped || m_closed || m_feeding || input.isEmpty())
        return;

    QByteArray data = input;
    if (m_sniffed < 2) {
        // RFC 6120 §11.6: UTF-8 only. UTF-16 and UTF-32 show in the first two bytes (a BOM or a
        // zero byte); refusing them there answers unsupported-encoding, not not-well-formed.
        if (m_sniffed == 0 && data.size() < 2) {
            m_firstByte = data[0];
            m_sniffed = 1;
            return;   // held until the second byte comes
        }
        if (m_sniffed == 1)
            data.prepend(m_firstByte);
        m_sniffed = 2;
        const uchar b0 = uchar(data[0]);
        const uchar b1 = uchar(data[1]);
        if ((b0 == 0xfe && b1 == 0xff) || (b0 == 0xff && b1 == 0xfe) || b0 == 0 || b1 == 0) {
            fail(XmlError::UnsupportedEncoding, u"The stream must be UTF-8"_s);
            return;
        }
    }

    // Everything before the offending byte is parsed as usual, so the events delivered before
    // the error do not depend on how the input was split.
    const Violation violation = scan(data);
    const qsizetype usable = violation.index >= 0 ? violation.index : data.size();

    if (usable > 0) {
        m_feeding = true;
        m_tokenizer.feed(data.constData(), usable);
        m_feeding = false;
    }
    if (m_resetRequested) {
        resetNow();   // the rest of this feed belonged to the old stream
        return;
    }
    if (violation.index >= 0 && !m_failed && !m_stopped && !m_closed)
        fail(violation.condition, violation.text);
}

XmlStreamParser::Violation XmlStreamParser::scan(const QByteArray &data)
{
    using Condition = XmlError;
    Scanner &s = m_scanner;
    const qint64 maxBytes = m_limits.maxStanzaBytes;
    const char *const bytes = data.constData();
    const qsizetype n = data.size();
    // The cut never splits a UTF-8 sequence, so the tokenizer never holds half a character.
    qsizetype lead = 0;
    auto cut = [&](qsizetype i) { return s.utf8Need > 0 ? lead : i; };
    for (qsizetype i = 0; i < n; ++i, ++s.pos) {
        // Fast path: a run of printable ASCII changes no state until the byte that ends it, in
        // content '<', in a quoted value its quote, in a tag '>', '=' or a quote. Comments, CDATA,
        // PIs and stream-level whitespace take the byte-by-byte path (this is on every byte).
        char stop = 0;
        bool inTag = false;
        if (s.utf8Need == 0) {
            if (s.state == Scanner::Content && s.depth != 1) {
                stop = '<';
            } else if (s.state == Scanner::Quote) {
                stop = s.quote;
            } else if (s.state == Scanner::StartTag || s.state == Scanner::EndTag) {
                stop = '>';
                inTag = true;
            }
        }
        if (stop) {
            const qsizetype end = qMin(n, i + qMax<qint64>(0, s.boundary + maxBytes - s.pos));
            qsizetype j = i;
            while (j < end) {
                const char c = bytes[j];
                if (uchar(c) < 0x20 || uchar(c) >= 0x80 || c == stop
                    || (inTag && (c == '=' || c == '\'' || c == '"')))
                    break;
                ++j;
            }
            if (j > i) {
                s.prev = bytes[j - 1];
                s.pos += j - i;
                i = j;
                if (i == n)
                    break;
            }
        }
        // The bytes since the last top-level item, this one included.
        if (s.pos + 1 - s.boundary > maxBytes)
            return {cut(i), Condition::PolicyViolation, u"Stanza larger than %1 bytes"_s.arg(maxBytes)};
        const char b = bytes[i];
        const uchar u = uchar(b);
        if (s.utf8Need > 0) {
            if (u < s.utf8Low || u > s.utf8High)
                return {cut(i), Condition::NotWellFormed, u"Invalid UTF-8"_s};
            --s.utf8Need;
            s.utf8Low = 0x80;
            s.utf8High = 0xbf;
            continue;   // never markup
        }
        if (u < 0x20 && u != '\t' && u != '\n' && u != '\r') {
            // Not XML 1.0 characters (§2.2).
            return {i, Condition::NotWellFormed, u"Control character in XML"_s};
        }
        if (u >= 0x80) {
            // Lead bytes and the bounds of their first continuation byte: no overlong forms,
            // no surrogates, nothing above U+10FFFF.
            lead = i;
            if (u >= 0xc2 && u <= 0xdf) {
                s.utf8Need = 1;
            } else if (u >= 0xe0 && u <= 0xef) {
                s.utf8Need = 2;
                if (u == 0xe0)
                    s.utf8Low = 0xa0;
                else if (u == 0xed)
                    s.utf8High = 0x9f;
            } else if (u >= 0xf0 && u <= 0xf4) {
                s.utf8Need = 3;
                if (u == 0xf0)
                    s.utf8Low = 0x90;
                else if (u == 0xf4)
                    s.utf8High = 0x8f;
            } else {
                return {i, Condition::NotWellFormed, u"Invalid UTF-8"_s};
            }
        }
        switch (s.state) {
        case Scanner::Content:
            if (b == '<')
                s.state = Scanner::TagOpen;
            else if (s.depth == 1 && (b == ' ' || b == '\t' || b == '\n' || b == '\r'))
                s.boundary = s.pos + 1;   // whitespace keepalives must not add up to a "stanza"
            break;
        case Scanner::TagOpen:
            if (b == '/') {
                s.state = Scanner::EndTag;
            } else if (b == '!') {
                s.state = Scanner::Bang;
            } else if (b == '?') {
                s.state = Scanner::Pi;
                s.run = 0;
            } else {
                s.state = Scanner::StartTag;
                s.equals = 0;
            }
            break;
        case Scanner::StartTag:
            if (b == '\'' || b == '"') {
                s.state = Scanner::Quote;
                s.afterQuote = Scanner::StartTag;
                s.quote = b;
            } else if (b == '=') {
                if (++s.equals > m_limits.maxAttributes)
                    return {i, Condition::PolicyViolation, u"More than %1 attributes"_s.arg(m_limits.maxAttributes)};
            } else if (b == '>') {
                s.state = Scanner::Content;
                // This element's depth counted from the stanza (1); the stream root is 0.
                if (s.depth > m_limits.maxDepth)
                    return {i, Condition::PolicyViolation, u"Nested deeper than %1"_s.arg(m_limits.maxDepth)};
                if (s.prev != '/')
                    ++s.depth;
                if (s.depth == 1)
                    s.boundary = s.pos + 1;
            }
            break;
        case Scanner::EndTag:
            if (b == '>') {
                s.state = Scanner::Content;
                if (s.depth > 0)
                    --s.depth;
                if (s.depth <= 1)
                    s.boundary = s.pos + 1;
            }
            break;
        case Scanner::Bang:
            s.run = 0;
            if (b == '-') {
                s.state = Scanner::BangDash;
            } else if (b == '[') {
                s.state = Scanner::CData;
            } else {
                s.state = Scanner::Decl;
                s.brackets = 0;
            }
            break;
        case Scanner::BangDash:
            s.state = b == '-' ? Scanner::Comment : Scanner::Decl;
            s.brackets = 0;
            break;
        case Scanner::Comment:
        case Scanner::CData: {
            const char closing = s.state == Scanner::Comment ? '-' : ']';
            if (b == closing)
                ++s.run;
            else if (b == '>' && s.run >= 2)
                s.state = Scanner::Content;
            else
                s.run = 0;
            break;
        }
        case Scanner::Pi:
            if (b == '>' && s.run > 0)
                s.state = Scanner::Content;
            s.run = b == '?' ? 1 : 0;
            break;
        case Scanner::Decl:
            if (b == '\'' || b == '"') {
                s.state = Scanner::Quote;
                s.afterQuote = Scanner::Decl;
                s.quote = b;
            } else if (b == '[') {
                ++s.brackets;
            } else if (b == ']') {
                --s.brackets;
            } else if (b == '>' && s.brackets <= 0) {
                s.state = Scanner::Content;
            }
            break;
        case Scanner::Quote:
            if (b == s.quote)
                s.state = s.afterQuote;
            break;
        }
        s.prev = b;
    }
    return {};
}

bool XmlStreamParser::startElement(const XmlTokenizer::StartTag &tag)
{
    // The scanner enforces these limits first; this is a second line.
    if (tag.attributes.size() + tag.declarations > m_limits.maxAttributes
        || m_stack.size() + 1 > m_limits.maxDepth) {
        fail(XmlError::PolicyViolation, u"Stanza exceeds a depth or attribute limit"_s);
        return false;
    }

    if (!m_inStream) {
        if (tag.name != "stream"_L1 || tag.namespaceUri != StreamsNamespace) {
            fail(XmlError::InvalidNamespace,
                 u"The root element must be <stream> in %1"_s.arg(StreamsNamespace));
            return false;
        }
        XmlElement header(u"stream"_s, tag.defaultNamespace);
        for (const XmlTokenizer::Attribute &attribute : tag.attributes)
            header.setAttribute(attribute.qualifiedName, attribute.value);
        m_inStream = true;
        m_handler->streamOpened(header, tag.namespaceUri);
        return proceeding();
    }

    XmlElement element(tag.name, tag.namespaceUri);
    // Unqualified under a namespaced parent (xmlns=''): kept apart from "the parent's".
    if (tag.namespaceUri.isEmpty())
        element.setInNoNamespace();
    for (const XmlTokenizer::Attribute &attribute : tag.attributes) {
        // A prefix other than xml: needs its declaration to travel with the element, or the
        // serialised copy would use an unbound prefix.
        const QStringView prefix = attribute.prefix();
        if (!prefix.isEmpty() && prefix != "xml"_L1) {
            const QString declaration = "xmlns:"_L1 + prefix.toString();
            if (!element.hasAttribute(declaration))
                element.setAttribute(declaration, attribute.namespaceUri);
        }
        element.setAttribute(attribute.qualifiedName, attribute.value);
    }
    m_stack.append(std::move(element));
    return true;
}

bool XmlStreamParser::endElement(int)
{
    if (m_stack.isEmpty()) {
        m_inStream = false;
        m_closed = true;   // anything after </stream:stream> is ignored until a reset
        m_handler->streamClosed();
        return false;
    }
    XmlElement element = m_stack.takeLast();
    if (m_stack.isEmpty()) {
        m_handler->elementReceived(element);
        return proceeding();
    }
    m_stack.last().appendChild(std::move(element));
    return true;
}

bool XmlStreamParser::characters(const QString &text)
{
    if (!m_stack.isEmpty())
        m_stack.last().appendText(text);
    return true;
}

void XmlStreamParser::failed(XmlError condition, const QString &text)
{
    fail(condition, text);
}
