#include "StandardModulesTest.h"
#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "modules/StandardModules.h"
#include "session/SessionManager.h"
#include "TempDatabase.h"
#include "TestSessions.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString CarbonsNs = u"urn:xmpp:carbons:2"_s;
const QString ForwardNs = u"urn:xmpp:forward:0"_s;
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;

// The message forwarded inside a carbon of `direction` ("received"/"sent"); null if `carbon` is
// not such a carbon.
XmlElement forwardedIn(const XmlElement &carbon, const QString &direction)
{
    return carbon.firstChildElement(direction, CarbonsNs)
        .firstChildElement(u"forwarded"_s, ForwardNs)
        .firstChildElement(u"message"_s);
}
} // namespace

// XEP-0280 through the real router and every standard module, the recording sink in place of
// the sockets. alice has laptop and phone (both enable carbons) and desk (never enables); bob
// has home.
class TestCarbons : public StandardModulesTest
{
    Q_OBJECT

private:
    Session *m_laptop = nullptr;
    Session *m_phone = nullptr;
    Session *m_desk = nullptr;
    Session *m_bob = nullptr;


    XmlElement iq(Session *from, const QString &payload, const QString &type = u"set"_s, const QString &to = {})
    {
        const QString toAttribute = to.isEmpty() ? QString() : u" to='%1'"_s.arg(to);
        inject(from, u"<iq type='%1' id='c1'%3>%2</iq>"_s.arg(type, payload, toAttribute));
        return expect(from);
    }
    bool enable(Session *s)
    {
        return iq(s, u"<enable xmlns='urn:xmpp:carbons:2'/>"_s).attribute(u"type"_s) == u"result";
    }
    bool disable(Session *s)
    {
        return iq(s, u"<disable xmlns='urn:xmpp:carbons:2'/>"_s).attribute(u"type"_s) == u"result";
    }
    void available(Session *s, int priority)
    {
        inject(s, u"<presence><priority>%1</priority></presence>"_s.arg(priority));
    }
    // Nothing written to any session beyond what the test took.
    void expectSilence()
    {
        for (const RecordingSink::Written &w : m_sink->written())
            qWarning("unexpected to %s: %s", qPrintable(w.to->fullJid().toString()), w.stanza.toXml().constData());
        QCOMPARE(m_sink->written().size(), 0);
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s}), qPrintable(m_db->error()));
        startServer();
        m_laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        m_phone = m_make->bound(u"alice"_s, u"phone"_s);
        m_desk = m_make->bound(u"alice"_s, u"desk"_s);
        m_bob = m_make->bound(u"bob"_s, u"home"_s);
        QVERIFY(m_laptop && m_phone && m_desk && m_bob);
        QVERIFY(enable(m_laptop));
        QVERIFY(enable(m_phone));
        m_sink->clear();
    }

    void cleanup()
    {
        stopServer();
        m_db.reset();
    }

    void discoAdvertisesTheFeature()
    {
        const XmlElement result = iq(m_desk, u"<query xmlns='%1'/>"_s.arg(InfoNs), u"get"_s, u"localhost"_s);
        bool found = false;
        for (const XmlElement &f : result.firstChildElement(u"query"_s, InfoNs).childElements())
            found = found || f.attribute(u"var"_s) == CarbonsNs;
        QVERIFY(found);
    }

    void enableAndDisableArePerSessionAndIdempotent()
    {
        QVERIFY(enable(m_laptop));   // §10.1: enabling twice is no error
        inject(m_bob, u"<message to='alice@localhost/desk' type='chat'><body>1</body></message>"_s);
        QVERIFY(!expect(m_desk).isNull());
        QVERIFY(!forwardedIn(expect(m_laptop), u"received"_s).isNull());
        QVERIFY(!forwardedIn(expect(m_phone), u"received"_s).isNull());
        expectSilence();

        QVERIFY(disable(m_phone));
        QVERIFY(disable(m_phone));
        inject(m_bob, u"<message to='alice@localhost/desk' type='chat'><body>2</body></message>"_s);
        QVERIFY(!expect(m_desk).isNull());
        QVERIFY(!forwardedIn(expect(m_laptop), u"received"_s).isNull());
        expectSilence();   // phone disabled: nothing

        // Disabling the last one: no copies at all.
        QVERIFY(disable(m_laptop));
        inject(m_bob, u"<message to='alice@localhost/desk' type='chat'><body>3</body></message>"_s);
        QVERIFY(!expect(m_desk).isNull());
        expectSilence();

        // A get is not a way to enable.
        const XmlElement get = iq(m_desk, u"<enable xmlns='urn:xmpp:carbons:2'/>"_s, u"get"_s);
        QCOMPARE(get.attribute(u"type"_s), u"error"_s);
    }

    void receivedCopyGoesToOtherEnabledResources()
    {
        inject(m_bob, u"<message to='alice@localhost/laptop' type='chat' id='m1'><body>hi</body></message>"_s);
        const XmlElement original = expect(m_laptop);
        QCOMPARE(original.childText(u"body"_s), u"hi"_s);
        QVERIFY(!original.hasChildElement(u"received"_s, CarbonsNs));

        const XmlElement carbon = expect(m_phone);
        QCOMPARE(carbon.name(), u"message"_s);
        QCOMPARE(carbon.attribute(u"from"_s), u"alice@localhost"_s);
        QCOMPARE(carbon.attribute(u"to"_s), u"alice@localhost/phone"_s);
        QCOMPARE(carbon.attribute(u"type"_s), u"chat"_s);
        const XmlElement inner = forwardedIn(carbon, u"received"_s);
        QCOMPARE(inner.xmlns(), u"jabber:client"_s);
        QCOMPARE(inner.attribute(u"from"_s), u"bob@localhost/home"_s);
        QCOMPARE(inner.attribute(u"to"_s), u"alice@localhost/laptop"_s);
        QCOMPARE(inner.attribute(u"id"_s), u"m1"_s);
        QCOMPARE(inner.childText(u"body"_s), u"hi"_s);
        expectSilence();   // desk never enabled; bob gets no copy of anything
    }

    void sentCopyGoesToOtherEnabledResources()
    {
        available(m_bob, 0);   // a message to bob's bare JID reaches him
        m_sink->clear();
        inject(m_laptop, u"<message to='bob@localhost' type='chat' id='s1'><body>yo</body></message>"_s);
        QCOMPARE(expect(m_bob).childText(u"body"_s), u"yo"_s);
        const XmlElement carbon = expect(m_phone);
        QCOMPARE(carbon.attribute(u"from"_s), u"alice@localhost"_s);
        QCOMPARE(carbon.attribute(u"to"_s), u"alice@localhost/phone"_s);
        const XmlElement inner = forwardedIn(carbon, u"sent"_s);
        QCOMPARE(inner.attribute(u"from"_s), u"alice@localhost/laptop"_s);
        QCOMPARE(inner.attribute(u"to"_s), u"bob@localhost"_s);
        QCOMPARE(inner.childText(u"body"_s), u"yo"_s);
        expectSilence();   // not to the sender (§7), not to desk

        // §7: also when the sending resource has not enabled carbons itself.
        inject(m_desk, u"<message to='bob@localhost/home' type='chat'><body>d</body></message>"_s);
        QVERIFY(!expect(m_bob).isNull());
        QVERIFY(!forwardedIn(expect(m_laptop), u"sent"_s).isNull());
        QVERIFY(!forwardedIn(expect(m_phone), u"sent"_s).isNull());
        expectSilence();
    }

    void bareJidCopiesOnlyToResourcesThatMissedIt()
    {
        // laptop and phone share the top priority: both get the original (RFC 6121 §8.5.2.1.1),
        // neither a copy too.
        available(m_laptop, 5);
        available(m_phone, 5);
        available(m_desk, 5);
        available(m_bob, 0);
        m_sink->clear();
        inject(m_bob, u"<message to='alice@localhost' type='chat'><body>all</body></message>"_s);
        for (Session *s : {m_laptop, m_phone, m_desk}) {
            const XmlElement got = expect(s);
            QCOMPARE(got.childText(u"body"_s), u"all"_s);
            QVERIFY(!got.hasChildElement(u"received"_s, CarbonsNs));
        }
        expectSilence();

        // phone drops below: only the others get the original, phone the copy.
        available(m_phone, 1);
        m_sink->clear();
        inject(m_bob, u"<message to='alice@localhost' type='chat'><body>top</body></message>"_s);
        QCOMPARE(expect(m_laptop).childText(u"body"_s), u"top"_s);
        QCOMPARE(expect(m_desk).childText(u"body"_s), u"top"_s);
        const XmlElement inner = forwardedIn(expect(m_phone), u"received"_s);
        QCOMPARE(inner.attribute(u"to"_s), u"alice@localhost"_s);
        QCOMPARE(inner.childText(u"body"_s), u"top"_s);
        expectSilence();
    }

    void bareJidStoredOfflineIsNotCopied()
    {
        // Connected but none available: the message is stored (XEP-0160), nobody gets a copy.
        inject(m_bob, u"<message to='alice@localhost' type='chat'><body>later</body></message>"_s);
        expectSilence();
    }

    void privateSuppressesCopiesAndIsRemoved()
    {
        inject(m_bob, u"<message to='alice@localhost/laptop' type='chat'><body>p</body>"
                      u"<private xmlns='urn:xmpp:carbons:2'/></message>"_s);
        const XmlElement got = expect(m_laptop);
        QCOMPARE(got.childText(u"body"_s), u"p"_s);
        QVERIFY(!got.hasChildElement(u"private"_s, CarbonsNs));   // §8: SHOULD remove
        expectSilence();

        inject(m_laptop, u"<message to='bob@localhost/home' type='chat'><body>q</body>"
                         u"<private xmlns='urn:xmpp:carbons:2'/></message>"_s);
        QCOMPARE(expect(m_bob).childText(u"body"_s), u"q"_s);
        expectSilence();
    }

    void noCopyHintSuppressesCopies()
    {
        inject(m_bob, u"<message to='alice@localhost/laptop' type='chat'><body>n</body>"
                      u"<no-copy xmlns='urn:xmpp:hints'/></message>"_s);
        QVERIFY(!expect(m_laptop).isNull());
        expectSilence();
        inject(m_laptop, u"<message to='bob@localhost/home' type='chat'><body>n</body>"
                         u"<no-copy xmlns='urn:xmpp:hints'/></message>"_s);
        QVERIFY(!expect(m_bob).isNull());
        expectSilence();
    }

    void onlyEligibleTypesAreCopied_data()
    {
        QTest::addColumn<QString>("attributes");
        QTest::addColumn<QString>("payload");
        QTest::addColumn<bool>("copied");
        QTest::newRow("chat") << u"type='chat'"_s << u"<body>x</body>"_s << true;
        QTest::newRow("chat state only") << u"type='chat'"_s
                                         << u"<active xmlns='http://jabber.org/protocol/chatstates'/>"_s << true;
        QTest::newRow("normal with body") << u"type='normal'"_s << u"<body>x</body>"_s << true;
        QTest::newRow("no type with body") << QString() << u"<body>x</body>"_s << true;
        QTest::newRow("normal without body") << QString() << u"<subject>x</subject>"_s << false;
        QTest::newRow("headline") << u"type='headline'"_s << u"<body>x</body>"_s << false;
        QTest::newRow("groupchat") << u"type='groupchat'"_s << u"<body>x</body>"_s << false;
        QTest::newRow("error") << u"type='error'"_s
                               << u"<body>x</body><error type='cancel'><item-not-found "
                                  u"xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"_s
                               << false;
        QTest::newRow("muc private message") << u"type='chat'"_s
                                             << u"<body>x</body><x xmlns='http://jabber.org/protocol/muc#user'/>"_s
                                             << false;
    }

    void onlyEligibleTypesAreCopied()
    {
        QFETCH(QString, attributes);
        QFETCH(QString, payload);
        QFETCH(bool, copied);
        inject(m_bob, u"<message to='alice@localhost/laptop' %1>%2</message>"_s.arg(attributes, payload));
        QVERIFY(!expect(m_laptop).isNull());
        QCOMPARE(!forwardedIn(expect(m_phone), u"received"_s).isNull(), copied);
        expectSilence();

        inject(m_laptop, u"<message to='bob@localhost/home' %1>%2</message>"_s.arg(attributes, payload));
        QVERIFY(!expect(m_bob).isNull());
        QCOMPARE(!forwardedIn(expect(m_phone), u"sent"_s).isNull(), copied);
        expectSilence();
    }

    void carbonsAreNeverCopiedAgain()
    {
        // A message that already carries a carbon (forged or relayed) is not copied again.
        for (const QString &direction : {u"received"_s, u"sent"_s}) {
            inject(m_bob, u"<message to='alice@localhost/laptop' type='chat'><%1 xmlns='urn:xmpp:carbons:2'>"
                          u"<forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:client' type='chat'>"
                          u"<body>x</body></message></forwarded></%1></message>"_s.arg(direction));
            QVERIFY(!expect(m_laptop).isNull());
            expectSilence();
        }
        // One message, exactly one copy per enabled resource, even between two of alice's own
        // resources (the received copy covers it; no sent copy on top).
        inject(m_laptop, u"<message to='alice@localhost/desk' type='chat'><body>me</body></message>"_s);
        QCOMPARE(expect(m_desk).childText(u"body"_s), u"me"_s);
        QVERIFY(!forwardedIn(expect(m_phone), u"received"_s).isNull());
        expectSilence();   // nothing back to laptop, the sender
    }

    void closedSessionStopsCounting()
    {
        m_sessions->destroySession(m_phone);
        m_phone = nullptr;
        m_sink->clear();
        inject(m_bob, u"<message to='alice@localhost/desk' type='chat'><body>c</body></message>"_s);
        QVERIFY(!expect(m_desk).isNull());
        QVERIFY(!forwardedIn(expect(m_laptop), u"received"_s).isNull());
        expectSilence();
        m_sessions->destroySession(m_laptop);
        m_laptop = nullptr;
        m_sink->clear();
        inject(m_bob, u"<message to='alice@localhost/desk' type='chat'><body>c</body></message>"_s);
        QVERIFY(!expect(m_desk).isNull());
        expectSilence();
    }

    void copiesPassTheDeliveryFilters()
    {
        // Another module's filter sees (and may drop) every copy: copies use the router.
        int seen = 0;
        m_host->hookDelivery([&seen, this](Delivery &d) {
            if (d.to != m_phone || !d.stanza.hasChildElement(u"received"_s, CarbonsNs))
                return false;
            ++seen;
            return true;
        });
        inject(m_bob, u"<message to='alice@localhost/laptop' type='chat'><body>f</body></message>"_s);
        QVERIFY(!expect(m_laptop).isNull());
        QCOMPARE(seen, 1);
        expectSilence();
    }
};

QTEST_GUILESS_MAIN(TestCarbons)
#include "tst_carbons.moc"
