#include "XmlConsoleBuffer.h"

#include <QTest>

using namespace Qt::StringLiterals;

class tst_XmlConsoleBuffer : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void redacts_data();
    void redacts();
    void keepsTheLastEntries();
    void formatsOneLinePerEntry();
};

void tst_XmlConsoleBuffer::redacts_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");
    QTest::newRow("auth") << u"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHNlY3JldA==</auth>"_s
                          << u"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[redacted]</auth>"_s;
    QTest::newRow("response") << u"<response xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">Yz1iaXdz</response>"_s
                              << u"<response xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">[redacted]</response>"_s;
    QTest::newRow("challenge and success")
        << u"<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1meWtv</challenge><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj1ybUY5</success>"_s
        << u"<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>[redacted]</challenge><success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>[redacted]</success>"_s;
    QTest::newRow("prefixed") << u"<sasl:auth mechanism='PLAIN'>AGFsaWNl</sasl:auth>"_s
                              << u"<sasl:auth mechanism='PLAIN'>[redacted]</sasl:auth>"_s;
    QTest::newRow("cut off") << u"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaW"_s
                             << u"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[redacted]"_s;
    QTest::newRow("empty success") << u"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"_s
                                   << u"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"_s;
    QTest::newRow("a message about auth")
        << u"<message to='a@b'><body>the auth server</body></message>"_s
        << u"<message to='a@b'><body>the auth server</body></message>"_s;
}

void tst_XmlConsoleBuffer::redacts()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(XmlConsoleBuffer::redact(input), expected);
    XmlConsoleBuffer buffer;
    QVERIFY(buffer.append(true, input.toUtf8()));
    QCOMPARE(buffer.last().text, expected);
}

void tst_XmlConsoleBuffer::keepsTheLastEntries()
{
    XmlConsoleBuffer buffer(500);
    QCOMPARE(buffer.capacity(), 500);
    for (int i = 0; i < 1234; ++i)
        QVERIFY(buffer.append(i % 2, u"<iq id='%1'/>"_s.arg(i).toUtf8()));
    QVERIFY(!buffer.append(true, "  \n "));   // whitespace keepalive
    QCOMPARE(buffer.size(), 500);
    const auto entries = buffer.entries();
    QCOMPARE(entries.size(), 500);
    QCOMPARE(entries.first().text, u"<iq id='734'/>"_s);
    QCOMPARE(entries.last().text, u"<iq id='1233'/>"_s);
    QCOMPARE(buffer.last().text, u"<iq id='1233'/>"_s);
    for (qsizetype i = 1; i < entries.size(); ++i)
        QVERIFY(entries[i - 1].text != entries[i].text);
    buffer.clear();
    QCOMPARE(buffer.size(), 0);
}

void tst_XmlConsoleBuffer::formatsOneLinePerEntry()
{
    XmlConsoleBuffer buffer;
    const QDateTime time(QDate(2025, 1, 2), QTime(3, 4, 5, 678));
    buffer.append(true, "<presence>\n  <show>away</show>\n</presence>", time);
    buffer.append(false, "<iq type='result'/>", time);
    QCOMPARE(buffer.toText(), u"03:04:05.678 C→S <presence>   <show>away</show> </presence>\n"
                              "03:04:05.678 S→C <iq type='result'/>"_s);
}

QTEST_MAIN(tst_XmlConsoleBuffer)
#include "tst_xmlconsolebuffer.moc"
