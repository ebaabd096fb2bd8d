#pragma once

#include "xml/XmlError.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QVarLengthArray>

// A push tokenizer for one XMPP stream document (RFC 6120 §4, §11), over UTF-8 bytes that
// XmlStreamParser's pre-pass has already checked to be valid UTF-8 without C0 controls. It is a
// byte-level state machine: feed() may stop at any byte and the next feed() goes on from there.
// Only the bytes of the token in progress are kept (a tag split between two reads, a text run
// inside a stanza); when the token completes, that buffer is released, so a tokenizer between
// stanzas holds no input at all, only the open elements' names and the namespace bindings in
// scope. It checks the XML 1.0 and Namespaces well-formedness an XMPP server needs and refuses
// restricted XML (RFC 6120 §11.1: DTD, comments, processing instructions) at its first bytes.
class XmlTokenizer
{
public:
    struct Attribute
    {
        QString qualifiedName;   // as written, e.g. "xml:lang"; interned
        QString namespaceUri;    // empty for an unprefixed attribute
        QString value;           // references expanded, whitespace normalised (XML 1.0 §3.3.3)
        qsizetype prefixSize = 0;
        QStringView prefix() const { return QStringView(qualifiedName).left(prefixSize); }
    };
    struct StartTag
    {
        QString name;              // local name, interned
        QString namespaceUri;      // resolved, interned
        QString defaultNamespace;  // the default namespace in scope on this element
        QVarLengthArray<Attribute, 8> attributes;   // namespace declarations left out
        int declarations = 0;      // xmlns and xmlns:p attributes on this element
        int depth = 0;             // the document element is 1
    };

    class Sink
    {
    public:
        virtual ~Sink() = default;
        // Each returns false to stop tokenizing at once (the rest of the input is left alone).
        virtual bool startElement(const StartTag &tag) = 0;
        virtual bool endElement(int depth) = 0;
        // Character data below the document element's children (depth 2 and deeper). Text and
        // CDATA directly inside the document element must be whitespace and is not reported.
        virtual bool characters(const QString &text) = 0;
        virtual void failed(XmlError condition, const QString &text) = 0;
    };

    explicit XmlTokenizer(Sink *sink);

    void feed(const char *data, qsizetype size);
    // A fresh document: no state, no bindings, no buffer.
    void reset();
    bool hasFailed() const { return m_state == Failed; }
    int depth() const { return int(m_open.size()); }
    // Heap bytes kept for the token in progress (0 between tokens).
    qsizetype bufferedCapacity() const { return m_buffer.capacity(); }

private:
    enum State : quint8 {
        Content,      // between tokens; what may come depends on the depth
        Bom,          // inside a leading U+FEFF
        Text,         // a text run (a token)
        TagOpen,      // after '<'
        StartTagBody, // collecting a start tag
        AttrValue,    // inside a quoted value of a start tag
        AfterValue,   // just after that value's closing quote
        EndTagBody,   // collecting an end tag
        Bang,         // after "<!"
        BangDash,     // after "<!-"
        CDataOpen,    // matching "CDATA[" after "<!["
        DoctypeOpen,  // matching "DOCTYPE" after "<!"
        CData,        // collecting CDATA content up to "]]>"
        PiTarget,     // after "<?": is it "xml"?
        PiTargetEnd,  // after "<?xml": the next byte decides
        Declaration,  // collecting the XML declaration up to "?>"
        Failed,
    };
    struct Binding
    {
        QByteArray prefix;   // empty for the default namespace
        QString uri;
        int depth;
    };
    struct RawAttribute;
    enum class Mode { Text, Value, CData };

    void fail(XmlError condition, const QString &text);
    // The bytes of the token just completed: from the input alone, or joined to the buffered
    // head. Returns false if the sink asked to stop or the token was bad.
    bool complete(const char *data, qsizetype end, bool (XmlTokenizer::*handle)(QByteArrayView));
    bool handleText(QByteArrayView text);
    bool handleStartTag(QByteArrayView tag);
    bool handleEndTag(QByteArrayView tag);
    bool handleCData(QByteArrayView content);
    bool handleDeclaration(QByteArrayView declaration);
    bool handleStreamLevelText(QStringView text);
    // Expands references and normalises line ends (§2.11) and, in a value, whitespace (§3.3.3);
    // fails on what may not appear. intern: share the result when it needed no expansion.
    bool decode(QByteArrayView raw, Mode mode, bool intern, QString &out);
    bool resolve(QByteArrayView qualifiedName, qsizetype colon, bool element, QString &uri);
    const QString *lookup(QByteArrayView prefix) const;
    void popBindings(int depth);

    Sink *m_sink;
    State m_state = Content;
    char m_quote = 0;
    quint8 m_match = 0;        // bytes of a keyword matched so far; ']' or '?' run at the end
    bool m_atStart = true;     // nothing but a BOM seen yet: the XML declaration may come
    bool m_bomAllowed = true;  // nothing at all seen yet
    bool m_lowerXml = true;    // the PI target matched so far is "xml" in lower case
    bool m_rootSeen = false;
    bool m_buffered = false;   // the token in progress started in an earlier feed()
    qsizetype m_tokenStart = 0;
    QByteArray m_buffer;       // its head, while it spans reads
    QList<QByteArray> m_open;  // qualified names of the open elements (shared with the name pool)
    QList<Binding> m_bindings; // namespace declarations in scope, innermost last
};
