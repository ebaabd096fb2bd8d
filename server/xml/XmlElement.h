#pragma once

#include <QByteArray>
#include <QList>
#include <QSharedDataPointer>
#include <QString>

class XmlElementData;

// One XML element with its namespace, attributes and ordered children (elements and text).
// Implicitly shared: copying is cheap, a copy detaches on first write. A default-constructed
// element is null; text nodes are elements with isText() true and no name.
class XmlElement
{
public:
    struct Attribute
    {
        QString name;   // qualified as written, e.g. "xml:lang" or "type"
        QString value;
        bool operator==(const Attribute &other) const = default;
    };

    XmlElement();
    explicit XmlElement(const QString &name, const QString &xmlns = QString());
    XmlElement(const XmlElement &other);
    XmlElement(XmlElement &&other) noexcept;
    XmlElement &operator=(const XmlElement &other);
    XmlElement &operator=(XmlElement &&other) noexcept;
    ~XmlElement();

    static XmlElement textNode(const QString &text);

    bool isNull() const;
    bool isText() const;

    // The local name: prefixes are not kept, the namespace says it all.
    QString name() const;
    // The namespace URI; empty both for "the parent's" (trees built in code) and for "no
    // namespace" (isInNoNamespace(), what the parser gives for an unqualified element).
    QString xmlns() const;
    // Clears isInNoNamespace() when xmlns is not empty.
    void setXmlns(const QString &xmlns);
    // In no namespace even under a namespaced parent, written with xmlns='' there (Namespaces
    // in XML 1.0 §6.2). The parser marks every element that is in no namespace this way.
    bool isInNoNamespace() const;
    void setInNoNamespace();

    bool hasAttribute(const QString &name) const;
    QString attribute(const QString &name, const QString &defaultValue = QString()) const;
    // Sets or replaces; a null value removes the attribute. "xmlns" is not an attribute: it
    // sets the namespace (setXmlns) so the namespace is never written twice.
    XmlElement &setAttribute(const QString &name, const QString &value);
    void removeAttribute(const QString &name);
    const QList<Attribute> &attributes() const;

    // All children in document order, text nodes included.
    const QList<XmlElement> &children() const;
    QList<XmlElement> childElements() const;
    // First child element matching name (any if empty) and namespace (any if empty); null if none.
    XmlElement firstChildElement(const QString &name = QString(), const QString &xmlns = QString()) const;
    bool hasChildElement(const QString &name, const QString &xmlns = QString()) const;
    // Concatenated text of the first matching child element; null string if there is none.
    QString childText(const QString &name, const QString &xmlns = QString()) const;

    // A null child is ignored.
    XmlElement &appendChild(const XmlElement &child);
    XmlElement &appendChild(XmlElement &&child);
    XmlElement &appendText(const QString &text);
    // Convenience: appends <name xmlns?>text</name>.
    XmlElement &appendTextElement(const QString &name, const QString &text, const QString &xmlns = QString());
    void removeChildElements(const QString &name, const QString &xmlns = QString());
    void clearChildren();

    // Concatenated direct text children (empty, not null, for an element without text).
    QString text() const;
    // For a text node, its text; for an element, text().
    QString textContent() const;

    // Serialises as namespace-well-formed XML (docs/ARCHITECTURE.md, "XML namespace model"),
    // inheritedXmlns being the default namespace in scope where it is written. The default
    // namespace is declared (xmlns='…') only where it changes, xmlns='' included for an element
    // in no namespace; an element in the XML namespace is written xml:name, never declared.
    // An element whose xmlns() is empty and not isInNoNamespace() takes the default namespace in
    // scope, which suits trees built in code. Namespace declarations among the attributes that
    // Namespaces in XML forbids are left out, and so is an element in the xmlns namespace (no
    // way to write it exists). Text is escaped, attribute values are in "quotes".
    QByteArray toXml(const QString &inheritedXmlns = QString()) const;
    QString toString(const QString &inheritedXmlns = QString()) const;

    // Deep structural equality (names, namespaces, attributes in order, children).
    bool operator==(const XmlElement &other) const;
    bool operator!=(const XmlElement &other) const { return !(*this == other); }

private:
    void serialize(QByteArray &out, const QString &inheritedXmlns) const;
    QSharedDataPointer<XmlElementData> d;
};

// Escapes &, <, >, " and ' for use in text or attribute values (also CR, LF and TAB as character
// references, which a reader would otherwise normalise in an attribute value), UTF-8 encoded.
QByteArray xmlEscape(const QString &text);
