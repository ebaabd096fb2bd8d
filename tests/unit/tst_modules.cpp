#include "StandardModulesTest.h"
#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "FakeStream.h"
#include "modules/StandardModules.h"
#include "session/SessionManager.h"
#include "TempDatabase.h"
#include "TestSessions.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString StanzasNs = u"urn:ietf:params:xml:ns:xmpp-stanzas"_s;
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;
const QString RosterNs = u"jabber:iq:roster"_s;

bool isError(const XmlElement &stanza, const QString &condition)
{
    return stanza.attribute(u"type"_s) == u"error"
           && stanza.firstChildElement(u"error"_s).hasChildElement(condition, StanzasNs);
}

QStringList discoFeatures(const XmlElement &result)
{
    QStringList vars;
    const XmlElement query = result.firstChildElement(u"query"_s, InfoNs);
    for (const XmlElement &child : query.childElements()) {
        if (child.name() == u"feature")
            vars.append(child.attribute(u"var"_s));
    }
    return vars;
}
} // namespace

// Every standard module through the real router and host, with the recording sink in place of
// the sockets: what a client sends is injected, what the server writes is expected.
class TestModules : public StandardModulesTest
{
    Q_OBJECT

private:


    // Mutual subscription alice <-> bob through the presence module (RFC 6121 §3).
    void befriend(Session *alice, Session *bob)
    {
        inject(alice, u"<presence type='subscribe' to='bob@localhost'/>"_s);
        inject(bob, u"<presence type='subscribed' to='alice@localhost'/>"_s);
        inject(bob, u"<presence type='subscribe' to='alice@localhost'/>"_s);
        inject(alice, u"<presence type='subscribed' to='bob@localhost'/>"_s);
        m_sink->clear();
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s}), qPrintable(m_db->error()));
        startServer();
    }

    void cleanup()
    {
        stopServer();
        m_db.reset();
    }

    void bindOffersBindsAndRefusesASecondBind()
    {
        Session *s = m_make->open();
        m_sessions->authenticate(s, u"alice"_s, u"PLAIN"_s);
        XmlElement features(u"stream:features"_s);
        m_host->collectStreamFeatures(ModuleHost::Stage::AfterAuth, s, features);
        QCOMPARE(features.childElements().value(0).name(), u"bind"_s);   // before rosterver
        QVERIFY(features.hasChildElement(u"ver"_s, u"urn:xmpp:features:rosterver"_s));

        // Before binding, stanzas go to the bind module, not the router (and are written straight
        // to the session: the sink sees nothing).
        FakeStream stream(s);
        QVERIFY(!m_host->dispatchElement(stream, RecordingSink::parse(u"<foo/>"_s)));   // not a stanza
        QVERIFY(m_host->dispatchElement(stream, RecordingSink::parse(
            u"<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>home</resource></bind></iq>"_s)));
        QCOMPARE(s->fullJid().toString(), u"alice@localhost/home"_s);
        QCOMPARE(m_sink->written().size(), 0);

        // Once bound, through the router: session succeeds, a second bind is not-allowed.
        inject(s, u"<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>"_s);
        const XmlElement ok = expect(s);
        QCOMPARE(ok.attribute(u"type"_s), u"result"_s);
        QCOMPARE(ok.attribute(u"id"_s), u"s1"_s);
        inject(s, u"<iq type='set' id='b2'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"_s);
        QVERIFY(isError(expect(s), u"not-allowed"_s));
    }

    void ping()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        inject(alice, u"<iq type='get' id='p1' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"_s);
        const XmlElement pong = expect(alice);
        QCOMPARE(pong.attribute(u"type"_s), u"result"_s);
        QCOMPARE(pong.attribute(u"id"_s), u"p1"_s);
        QCOMPARE(pong.attribute(u"to"_s), u"alice@localhost/a"_s);
    }

    void discoListsWhatModulesDeclared()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        inject(alice, u"<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"_s);
        const XmlElement info = expect(alice);
        const QStringList features = discoFeatures(info);
        for (const QString &f : {u"urn:xmpp:ping"_s, u"jabber:iq:version"_s, u"msgoffline"_s, InfoNs})
            QVERIFY2(features.contains(f), qPrintable(f));
        const XmlElement identity = info.firstChildElement(u"query"_s, InfoNs).firstChildElement(u"identity"_s);
        QCOMPARE(identity.attribute(u"category"_s), u"server"_s);

        inject(alice, u"<iq type='get' id='d2' to='bob@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"_s);
        QVERIFY(discoFeatures(expect(alice)).contains(RosterNs));
        // RFC 6121 §8.5.1: no such account.
        inject(alice, u"<iq type='get' id='d3' to='nobody@localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"_s);
        QVERIFY(isError(expect(alice), u"service-unavailable"_s));
    }

    void version()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        inject(alice, u"<iq type='get' id='v' to='localhost'><query xmlns='jabber:iq:version'/></iq>"_s);
        const XmlElement result = expect(alice);
        QCOMPARE(result.firstChildElement(u"query"_s, u"jabber:iq:version"_s).childText(u"name"_s), u"Switchboard"_s);
    }

    void clientSoftwareFromCaps()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        inject(alice, u"<presence><c xmlns='http://jabber.org/protocol/caps' node='https://gajim.org' ver='x' hash='sha-1'/></presence>"_s);
        QCOMPARE(alice->snapshot().clientSoftware, u"https://gajim.org"_s);
        // The presence went on to the presence module: the user's own resource got it back.
        QCOMPARE(expect(alice).name(), u"presence"_s);
    }

    void rosterSetPushesToInterestedResources()
    {
        Session *a1 = m_make->bound(u"alice"_s, u"one"_s);
        Session *a2 = m_make->bound(u"alice"_s, u"two"_s);
        inject(a1, u"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"_s);
        QCOMPARE(expect(a1).attribute(u"type"_s), u"result"_s);
        QVERIFY(a1->isInterested());
        QVERIFY(!a2->isInterested());

        inject(a2, u"<iq type='set' id='r2'><query xmlns='jabber:iq:roster'><item jid='bob@localhost' name='Bob'/></query></iq>"_s);
        // The push reaches the interested resource only (RFC 6121 §2.1.6); the setter gets the result.
        const XmlElement push = expect(a1);
        QCOMPARE(push.attribute(u"type"_s), u"set"_s);
        QCOMPARE(push.firstChildElement(u"query"_s, RosterNs).firstChildElement(u"item"_s).attribute(u"name"_s), u"Bob"_s);
        QCOMPARE(expect(a2).attribute(u"id"_s), u"r2"_s);
        QCOMPARE(m_sink->pending(a2), 0);
    }

    void presenceBroadcastAndUnavailableOnClose()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        befriend(alice, bob);
        inject(bob, u"<presence/>"_s);
        m_sink->clear();
        inject(alice, u"<presence><show>away</show></presence>"_s);
        // Bob (subscribed "from" alice) gets it; alice gets it back and bob's presence (§4.3).
        const XmlElement atBob = expect(bob);
        QCOMPARE(atBob.attribute(u"from"_s), u"alice@localhost/a"_s);
        QCOMPARE(atBob.childText(u"show"_s), u"away"_s);
        QStringList atAlice;
        for (XmlElement p = expect(alice); !p.isNull(); p = expect(alice))
            atAlice.append(p.attribute(u"from"_s));
        QVERIFY(atAlice.contains(u"bob@localhost/b"_s));
        QVERIFY(atAlice.contains(u"alice@localhost/a"_s));

        // §4.5.2: the session goes away; bob hears it through the delivery path.
        m_sessions->destroySession(alice);
        const XmlElement gone = expect(bob);
        QCOMPARE(gone.attribute(u"type"_s), u"unavailable"_s);
        QCOMPARE(gone.attribute(u"from"_s), u"alice@localhost/a"_s);
    }

    void deliveryFilterSeesTheServersOwnBroadcasts()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        befriend(alice, bob);
        inject(bob, u"<presence/>"_s);
        // What a block list would do: nothing from alice reaches bob.
        m_host->hookDelivery([bob](Delivery &d) {
            return d.to == bob && d.stanza.attribute(u"from"_s).startsWith(u"alice@"_s);
        });
        m_sink->clear();
        inject(alice, u"<presence/>"_s);
        inject(alice, u"<message to='bob@localhost'><body>hi</body></message>"_s);
        QCOMPARE(m_sink->pending(bob), 0);
        QVERIFY(m_sink->pending(alice) > 0);
    }

    void messageToFullBareAndOffline()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        inject(alice, u"<message to='bob@localhost' type='chat'><body>while away</body></message>"_s);
        QCOMPARE(m_sink->written().size(), 0);   // stored, nothing sent

        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(bob, u"<presence/>"_s);
        XmlElement offline;
        for (XmlElement s = expect(bob); !s.isNull(); s = expect(bob)) {
            if (s.name() == u"message")
                offline = s;
        }
        QCOMPARE(offline.childText(u"body"_s), u"while away"_s);
        QVERIFY(offline.hasChildElement(u"delay"_s, u"urn:xmpp:delay"_s));
        // Delivered once: the next initial presence brings nothing back.
        inject(alice, u"<message to='bob@localhost/b' type='chat'><body>now</body></message>"_s);
        const XmlElement live = expect(bob);
        QCOMPARE(live.childText(u"body"_s), u"now"_s);
        QCOMPARE(live.attribute(u"from"_s), u"alice@localhost/a"_s);

        // Unknown account (§8.5.1): service-unavailable.
        inject(alice, u"<message to='nobody@localhost' type='chat'><body>?</body></message>"_s);
        QVERIFY(isError(expect(alice), u"service-unavailable"_s));
    }
};

QTEST_GUILESS_MAIN(TestModules)
#include "tst_modules.moc"
