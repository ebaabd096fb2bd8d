#include "net/WebSocketFraming.h"

#include "xml/XmlElement.h"

#include <QXmlStreamReader>

#include <optional>

using namespace Qt::StringLiterals;

namespace {
const QByteArray StreamNs = QByteArrayLiteral("http://etherx.jabber.org/streams");
const QByteArray StreamHeaderStart = QByteArrayLiteral("<stream:stream");
const QByteArray StreamEnd = QByteArrayLiteral("</stream:stream>");

// The attributes of a stream header and of <open/> that mean the same (RFC 7395 §3.3.1).
const QStringList HeaderAttributes = {u"from"_s, u"to"_s, u"id"_s, u"version"_s, u"xml:lang"_s};

QByteArray attributesOf(const QXmlStreamAttributes &attributes)
{
    QByteArray out;
    for (const QString &name : HeaderAttributes) {
        for (const QXmlStreamAttribute &attribute : attributes) {
            if (attribute.qualifiedName() == name) {
                out += ' ' + name.toUtf8() + "='" + xmlEscape(attribute.value().toString()) + '\'';
                break;
            }
        }
    }
    return out;
}

// The name and attribute names of an element's start tag, as written by our serializer.
struct StartTag
{
    QByteArrayView name;
    qsizetype nameEnd = 0;
    QList<QByteArrayView> attributes;
};

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

StartTag scanStartTag(QByteArrayView tag)
{
    StartTag out;
    qsizetype i = 1;
    while (i < tag.size() && !isSpace(tag[i]) && tag[i] != '/' && tag[i] != '>')
        ++i;
    out.name = tag.sliced(1, i - 1);
    out.nameEnd = i;
    while (i < tag.size()) {
        while (i < tag.size() && isSpace(tag[i]))
            ++i;
        if (i >= tag.size() || tag[i] == '/' || tag[i] == '>')
            break;
        const qsizetype nameStart = i;
        while (i < tag.size() && tag[i] != '=' && !isSpace(tag[i]))
            ++i;
        out.attributes.append(tag.sliced(nameStart, i - nameStart));
        while (i < tag.size() && tag[i] != '\'' && tag[i] != '"')
            ++i;
        if (i >= tag.size())
            break;
        const char quote = tag[i];
        const qsizetype close = tag.indexOf(quote, i + 1);
        if (close < 0)
            break;
        i = close + 1;
    }
    return out;
}

// The message is exactly one empty element <name/> of the framing namespace: its attributes.
std::optional<QXmlStreamAttributes> framingElement(const QByteArray &message, QStringView name)
{
    QXmlStreamReader reader(message);
    while (!reader.atEnd() && reader.readNext() != QXmlStreamReader::StartElement) {
        if (reader.tokenType() != QXmlStreamReader::StartDocument)
            return std::nullopt;
    }
    if (reader.tokenType() != QXmlStreamReader::StartElement || reader.name() != name
        || reader.namespaceUri() != QLatin1StringView(WebSocketFraming::Namespace))
        return std::nullopt;
    QXmlStreamAttributes attributes = reader.attributes();
    if (reader.readNext() != QXmlStreamReader::EndElement)
        return std::nullopt;
    reader.readNext();
    if (reader.tokenType() != QXmlStreamReader::EndDocument || reader.hasError())
        return std::nullopt;
    return attributes;
}
} // namespace

namespace WebSocketFraming {

QByteArray toStream(const QByteArray &message)
{
    const QByteArray trimmed = message.trimmed();
    if (trimmed.isEmpty())
        return {};
    // Only a complete, namespaced <open/> or <close/> is the framing's; anything else (a
    // malformed or misnamespaced one included) goes to the stream parser, which refuses it.
    if (trimmed.startsWith("<open")) {
        if (const auto attributes = framingElement(trimmed, u"open")) {
            return "<stream:stream xmlns='jabber:client' xmlns:stream='" + StreamNs + '\''
                + attributesOf(*attributes) + '>';
        }
    } else if (trimmed.startsWith("<close")) {
        if (framingElement(trimmed, u"close"))
            return StreamEnd;
    }
    return message;
}

QByteArray toMessage(const QByteArray &streamBytes)
{
    qsizetype start = 0;
    if (streamBytes.startsWith("<?xml")) {
        start = streamBytes.indexOf("?>");
        start = start < 0 ? streamBytes.size() : start + 2;
    }
    const QByteArrayView rest = QByteArrayView(streamBytes).sliced(start);
    if (rest.startsWith(StreamHeaderStart)) {
        // Our own header: its start tag is complete (the reader stops at the missing end).
        QXmlStreamReader reader(rest.toByteArray());
        while (!reader.atEnd() && reader.readNext() != QXmlStreamReader::StartElement) {}
        return "<open xmlns='" + QByteArray(Namespace) + '\'' + attributesOf(reader.attributes()) + "/>";
    }
    if (rest == StreamEnd)
        return "<close xmlns='" + QByteArray(Namespace) + "'/>";
    if (!rest.startsWith("<") || rest.startsWith("</") || rest.startsWith("<?") || rest.startsWith("<!"))
        return rest.toByteArray();
    // §3.3.3: no header declares namespaces for the message, so the element does: the stream
    // prefix on the stream's own elements (features, errors), and the stream's default
    // namespace (jabber:client) on stanzas, which our stream serialises without it.
    const StartTag tag = scanStartTag(rest);
    QByteArray declarations;
    if (rest.startsWith("<stream:")) {
        if (!tag.attributes.contains("xmlns:stream"))
            declarations = " xmlns:stream='" + StreamNs + '\'';
    } else if (!tag.attributes.contains("xmlns") && !tag.name.contains(':')) {
        declarations = " xmlns='jabber:client'";
    }
    if (declarations.isEmpty())
        return rest.toByteArray();
    return rest.first(tag.nameEnd).toByteArray() + declarations + rest.sliced(tag.nameEnd).toByteArray();
}

} // namespace WebSocketFraming
