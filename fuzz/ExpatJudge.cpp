#include "ExpatJudge.h"

#include <expat.h>

#include <QStringDecoder>

#include <cstring>

using namespace Qt::StringLiterals;

namespace {

constexpr char Separator = '\x01';   // a C0 control cannot occur in a name or URI
constexpr auto XmlNamespace = "http://www.w3.org/XML/1998/namespace"_L1;

// Keeps a leading U+FEFF (QString::fromUtf8 drops it as a byte order mark): expat hands text
// over in pieces, and a piece may well start with that character.
QString decode(const char *utf8, qsizetype size)
{
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    return decoder.decode(QByteArrayView(utf8, size));
}

struct Builder
{
    QList<XmlElement> stack;     // stack[0] is the stream root
    QList<XmlElement> *out = nullptr;
};

// "uri\x01local" or "local" as expat reports names in namespace mode.
void split(const XML_Char *raw, QString *uri, QString *local)
{
    const QString name = decode(raw, qsizetype(std::strlen(raw)));
    const qsizetype at = name.indexOf(QChar(u'\x01'));
    if (at < 0) {
        *uri = QString();
        *local = name;
    } else {
        *uri = name.left(at);
        *local = name.mid(at + 1);
    }
}

QString attributeKey(const QString &uri, const QString &local)
{
    return uri.isEmpty() ? local : u'{' + uri + u'}' + local;
}

void XMLCALL onStart(void *user, const XML_Char *name, const XML_Char **attributes)
{
    auto *b = static_cast<Builder *>(user);
    QString uri, local;
    split(name, &uri, &local);
    XmlElement element(local, uri);
    if (uri.isEmpty())
        element.setInNoNamespace();
    for (const XML_Char **a = attributes; *a; a += 2) {
        QString attrUri, attrLocal;
        split(a[0], &attrUri, &attrLocal);
        element.setAttribute(attributeKey(attrUri, attrLocal), decode(a[1], qsizetype(std::strlen(a[1]))));
    }
    b->stack.append(element);
}

void XMLCALL onEnd(void *user, const XML_Char *)
{
    auto *b = static_cast<Builder *>(user);
    XmlElement element = b->stack.takeLast();
    if (b->stack.size() == 1)
        b->out->append(element);
    else if (!b->stack.isEmpty())
        b->stack.last().appendChild(element);
}

void XMLCALL onText(void *user, const XML_Char *text, int length)
{
    auto *b = static_cast<Builder *>(user);
    if (b->stack.size() > 1)
        b->stack.last().appendText(decode(text, length));
}

struct Scope
{
    const Scope *parent;
    const XmlElement *element;
    // The URI bound to prefix by an xmlns:prefix attribute here or above; null if none.
    QString lookup(QStringView prefix) const
    {
        const QString declaration = u"xmlns:"_s + prefix.toString();
        for (const Scope *s = this; s; s = s->parent) {
            if (s->element->hasAttribute(declaration))
                return s->element->attribute(declaration);
        }
        return QString();
    }
};

XmlElement canonicalIn(const XmlElement &e, const QString &defaultNs, const Scope *parent, QString *error)
{
    const QString ns = e.xmlns().isEmpty() && !e.isInNoNamespace() ? defaultNs : e.xmlns();
    XmlElement out(e.name(), ns);
    if (ns.isEmpty())
        out.setInNoNamespace();
    const Scope scope{parent, &e};
    for (const XmlElement::Attribute &a : e.attributes()) {
        if (a.name.startsWith("xmlns:"_L1))
            continue;
        const qsizetype colon = a.name.indexOf(u':');
        if (colon < 0) {
            out.setAttribute(a.name, a.value);
            continue;
        }
        const QStringView prefix = QStringView(a.name).left(colon);
        const QString uri = prefix == "xml"_L1 ? QString(XmlNamespace) : scope.lookup(prefix);
        if (uri.isEmpty() && error)
            *error = u"attribute %1 has an unbound prefix"_s.arg(a.name);
        out.setAttribute(attributeKey(uri, a.name.mid(colon + 1)), a.value);
    }
    // The children's default namespace: an xml:-prefixed element does not change it.
    const QString childDefault = ns == XmlNamespace ? defaultNs : ns;
    for (const XmlElement &child : e.children()) {
        if (child.isText())
            out.appendText(child.textContent());
        else
            out.appendChild(canonicalIn(child, childDefault, &scope, error));
    }
    return out;
}

} // namespace

namespace ExpatJudge {

bool parse(const QByteArray &content, const QString &defaultNamespace, QList<XmlElement> *elements,
           QString *error)
{
    XML_Parser parser = XML_ParserCreateNS("UTF-8", Separator);
    Builder builder;
    builder.out = elements;
    XML_SetUserData(parser, &builder);
    XML_SetElementHandler(parser, onStart, onEnd);
    XML_SetCharacterDataHandler(parser, onText);
    QByteArray document = "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'";
    if (!defaultNamespace.isEmpty())
        document += " xmlns='" + xmlEscape(defaultNamespace) + "'";
    document += '>' + content + "</stream:stream>";
    const bool ok = XML_Parse(parser, document.constData(), int(document.size()), 1) == XML_STATUS_OK;
    if (!ok && error) {
        *error = u"expat: %1 at line %2 column %3"_s.arg(QString::fromUtf8(XML_ErrorString(XML_GetErrorCode(parser))))
                     .arg(XML_GetCurrentLineNumber(parser))
                     .arg(XML_GetCurrentColumnNumber(parser));
    }
    XML_ParserFree(parser);
    return ok;
}

XmlElement canonical(const XmlElement &element, const QString &defaultNamespace, QString *error)
{
    return canonicalIn(element, defaultNamespace, nullptr, error);
}

bool check(const XmlElement &element, const QString &defaultNamespace, QString *why)
{
    const QByteArray xml = element.toXml(defaultNamespace);
    QList<XmlElement> parsed;
    QString error;
    if (!parse(xml, defaultNamespace, &parsed, &error)) {
        *why = error + u"\n"_s + QString::fromUtf8(xml);
        return false;
    }
    QString treeError;
    const XmlElement expected = canonical(element, defaultNamespace, &treeError);
    if (!treeError.isEmpty() || parsed.size() != 1 || parsed.first() != expected) {
        *why = u"expat reads something else%1\nwritten:  %2\nours:     %3\nexpat:    %4"_s
                   .arg(treeError.isEmpty() ? QString() : u" ("_s + treeError + u')',
                        QString::fromUtf8(xml), expected.toString(),
                        parsed.isEmpty() ? u"(nothing)"_s : parsed.first().toString());
        return false;
    }
    return true;
}

} // namespace ExpatJudge
