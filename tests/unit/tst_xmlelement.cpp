#include "xml/XmlElement.h"

#include <QTest>

using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(XmlElement)

class tst_XmlElement : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void nullAndText();
    void buildAndSerialize();
    void escaping_data();
    void escaping();
    void attributeEscaping();
    void xmlEscapeFunction();
    void namespaceInheritance_data();
    void namespaceInheritance();
    void selfClosing();
    void attributeOrderReplaceRemove();
    void xmlnsAttributeIsNamespace();
    void nonAsciiAndSurrogates();
    void equality();
    void implicitSharingDetach();
    void childLookup();
    void childText();
    void textMerging();
    void removeAndClearChildren();
    void toStringMatchesToXml();
    void namespaceSerialisation_data();
    void namespaceSerialisation();
};

void tst_XmlElement::nullAndText()
{
    const XmlElement null;
    QVERIFY(null.isNull());
    QVERIFY(!null.isText());
    QVERIFY(null.name().isNull());
    QVERIFY(null.attributes().isEmpty());
    QVERIFY(null.children().isEmpty());
    QVERIFY(null.toXml().isEmpty());
    QVERIFY(null.firstChildElement().isNull());

    const XmlElement text = XmlElement::textNode(u"a < b"_s);
    QVERIFY(!text.isNull());
    QVERIFY(text.isText());
    QCOMPARE(text.textContent(), u"a < b"_s);
    QCOMPARE(text.toXml(), "a &lt; b"_ba);

    XmlElement element(u"a"_s);
    QVERIFY(!element.isNull());
    element.appendChild(XmlElement());   // ignored
    QVERIFY(element.children().isEmpty());
}

void tst_XmlElement::buildAndSerialize()
{
    XmlElement iq(u"iq"_s, u"jabber:client"_s);
    iq.setAttribute(u"type"_s, u"result"_s).setAttribute(u"id"_s, u"r1"_s);
    XmlElement query(u"query"_s, u"jabber:iq:roster"_s);
    query.setAttribute(u"ver"_s, u"v2"_s);
    XmlElement item(u"item"_s);
    item.setAttribute(u"jid"_s, u"juliet@example.com"_s);
    item.appendTextElement(u"group"_s, u"Friends"_s);
    query.appendChild(item);
    iq.appendChild(query);

    QCOMPARE(iq.toXml(),
             "<iq xmlns=\"jabber:client\" type=\"result\" id=\"r1\"><query xmlns=\"jabber:iq:roster\" ver=\"v2\">"
             "<item jid=\"juliet@example.com\"><group>Friends</group></item></query></iq>"_ba);
    QCOMPARE(iq.toXml(u"jabber:client"_s),
             "<iq type=\"result\" id=\"r1\"><query xmlns=\"jabber:iq:roster\" ver=\"v2\">"
             "<item jid=\"juliet@example.com\"><group>Friends</group></item></query></iq>"_ba);
}

void tst_XmlElement::escaping_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("xml");
    QTest::newRow("plain") << u"hello"_s << "<b>hello</b>"_ba;
    QTest::newRow("amp") << u"a & b"_s << "<b>a &amp; b</b>"_ba;
    QTest::newRow("lt-gt") << u"<x>"_s << "<b>&lt;x&gt;</b>"_ba;
    QTest::newRow("quotes-kept-in-text") << u"\"it's\""_s << "<b>\"it's\"</b>"_ba;
    QTest::newRow("entity-looking") << u"&amp;"_s << "<b>&amp;amp;</b>"_ba;
    QTest::newRow("newline-tab") << u"a\n\tb"_s << "<b>a\n\tb</b>"_ba;
    QTest::newRow("cr") << u"a\r\nb"_s << "<b>a&#13;\nb</b>"_ba;
    QTest::newRow("control-dropped") << u"a\u0001\u0000b"_s << "<b>ab</b>"_ba;
}

void tst_XmlElement::escaping()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, xml);
    XmlElement b(u"b"_s);
    b.appendText(text);
    QCOMPARE(b.toXml(), xml);
}

void tst_XmlElement::attributeEscaping()
{
    XmlElement e(u"e"_s);
    e.setAttribute(u"v"_s, u"<a href='x'>\"&\"</a>"_s);
    e.setAttribute(u"empty"_s, u""_s);
    e.setAttribute(u"ws"_s, u"a\tb\nc"_s);
    QCOMPARE(e.toXml(),
             "<e v=\"&lt;a href=&apos;x&apos;&gt;&quot;&amp;&quot;&lt;/a&gt;\" empty=\"\" ws=\"a&#9;b&#10;c\"/>"_ba);
}

void tst_XmlElement::xmlEscapeFunction()
{
    QCOMPARE(xmlEscape(u"&<>\"'"_s), "&amp;&lt;&gt;&quot;&apos;"_ba);
    QCOMPARE(xmlEscape(u"caf\u00e9"_s), "caf\xc3\xa9"_ba);
    QCOMPARE(xmlEscape(QString()), QByteArray());
}

void tst_XmlElement::namespaceInheritance_data()
{
    QTest::addColumn<QString>("inherited");
    QTest::addColumn<QByteArray>("xml");
    QTest::newRow("none") << QString() << "<message xmlns=\"jabber:client\"><body>hi</body><x xmlns=\"urn:x\"><y/></x></message>"_ba;
    QTest::newRow("same") << u"jabber:client"_s << "<message><body>hi</body><x xmlns=\"urn:x\"><y/></x></message>"_ba;
    QTest::newRow("other") << u"jabber:server"_s << "<message xmlns=\"jabber:client\"><body>hi</body><x xmlns=\"urn:x\"><y/></x></message>"_ba;
}

void tst_XmlElement::namespaceInheritance()
{
    QFETCH(QString, inherited);
    QFETCH(QByteArray, xml);
    XmlElement message(u"message"_s, u"jabber:client"_s);
    message.appendTextElement(u"body"_s, u"hi"_s, u"jabber:client"_s);   // same as parent: no xmlns
    XmlElement x(u"x"_s, u"urn:x"_s);
    x.appendChild(XmlElement(u"y"_s));   // empty: inherits urn:x
    message.appendChild(x);
    QCOMPARE(message.toXml(inherited), xml);
}

void tst_XmlElement::selfClosing()
{
    QCOMPARE(XmlElement(u"a"_s).toXml(), "<a/>"_ba);
    XmlElement starttls(u"starttls"_s, u"urn:ietf:params:xml:ns:xmpp-tls"_s);
    QCOMPARE(starttls.toXml(), "<starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"/>"_ba);
    XmlElement withEmptyText(u"a"_s);
    withEmptyText.appendText(QString());
    QCOMPARE(withEmptyText.toXml(), "<a/>"_ba);
}

void tst_XmlElement::attributeOrderReplaceRemove()
{
    XmlElement e(u"presence"_s);
    e.setAttribute(u"from"_s, u"a@b/c"_s);
    e.setAttribute(u"to"_s, u"d@e"_s);
    e.setAttribute(u"xml:lang"_s, u"en"_s);
    QCOMPARE(e.toXml(), "<presence from=\"a@b/c\" to=\"d@e\" xml:lang=\"en\"/>"_ba);

    e.setAttribute(u"from"_s, u"x@y"_s);   // replaced in place
    QCOMPARE(e.attributes().size(), 3);
    QCOMPARE(e.attributes().first(), (XmlElement::Attribute{u"from"_s, u"x@y"_s}));
    QVERIFY(e.hasAttribute(u"xml:lang"_s));
    QCOMPARE(e.attribute(u"xml:lang"_s), u"en"_s);
    QCOMPARE(e.attribute(u"missing"_s, u"dflt"_s), u"dflt"_s);
    QVERIFY(e.attribute(u"missing"_s).isNull());

    e.removeAttribute(u"to"_s);
    QVERIFY(!e.hasAttribute(u"to"_s));
    e.setAttribute(u"xml:lang"_s, QString());   // null removes
    QVERIFY(!e.hasAttribute(u"xml:lang"_s));
    e.setAttribute(u"type"_s, u""_s);            // empty is kept
    QVERIFY(e.hasAttribute(u"type"_s));
    QCOMPARE(e.toXml(), "<presence from=\"x@y\" type=\"\"/>"_ba);
}

void tst_XmlElement::xmlnsAttributeIsNamespace()
{
    XmlElement e(u"query"_s);
    e.setAttribute(u"xmlns"_s, u"jabber:iq:version"_s);
    QCOMPARE(e.xmlns(), u"jabber:iq:version"_s);
    QVERIFY(e.attributes().isEmpty());
    QCOMPARE(e.toXml(), "<query xmlns=\"jabber:iq:version\"/>"_ba);
}

void tst_XmlElement::nonAsciiAndSurrogates()
{
    XmlElement body(u"body"_s);
    body.appendText(u"h\u00e9 \u20ac \U0001F600"_s);
    QCOMPARE(body.toXml(), "<body>h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80</body>"_ba);
    XmlElement lone(u"body"_s);
    lone.appendText(QString(QChar(0xd800)) + u"x"_s);
    QCOMPARE(lone.toXml(), "<body>\xef\xbf\xbdx</body>"_ba);
}

void tst_XmlElement::equality()
{
    auto make = [] {
        XmlElement e(u"message"_s, u"jabber:client"_s);
        e.setAttribute(u"to"_s, u"a@b"_s);
        e.appendTextElement(u"body"_s, u"x"_s);
        return e;
    };
    const XmlElement a = make();
    const XmlElement b = make();
    QVERIFY(a == b);
    QVERIFY(!(a != b));
    QVERIFY(XmlElement() == XmlElement());
    QVERIFY(XmlElement() != a);
    QVERIFY(XmlElement::textNode(u"x"_s) == XmlElement::textNode(u"x"_s));
    QVERIFY(XmlElement::textNode(u"x"_s) != XmlElement::textNode(u"y"_s));

    XmlElement c = make();
    c.setXmlns(u"jabber:server"_s);
    QVERIFY(a != c);
    XmlElement d = make();
    d.setAttribute(u"type"_s, u"chat"_s);
    QVERIFY(a != d);
    XmlElement e = make();
    e.appendText(u" "_s);
    QVERIFY(a != e);

    // Attribute order is part of equality.
    XmlElement f(u"a"_s);
    f.setAttribute(u"x"_s, u"1"_s).setAttribute(u"y"_s, u"2"_s);
    XmlElement g(u"a"_s);
    g.setAttribute(u"y"_s, u"2"_s).setAttribute(u"x"_s, u"1"_s);
    QVERIFY(f != g);
}

void tst_XmlElement::implicitSharingDetach()
{
    XmlElement original(u"iq"_s, u"jabber:client"_s);
    original.setAttribute(u"id"_s, u"1"_s);
    original.appendChild(XmlElement(u"ping"_s, u"urn:xmpp:ping"_s));

    XmlElement copy = original;
    QVERIFY(copy == original);
    QCOMPARE(&copy.attributes(), &original.attributes());   // shared data

    copy.setAttribute(u"id"_s, u"2"_s);
    QCOMPARE(original.attribute(u"id"_s), u"1"_s);
    QCOMPARE(copy.attribute(u"id"_s), u"2"_s);
    QVERIFY(&copy.attributes() != &original.attributes());

    XmlElement copy2 = original;
    copy2.appendText(u"t"_s);
    QCOMPARE(original.children().size(), 1);
    QCOMPARE(copy2.children().size(), 2);

    // A child taken out and changed leaves the tree alone.
    XmlElement child = original.firstChildElement();
    child.setXmlns(u"urn:other"_s);
    QCOMPARE(original.firstChildElement().xmlns(), u"urn:xmpp:ping"_s);

    // Reading does not detach.
    const XmlElement reader = original;
    QCOMPARE(reader.attribute(u"id"_s), u"1"_s);
    QCOMPARE(&reader.children(), &original.children());

    // Moves leave the source null.
    XmlElement moved = std::move(copy);
    QCOMPARE(moved.attribute(u"id"_s), u"2"_s);
}

void tst_XmlElement::childLookup()
{
    XmlElement message(u"message"_s, u"jabber:client"_s);
    message.appendText(u" "_s);
    message.appendChild(XmlElement(u"x"_s, u"urn:a"_s));
    message.appendChild(XmlElement(u"x"_s, u"urn:b"_s));
    message.appendChild(XmlElement(u"body"_s, u"jabber:client"_s));

    QCOMPARE(message.childElements().size(), 3);
    QCOMPARE(message.children().size(), 4);
    QCOMPARE(message.firstChildElement().xmlns(), u"urn:a"_s);
    QCOMPARE(message.firstChildElement(u"x"_s).xmlns(), u"urn:a"_s);
    QCOMPARE(message.firstChildElement(u"x"_s, u"urn:b"_s).xmlns(), u"urn:b"_s);
    QCOMPARE(message.firstChildElement(QString(), u"jabber:client"_s).name(), u"body"_s);
    QVERIFY(message.firstChildElement(u"x"_s, u"urn:c"_s).isNull());
    QVERIFY(message.firstChildElement(u"y"_s).isNull());
    QVERIFY(message.hasChildElement(u"x"_s, u"urn:b"_s));
    QVERIFY(!message.hasChildElement(u"x"_s, u"urn:c"_s));
    QVERIFY(message.hasChildElement(u"body"_s));
}

void tst_XmlElement::childText()
{
    XmlElement message(u"message"_s);
    message.appendTextElement(u"subject"_s, QString());
    message.appendTextElement(u"body"_s, u"Hello & bye"_s, u"jabber:client"_s);
    XmlElement thread(u"thread"_s);
    thread.appendText(u"a"_s);
    thread.appendChild(XmlElement(u"i"_s));
    thread.appendText(u"b"_s);
    message.appendChild(thread);

    QCOMPARE(message.childText(u"body"_s), u"Hello & bye"_s);
    QCOMPARE(message.childText(u"body"_s, u"jabber:client"_s), u"Hello & bye"_s);
    QVERIFY(message.childText(u"body"_s, u"urn:other"_s).isNull());
    QVERIFY(message.childText(u"missing"_s).isNull());
    const QString subject = message.childText(u"subject"_s);
    QVERIFY(!subject.isNull());
    QVERIFY(subject.isEmpty());
    QCOMPARE(message.childText(u"thread"_s), u"ab"_s);   // direct text only
    QCOMPARE(thread.textContent(), u"ab"_s);
}

void tst_XmlElement::textMerging()
{
    XmlElement body(u"body"_s);
    body.appendText(u"a"_s);
    body.appendText(u"b"_s);
    QCOMPARE(body.children().size(), 1);
    QCOMPARE(body.text(), u"ab"_s);

    XmlElement other(u"body"_s);
    other.appendText(u"ab"_s);
    QVERIFY(body == other);
}

void tst_XmlElement::removeAndClearChildren()
{
    XmlElement e(u"iq"_s);
    e.appendChild(XmlElement(u"a"_s, u"urn:1"_s));
    e.appendChild(XmlElement(u"b"_s, u"urn:1"_s));
    e.appendChild(XmlElement(u"a"_s, u"urn:2"_s));
    e.appendText(u"t"_s);
    const XmlElement before = e;

    e.removeChildElements(u"a"_s, u"urn:1"_s);
    QCOMPARE(e.childElements().size(), 2);
    e.removeChildElements(u"a"_s);
    QCOMPARE(e.childElements().size(), 1);
    QCOMPARE(e.firstChildElement().name(), u"b"_s);
    QCOMPARE(e.text(), u"t"_s);
    QCOMPARE(before.childElements().size(), 3);   // the copy kept its children

    e.clearChildren();
    QVERIFY(e.children().isEmpty());
    QCOMPARE(e.toXml(), "<iq/>"_ba);
}

void tst_XmlElement::toStringMatchesToXml()
{
    XmlElement e(u"body"_s, u"jabber:client"_s);
    e.appendText(u"\u00e9 & \u00fc"_s);
    QCOMPARE(e.toString(), QString::fromUtf8(e.toXml()));
    QCOMPARE(e.toString(u"jabber:client"_s), u"<body>\u00e9 &amp; \u00fc</body>"_s);
}

// Trees built in code in each namespace situation: written namespace-well-formed, meaning what
// the tree says (docs/ARCHITECTURE.md, "XML namespace model").
void tst_XmlElement::namespaceSerialisation_data()
{
    QTest::addColumn<XmlElement>("tree");
    QTest::addColumn<QByteArray>("xml");   // written where the default namespace is jabber:client

    const QString client = u"jabber:client"_s;
    const QString xmlNs = u"http://www.w3.org/XML/1998/namespace"_s;
    {
        XmlElement m(u"message"_s, client);
        m.appendChild(XmlElement(u"data"_s, xmlNs).setAttribute(u"xml:lang"_s, u"en"_s));
        QTest::newRow("xml-namespace-element") << m << "<message><xml:data xml:lang=\"en\"/></message>"_ba;
    }
    {
        XmlElement m(u"message"_s, client);
        XmlElement data(u"data"_s, xmlNs);
        data.appendTextElement(u"body"_s, u"hi"_s);   // inherits: the default in scope
        data.appendChild(XmlElement(u"x"_s, u"urn:x"_s));
        m.appendChild(data);
        QTest::newRow("xml-namespace-element-children")
            << m << "<message><xml:data><body>hi</body><x xmlns=\"urn:x\"/></xml:data></message>"_ba;
    }
    {
        XmlElement outer(u"outer"_s, u"urn:a"_s);
        XmlElement inner(u"inner"_s);
        inner.setInNoNamespace();
        inner.appendChild(XmlElement(u"leaf"_s));   // inherits: no namespace
        outer.appendChild(inner);
        outer.appendChild(XmlElement(u"back"_s));   // inherits urn:a
        QTest::newRow("no-namespace-under-namespaced")
            << outer << "<outer xmlns=\"urn:a\"><inner xmlns=\"\"><leaf/></inner><back/></outer>"_ba;
    }
    {
        XmlElement top(u"message"_s);
        top.setInNoNamespace();
        QTest::newRow("no-namespace-top") << top << "<message xmlns=\"\"/>"_ba;
    }
    {
        XmlElement m(u"message"_s, client);
        XmlElement x(u"x"_s, u"urn:x"_s);
        x.setAttribute(u"xmlns:f"_s, u"urn:f"_s).setAttribute(u"f:a"_s, u"1"_s);
        x.setAttribute(u"xmlns:bad"_s, xmlNs);                             // forbidden binding
        x.setAttribute(u"xmlns:xml"_s, xmlNs);                             // never declared
        x.setAttribute(u"xmlns:xmlns"_s, u"urn:y"_s);                      // forbidden
        x.setAttribute(u"xmlns:e"_s, u""_s);                               // undeclaring: 1.1 only
        m.appendChild(x);
        m.appendChild(XmlElement(u"gone"_s, u"http://www.w3.org/2000/xmlns/"_s));   // unwritable
        QTest::newRow("declarations-filtered")
            << m << "<message><x xmlns=\"urn:x\" xmlns:f=\"urn:f\" f:a=\"1\"/></message>"_ba;
    }
    {
        XmlElement m(u"message"_s, client);
        XmlElement a(u"a"_s, u"urn:1"_s);
        a.setAttribute(u"xmlns:p"_s, u"urn:1"_s).setAttribute(u"p:x"_s, u"1"_s);
        XmlElement b(u"b"_s, u"urn:2"_s);
        b.setAttribute(u"xmlns:p"_s, u"urn:2"_s).setAttribute(u"p:y"_s, u"2"_s);
        a.appendChild(b);
        m.appendChild(a);
        QTest::newRow("prefix-rebound")
            << m << "<message><a xmlns=\"urn:1\" xmlns:p=\"urn:1\" p:x=\"1\"><b xmlns=\"urn:2\" xmlns:p=\"urn:2\" p:y=\"2\"/></a></message>"_ba;
    }
}

void tst_XmlElement::namespaceSerialisation()
{
    QFETCH(XmlElement, tree);
    QFETCH(QByteArray, xml);
    QCOMPARE(tree.toXml(u"jabber:client"_s), xml);
}

QTEST_GUILESS_MAIN(tst_XmlElement)
#include "tst_xmlelement.moc"
