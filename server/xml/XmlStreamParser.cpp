#include "xml/XmlStreamParser.h"

#include <QXmlStreamAttributes>
#include <QXmlStreamNamespaceDeclarations>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

constexpr auto StreamsNamespace = "http://etherx.jabber.org/streams"_L1;
constexpr qsizetype PrologKeep = 256;
constexpr qsizetype InternMax = 64;

bool isXmlSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r';
}

bool isUtf8Name(QStringView encoding)
{
    return encoding.compare("UTF-8"_L1, Qt::CaseInsensitive) == 0
        || encoding.compare("UTF8"_L1, Qt::CaseInsensitive) == 0;
}

// The encoding pseudo-attribute of an XML declaration at the start of prolog; empty if none.
// Used when QXmlStreamReader refuses an encoding it does not know before it reports any token.
QByteArray declaredEncoding(QByteArray prolog)
{
    if (prolog.startsWith("\xef\xbb\xbf"))
        prolog.remove(0, 3);
    if (!prolog.startsWith("<?xml"))
        return QByteArray();
    const qsizetype end = prolog.indexOf("?>");
    const QByteArray decl = end < 0 ? prolog : prolog.left(end);
    qsizetype i = decl.indexOf("encoding");
    if (i < 0)
        return QByteArray();
    i += 8;
    while (i < decl.size() && (decl[i] == ' ' || decl[i] == '=' || decl[i] == '\t' || decl[i] == '\r' || decl[i] == '\n'))
        ++i;
    if (i >= decl.size() || (decl[i] != '\'' && decl[i] != '"'))
        return QByteArray();
    const qsizetype close = decl.indexOf(decl[i], i + 1);
    return close < 0 ? decl.mid(i + 1) : decl.mid(i + 1, close - i - 1);
}

} // namespace

XmlStreamParser::XmlStreamParser(Handler *handler)
    : m_handler(handler)
{
    resetNow();
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

void XmlStreamParser::requestReset()
{
    if (m_feeding)
        m_resetRequested = true;
    else
        resetNow();
}

void XmlStreamParser::resetNow()
{
    m_reader = std::make_unique<QXmlStreamReader>();
    m_reader->setNamespaceProcessing(true);
    m_stack.clear();
    m_inStream = false;
    m_resetRequested = false;
    m_failed = false;
    m_stopped = false;
    m_closed = false;
    m_scanner = Scanner();
    m_prolog.clear();
}

void XmlStreamParser::fail(StreamError::Condition condition, const QString &text)
{
    if (m_failed)
        return;
    m_failed = true;
    m_stack.clear();
    m_handler->streamFailed(condition, text);
}

void XmlStreamParser::feed(const QByteArray &input)
{
    if (m_failed || m_stopped || m_closed || m_feeding || input.isEmpty())
        return;

    QByteArray data = input;
    if (m_prolog.size() < PrologKeep) {
        const qsizetype had = m_prolog.size();
        m_prolog += input.left(PrologKeep - had);
        // RFC 6120 §11.6: UTF-8 only. QXmlStreamReader would detect and accept UTF-16 or UTF-32
        // from the first bytes, so look at them (a BOM or a zero byte) before it does.
        if (had < 2) {
            if (m_prolog.size() < 2)
                return;   // held in m_prolog until the second byte comes
            const uchar b0 = uchar(m_prolog[0]);
            const uchar b1 = uchar(m_prolog[1]);
            if ((b0 == 0xfe && b1 == 0xff) || (b0 == 0xff && b1 == 0xfe) || b0 == 0 || b1 == 0) {
                fail(StreamError::Condition::UnsupportedEncoding, u"The stream must be UTF-8"_s);
                return;
            }
            if (had == 1)
                data.prepend(m_prolog[0]);
        }
    }

    // Everything before the offending byte is parsed as usual, so the events delivered before
    // the error do not depend on how the input was split.
    const Violation violation = scan(data);
    if (violation.index >= 0)
        data.truncate(violation.index);

    if (!data.isEmpty()) {
        m_feeding = true;
        m_reader->addData(data);
        processTokens();
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
    using Condition = StreamError::Condition;
    Scanner &s = m_scanner;
    const qint64 maxBytes = m_limits.maxStanzaBytes;
    const char *const bytes = data.constData();
    const qsizetype n = data.size();
    // The cut never splits a UTF-8 sequence: Qt 6.4 takes a sequence cut short at the end of
    // its input for bad encoding, and that error would hide the one being reported.
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
            // Not XML 1.0 characters (§2.2). Qt 6.4 may take a NUL for the end of its buffer
            // and wait forever, so refuse them here.
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

void XmlStreamParser::processTokens()
{
    while (!m_failed && !m_stopped && !m_resetRequested && !m_closed) {
        switch (m_reader->readNext()) {
        case QXmlStreamReader::Invalid:
            if (m_reader->error() != QXmlStreamReader::PrematureEndOfDocumentError)
                handleReaderError();
            return;   // otherwise: wait for more bytes
        case QXmlStreamReader::StartDocument: {
            const QStringView encoding = m_reader->documentEncoding();
            if (!encoding.isEmpty() && !isUtf8Name(encoding))
                fail(StreamError::Condition::UnsupportedEncoding, u"The stream must be UTF-8"_s);
            break;
        }
        case QXmlStreamReader::StartElement:
            startElement();
            break;
        case QXmlStreamReader::EndElement:
            endElement();
            break;
        case QXmlStreamReader::Characters:
            if (!m_stack.isEmpty()) {
                const QStringView text = m_reader->text();
                if (!text.isEmpty())
                    m_stack.last().appendText(text.toString());
            } else {
                const QStringView text = m_reader->text();
                // Character data between stanzas is well-formed XML but not XMPP: RFC 6120
                // §4.9.3.1 bad-format ("XML that cannot be processed"), not not-well-formed.
                // Whitespace is allowed (keepalives, RFC 6120 §4.6.1).
                if (!std::all_of(text.begin(), text.end(), isXmlSpace))
                    fail(StreamError::Condition::BadFormat, u"Character data at stream level"_s);
            }
            break;
        case QXmlStreamReader::Comment:
        case QXmlStreamReader::DTD:
        case QXmlStreamReader::ProcessingInstruction:
        case QXmlStreamReader::EntityReference:
            // RFC 6120 §11.1. The DTD token comes before anything it declares is expanded.
            fail(StreamError::Condition::RestrictedXml,
                 u"Restricted XML: %1"_s.arg(m_reader->tokenString()));
            break;
        case QXmlStreamReader::EndDocument:
        case QXmlStreamReader::NoToken:
            break;
        }
    }
}

void XmlStreamParser::startElement()
{
    const QXmlStreamReader &r = *m_reader;
    const QXmlStreamAttributes attributes = r.attributes();
    const QXmlStreamNamespaceDeclarations declarations = r.namespaceDeclarations();
    // The scanner enforces these limits first; this is a second line.
    if (attributes.size() + declarations.size() > m_limits.maxAttributes
        || m_stack.size() + 1 > m_limits.maxDepth) {
        fail(StreamError::Condition::PolicyViolation, u"Stanza exceeds a depth or attribute limit"_s);
        return;
    }

    if (!m_inStream) {
        if (r.name() != "stream"_L1 || r.namespaceUri() != StreamsNamespace) {
            fail(StreamError::Condition::InvalidNamespace,
                 u"The root element must be <stream> in %1"_s.arg(StreamsNamespace));
            return;
        }
        QString defaultNamespace;
        for (const QXmlStreamNamespaceDeclaration &declaration : declarations) {
            if (declaration.prefix().isEmpty())
                defaultNamespace = declaration.namespaceUri().toString();
        }
        XmlElement header(u"stream"_s, defaultNamespace);
        for (const QXmlStreamAttribute &attribute : attributes) {
            const QStringView value = attribute.value();
            header.setAttribute(attribute.qualifiedName().toString(), value.isEmpty() ? u""_s : value.toString());
        }
        m_inStream = true;
        m_handler->streamOpened(header, r.namespaceUri().toString());
        return;
    }

    XmlElement element(intern(r.name()), intern(r.namespaceUri()));
    for (const QXmlStreamAttribute &attribute : attributes) {
        // A prefix other than xml: needs its declaration to travel with the element, or the
        // serialised copy would use an unbound prefix.
        const QStringView prefix = attribute.prefix();
        if (!prefix.isEmpty() && prefix != "xml"_L1) {
            const QString declaration = "xmlns:"_L1 + prefix.toString();
            if (!element.hasAttribute(declaration))
                element.setAttribute(declaration, attribute.namespaceUri().toString());
        }
        const QStringView value = attribute.value();
        element.setAttribute(intern(attribute.qualifiedName()), value.isEmpty() ? u""_s : value.toString());
    }
    m_stack.append(std::move(element));
}

void XmlStreamParser::endElement()
{
    if (m_stack.isEmpty()) {
        m_inStream = false;
        m_closed = true;   // anything after </stream:stream> is ignored until a reset
        m_handler->streamClosed();
        return;
    }
    XmlElement element = m_stack.takeLast();
    if (m_stack.isEmpty())
        m_handler->elementReceived(element);
    else
        m_stack.last().appendChild(std::move(element));
}

void XmlStreamParser::handleReaderError()
{
    const QString message = m_reader->errorString();
    if (!m_inStream) {
        const QByteArray encoding = declaredEncoding(m_prolog);
        if (!encoding.isEmpty() && !isUtf8Name(QString::fromLatin1(encoding))) {
            fail(StreamError::Condition::UnsupportedEncoding, u"The stream must be UTF-8"_s);
            return;
        }
    }
    // QXmlStreamReader reports an unbound prefix as not well-formed; its (untranslated) message
    // is the only way to tell. A translated message falls back to not-well-formed.
    if (message.startsWith("Namespace prefix"_L1))
        fail(StreamError::Condition::BadNamespacePrefix, message);
    else
        fail(StreamError::Condition::NotWellFormed, message);
}

QString XmlStreamParser::intern(QStringView text)
{
    for (const QString &known : std::as_const(m_interned)) {
        if (known == text)
            return known;
    }
    QString copy = text.isEmpty() ? QString() : text.toString();
    if (m_interned.size() < InternMax && text.size() <= 64)
        m_interned.append(copy);
    return copy;
}
