#include "StandardModulesTest.h"
#include "modules/PepModule.h"
#include "modules/StoredStanza.h"

#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString PubsubNs = u"http://jabber.org/protocol/pubsub"_s;
const QString ErrorsNs = u"http://jabber.org/protocol/pubsub#errors"_s;
const QString StanzasNs = u"urn:ietf:params:xml:ns:xmpp-stanzas"_s;

// (condition, pubsub#errors condition) of an error iq.
QPair<QString, QString> errorOf(const XmlElement &iq)
{
    QPair<QString, QString> result;
    for (const XmlElement &c : iq.firstChildElement(u"error"_s).childElements()) {
        if (c.xmlns() == StanzasNs && c.name() != u"text")
            result.first = c.name();
        else if (c.xmlns() == ErrorsNs)
            result.second = c.name();
    }
    return result;
}

QString publish(const QString &node, const QString &id, const QString &options = QString())
{
    QString opts;
    if (!options.isEmpty())
        opts = u"<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
               "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
               "<field var='pubsub#access_model'><value>%1</value></field></x></publish-options>"_s.arg(options);
    return u"<iq type='set' id='pub'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='%1'>"
           "<item id='%2'><mood xmlns='urn:test'>%2</mood></item></publish>%3</pubsub></iq>"_s.arg(node, id, opts);
}
} // namespace

// XEP-0163 through the real router and modules: the XEP-0115 verification string, publish with
// preconditions, access models, the items kept per node, and the tables across a restart.
class TestPep : public StandardModulesTest
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s}), qPrintable(m_db->error()));
        startServer();
    }
    void cleanup() { stopServer(); }

    void capsHash_data()
    {
        QTest::addColumn<QString>("query");
        QTest::addColumn<QString>("ver");
        // XEP-0115 §5.2, the simple example.
        QTest::newRow("simple") << u"<query xmlns='http://jabber.org/protocol/disco#info'>"
                                   "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
                                   "<feature var='http://jabber.org/protocol/caps'/>"
                                   "<feature var='http://jabber.org/protocol/disco#info'/>"
                                   "<feature var='http://jabber.org/protocol/disco#items'/>"
                                   "<feature var='http://jabber.org/protocol/muc'/></query>"_s
                                << u"QgayPKawpkPSDYmwT/WM94uAlu0="_s;
        // §5.3, the complex example: languages and an extended form.
        QTest::newRow("complex")
                << u"<query xmlns='http://jabber.org/protocol/disco#info'>"
                   "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
                   "<identity xml:lang='el' category='client' name='\u03a8 0.11' type='pc'/>"
                   "<feature var='http://jabber.org/protocol/caps'/>"
                   "<feature var='http://jabber.org/protocol/disco#info'/>"
                   "<feature var='http://jabber.org/protocol/disco#items'/>"
                   "<feature var='http://jabber.org/protocol/muc'/>"
                   "<x xmlns='jabber:x:data' type='result'>"
                   "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
                   "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
                   "<field var='os'><value>Mac</value></field>"
                   "<field var='os_version'><value>10.5.1</value></field>"
                   "<field var='software'><value>Psi</value></field>"
                   "<field var='software_version'><value>0.11</value></field></x></query>"_s
                << u"q07IKJEyjvHSyhy//CH0CxmKi8w="_s;
        // §5.4: a duplicate feature makes the answer unusable.
        QTest::newRow("duplicate") << u"<query xmlns='http://jabber.org/protocol/disco#info'>"
                                      "<feature var='a'/><feature var='a'/></query>"_s
                                   << QString();
    }
    void capsHash()
    {
        QFETCH(QString, query);
        QFETCH(QString, ver);
        const XmlElement element = StoredStanza::fromText(query);
        QVERIFY(!element.isNull());
        QCOMPARE(PepModule::capsHash(element, u"sha-1"_s), ver);
    }

    void publishWithPreconditions()
    {
        Session *alice = m_make->bound(u"alice"_s, u"desk"_s);
        inject(alice, publish(u"n"_s, u"1"_s, u"open"_s));
        QCOMPARE(expect(alice).attribute(u"type"_s), u"result"_s);
        inject(alice, publish(u"n"_s, u"2"_s, u"open"_s));
        QCOMPARE(expect(alice).attribute(u"type"_s), u"result"_s);
        inject(alice, publish(u"n"_s, u"3"_s, u"roster"_s));
        QCOMPARE(errorOf(expect(alice)), qMakePair(u"conflict"_s, u"precondition-not-met"_s));
        // Default max_items is 1: one row, the latest.
        QSqlQuery q(m_db->database()->connection());
        QVERIFY(q.exec(u"SELECT item_id FROM pep_items WHERE owner = 'alice' AND node = 'n'"_s));
        QVERIFY(q.next());
        QCOMPARE(q.value(0).toString(), u"2"_s);
        QVERIFY(!q.next());
    }

    void presenceModelRefusesStrangers()
    {
        Session *alice = m_make->bound(u"alice"_s, u"desk"_s);
        Session *bob = m_make->bound(u"bob"_s, u"desk"_s);
        inject(alice, publish(u"p"_s, u"1"_s));
        QCOMPARE(expect(alice).attribute(u"type"_s), u"result"_s);
        const QString get = u"<iq type='get' id='g' to='alice@localhost'><pubsub xmlns='%1'><items node='p'/></pubsub></iq>"_s
                                    .arg(PubsubNs);
        inject(bob, get);
        QCOMPARE(errorOf(expect(bob)), qMakePair(u"not-authorized"_s, u"presence-subscription-required"_s));
        inject(alice, publish(u"o"_s, u"1"_s, u"open"_s));
        QCOMPARE(expect(alice).attribute(u"type"_s), u"result"_s);
        inject(bob, QString(get).replace(u"node='p'"_s, u"node='o'"_s));
        const XmlElement items = expect(bob);
        QCOMPARE(items.attribute(u"type"_s), u"result"_s);
        QVERIFY(items.toString().contains(u"<mood xmlns=\"urn:test\">1</mood>"_s)
                || items.toString().contains(u"<mood xmlns='urn:test'>1</mood>"_s));
    }

    void survivesRestart()
    {
        Session *alice = m_make->bound(u"alice"_s, u"desk"_s);
        inject(alice, publish(u"kept"_s, u"k"_s, u"open"_s));
        QCOMPARE(expect(alice).attribute(u"type"_s), u"result"_s);
        stopServer();
        startServer();
        Session *bob = m_make->bound(u"bob"_s, u"desk"_s);
        inject(bob, u"<iq type='get' id='g' to='alice@localhost'><pubsub xmlns='%1'><items node='kept'/></pubsub></iq>"_s
                            .arg(PubsubNs));
        const XmlElement items = expect(bob);
        QCOMPARE(items.attribute(u"type"_s), u"result"_s);
        QCOMPARE(items.firstChildElement(u"pubsub"_s, PubsubNs).firstChildElement(u"items"_s, PubsubNs)
                         .firstChildElement(u"item"_s, PubsubNs).attribute(u"id"_s),
                 u"k"_s);
    }
};

QTEST_GUILESS_MAIN(TestPep)
#include "tst_pep.moc"
