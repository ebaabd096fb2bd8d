#include "xml/XmlElement.h"

using namespace Qt::StringLiterals;

class XmlElementData : public QSharedData
{
public:
    QString name;
    QString xmlns;
    QString text;   // text nodes only
    QList<XmlElement::Attribute> attributes;
    QList<XmlElement> children;
    bool isText = false;
    bool noNamespace = false;   // explicitly in no namespace (xmlns='')
};

namespace {

enum class Escape { None, Text, Attribute };

// Namespaces in XML 1.0 §3: bound to the prefix xml only (and never declared when written),
// and to nothing at all.
constexpr auto XmlNamespace = "http://www.w3.org/XML/1998/namespace"_L1;
constexpr auto XmlnsNamespace = "http://www.w3.org/2000/xmlns/"_L1;

// A namespace declaration attribute (xmlns:p='uri') that may be written: not for the reserved
// prefixes, not to their namespaces, not empty (undeclaring a prefix is Namespaces 1.1).
bool writableDeclaration(QStringView name, const QString &uri)
{
    const QStringView prefix = name.sliced(6);
    return !prefix.isEmpty() && prefix != "xml"_L1 && prefix != "xmlns"_L1 && !uri.isEmpty()
        && uri != XmlNamespace && uri != XmlnsNamespace;
}

const QList<XmlElement::Attribute> &emptyAttributes()
{
    static const QList<XmlElement::Attribute> empty;
    return empty;
}

const QList<XmlElement> &emptyChildren()
{
    static const QList<XmlElement> empty;
    return empty;
}

inline char *put(char *p, const char *s, int n)
{
    for (int i = 0; i < n; ++i)
        *p++ = s[i];
    return p;
}

// Escapes and encodes to UTF-8 in one pass, writing straight into out. Characters XML 1.0
// cannot carry (C0 controls but TAB/LF/CR) are dropped and lone surrogates become U+FFFD, so
// whatever a caller put in a tree, the output stays well-formed. CR (and TAB/LF in attribute
// values) are written as character references because a reader would normalise them away.
template<Escape mode>
void appendUtf8(QByteArray &out, QStringView s)
{
    const qsizetype n = s.size();
    if (n == 0)
        return;
    const qsizetype start = out.size();
    out.resize(start + n * 6);   // worst case: "&quot;" for one UTF-16 unit
    char *const base = out.data();
    char *p = base + start;
    const char16_t *in = s.utf16();
    const char16_t *const end = in + n;
    while (in < end) {
        const char16_t c = *in++;
        if (c < 0x80) {
            if constexpr (mode != Escape::None) {
                switch (c) {
                case u'&': p = put(p, "&amp;", 5); continue;
                case u'<': p = put(p, "&lt;", 4); continue;
                case u'>': p = put(p, "&gt;", 4); continue;
                case u'\r': p = put(p, "&#13;", 5); continue;
                case u'"':
                    if constexpr (mode == Escape::Attribute) { p = put(p, "&quot;", 6); continue; }
                    break;
                case u'\'':
                    if constexpr (mode == Escape::Attribute) { p = put(p, "&apos;", 6); continue; }
                    break;
                case u'\n':
                    if constexpr (mode == Escape::Attribute) { p = put(p, "&#10;", 5); continue; }
                    break;
                case u'\t':
                    if constexpr (mode == Escape::Attribute) { p = put(p, "&#9;", 4); continue; }
                    break;
                default:
                    break;
                }
            }
            if (c < 0x20 && c != u'\t' && c != u'\n' && c != u'\r')
                continue;
            *p++ = char(c);
        } else if (c < 0x800) {
            *p++ = char(0xc0 | (c >> 6));
            *p++ = char(0x80 | (c & 0x3f));
        } else if (QChar::isHighSurrogate(c) && in < end && QChar::isLowSurrogate(*in)) {
            const char32_t u = QChar::surrogateToUcs4(c, *in++);
            *p++ = char(0xf0 | (u >> 18));
            *p++ = char(0x80 | ((u >> 12) & 0x3f));
            *p++ = char(0x80 | ((u >> 6) & 0x3f));
            *p++ = char(0x80 | (u & 0x3f));
        } else {
            const char16_t v = QChar::isSurrogate(c) ? char16_t(0xfffd) : c;
            *p++ = char(0xe0 | (v >> 12));
            *p++ = char(0x80 | ((v >> 6) & 0x3f));
            *p++ = char(0x80 | (v & 0x3f));
        }
    }
    out.resize(p - base);
}

inline bool matches(const XmlElement &e, const QString &name, const QString &xmlns)
{
    return !e.isText() && !e.isNull() && (name.isEmpty() || e.name() == name)
        && (xmlns.isEmpty() || e.xmlns() == xmlns);
}

} // namespace

XmlElement::XmlElement() = default;

XmlElement::XmlElement(const QString &name, const QString &xmlns)
    : d(new XmlElementData)
{
    d->name = name;
    d->xmlns = xmlns;
}

XmlElement::XmlElement(const XmlElement &other) = default;
XmlElement::XmlElement(XmlElement &&other) noexcept = default;
XmlElement &XmlElement::operator=(const XmlElement &other) = default;
XmlElement &XmlElement::operator=(XmlElement &&other) noexcept = default;
XmlElement::~XmlElement() = default;

XmlElement XmlElement::textNode(const QString &text)
{
    XmlElement node;
    node.d = new XmlElementData;
    node.d->isText = true;
    node.d->text = text;
    return node;
}

bool XmlElement::isNull() const
{
    return !d || (!d->isText && d->name.isEmpty());
}

bool XmlElement::isText() const
{
    return d && d->isText;
}

QString XmlElement::name() const
{
    return d ? d->name : QString();
}

QString XmlElement::xmlns() const
{
    return d ? d->xmlns : QString();
}

void XmlElement::setXmlns(const QString &xmlns)
{
    if (!d)
        d = new XmlElementData;
    if (d->isText)
        return;
    d->xmlns = xmlns;
    if (!xmlns.isEmpty())
        d->noNamespace = false;
}

bool XmlElement::isInNoNamespace() const
{
    return d && d->noNamespace;
}

void XmlElement::setInNoNamespace()
{
    if (!d)
        d = new XmlElementData;
    if (d->isText)
        return;
    d->xmlns = QString();
    d->noNamespace = true;
}

bool XmlElement::hasAttribute(const QString &name) const
{
    if (!d)
        return false;
    for (const Attribute &a : std::as_const(d->attributes)) {
        if (a.name == name)
            return true;
    }
    return false;
}

QString XmlElement::attribute(const QString &name, const QString &defaultValue) const
{
    if (d) {
        for (const Attribute &a : std::as_const(d->attributes)) {
            if (a.name == name)
                return a.value;
        }
    }
    return defaultValue;
}

XmlElement &XmlElement::setAttribute(const QString &name, const QString &value)
{
    if (value.isNull()) {
        removeAttribute(name);
        return *this;
    }
    // The namespace is not an attribute here: keeping it in one place avoids a duplicate xmlns.
    if (name == "xmlns"_L1) {
        setXmlns(value);
        return *this;
    }
    if (!d)
        d = new XmlElementData;
    for (Attribute &a : d->attributes) {
        if (a.name == name) {
            a.value = value;
            return *this;
        }
    }
    d->attributes.append(Attribute{name, value});
    return *this;
}

void XmlElement::removeAttribute(const QString &name)
{
    if (!hasAttribute(name))
        return;   // no detach
    d->attributes.removeIf([&name](const Attribute &a) { return a.name == name; });
}

const QList<XmlElement::Attribute> &XmlElement::attributes() const
{
    return d ? d->attributes : emptyAttributes();
}

const QList<XmlElement> &XmlElement::children() const
{
    return d ? d->children : emptyChildren();
}

QList<XmlElement> XmlElement::childElements() const
{
    QList<XmlElement> result;
    if (!d)
        return result;
    for (const XmlElement &child : std::as_const(d->children)) {
        if (!child.isText())
            result.append(child);
    }
    return result;
}

XmlElement XmlElement::firstChildElement(const QString &name, const QString &xmlns) const
{
    if (d) {
        for (const XmlElement &child : std::as_const(d->children)) {
            if (matches(child, name, xmlns))
                return child;
        }
    }
    return XmlElement();
}

bool XmlElement::hasChildElement(const QString &name, const QString &xmlns) const
{
    if (d) {
        for (const XmlElement &child : std::as_const(d->children)) {
            if (matches(child, name, xmlns))
                return true;
        }
    }
    return false;
}

QString XmlElement::childText(const QString &name, const QString &xmlns) const
{
    const XmlElement child = firstChildElement(name, xmlns);
    return child.isNull() ? QString() : child.text();
}

XmlElement &XmlElement::appendChild(const XmlElement &child)
{
    if (child.isNull())
        return *this;
    if (!d)
        d = new XmlElementData;
    d->children.append(child);
    return *this;
}

XmlElement &XmlElement::appendChild(XmlElement &&child)
{
    if (child.isNull())
        return *this;
    if (!d)
        d = new XmlElementData;
    d->children.append(std::move(child));
    return *this;
}

XmlElement &XmlElement::appendText(const QString &text)
{
    if (text.isEmpty())
        return *this;
    if (!d)
        d = new XmlElementData;
    if (d->isText) {
        d->text += text;
        return *this;
    }
    // Adjacent text is merged so a tree does not depend on how the text arrived.
    if (!d->children.isEmpty() && d->children.last().isText())
        d->children.last().d->text += text;
    else
        d->children.append(textNode(text));
    return *this;
}

XmlElement &XmlElement::appendTextElement(const QString &name, const QString &text, const QString &xmlns)
{
    XmlElement child(name, xmlns);
    child.appendText(text);
    return appendChild(std::move(child));
}

void XmlElement::removeChildElements(const QString &name, const QString &xmlns)
{
    if (!hasChildElement(name, xmlns))
        return;   // no detach
    d->children.removeIf([&](const XmlElement &child) { return matches(child, name, xmlns); });
}

void XmlElement::clearChildren()
{
    if (d && !d->children.isEmpty())
        d->children.clear();
}

QString XmlElement::text() const
{
    if (!d)
        return QString();
    if (d->isText)
        return d->text;
    QString result;   // appending to a null string shares the first text's data
    for (const XmlElement &child : std::as_const(d->children)) {
        if (child.isText())
            result += child.d->text;
    }
    // An element without text has empty text, so childText() can tell it from a missing child.
    return result.isNull() ? u""_s : result;
}

QString XmlElement::textContent() const
{
    return text();
}

void XmlElement::serialize(QByteArray &out, const QString &inheritedXmlns) const
{
    if (!d)
        return;
    if (d->isText) {
        appendUtf8<Escape::Text>(out, d->text);
        return;
    }
    if (d->name.isEmpty())
        return;
    // An empty namespace means "the default in scope", unless it is explicitly none.
    const QString &ns = d->xmlns.isEmpty() && !d->noNamespace ? inheritedXmlns : d->xmlns;
    // The XML namespace is only ever the prefix xml, predeclared; the default namespace in
    // scope for the children stays what it was. The xmlns namespace cannot be written at all.
    // (Lengths first: this runs for every element of every stanza.)
    const bool xmlPrefixed = ns.size() == XmlNamespace.size() && ns == XmlNamespace;
    if (ns.size() == XmlnsNamespace.size() && ns == XmlnsNamespace)
        return;
    out.append('<');
    if (xmlPrefixed)
        out.append("xml:", 4);
    appendUtf8<Escape::None>(out, d->name);
    if (!xmlPrefixed && ns != inheritedXmlns) {
        out.append(" xmlns=\"", 8);
        appendUtf8<Escape::Attribute>(out, ns);   // empty: xmlns="" undeclares (§6.2)
        out.append('"');
    }
    for (const Attribute &a : std::as_const(d->attributes)) {
        if (a.name.size() > 6 && a.name.front() == u'x' && a.name.startsWith("xmlns:"_L1)
            && !writableDeclaration(a.name, a.value))
            continue;   // only a tree built in code can hold one
        out.append(' ');
        appendUtf8<Escape::None>(out, a.name);
        out.append("=\"", 2);
        appendUtf8<Escape::Attribute>(out, a.value);
        out.append('"');
    }
    if (d->children.isEmpty()) {
        out.append("/>", 2);
        return;
    }
    out.append('>');
    const QString &childDefault = xmlPrefixed ? inheritedXmlns : ns;
    for (const XmlElement &child : std::as_const(d->children))
        child.serialize(out, childDefault);
    out.append("</", 2);
    if (xmlPrefixed)
        out.append("xml:", 4);
    appendUtf8<Escape::None>(out, d->name);
    out.append('>');
}

QByteArray XmlElement::toXml(const QString &inheritedXmlns) const
{
    QByteArray out;
    out.reserve(512);   // a typical stanza fits; bigger ones grow geometrically
    serialize(out, inheritedXmlns);
    return out;
}

QString XmlElement::toString(const QString &inheritedXmlns) const
{
    return QString::fromUtf8(toXml(inheritedXmlns));
}

bool XmlElement::operator==(const XmlElement &other) const
{
    if (d == other.d)
        return true;
    if (isNull() || other.isNull())
        return isNull() == other.isNull() && isText() == other.isText();
    return d->isText == other.d->isText && d->name == other.d->name && d->xmlns == other.d->xmlns
        && d->noNamespace == other.d->noNamespace && d->text == other.d->text && d->attributes == other.d->attributes
        && d->children == other.d->children;
}

QByteArray xmlEscape(const QString &text)
{
    QByteArray out;
    appendUtf8<Escape::Attribute>(out, text);
    return out;
}
