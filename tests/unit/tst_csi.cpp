#include "FakeStream.h"
#include "StandardModulesTest.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString CsiNs = u"urn:xmpp:csi:0"_s;
} // namespace

// XEP-0352 through the real router and every standard module, the recording sink in place of
// the sockets. alice/phone is the client that goes inactive; c0..c4 are her contacts.
class TestCsi : public StandardModulesTest
{
    Q_OBJECT

private:
    Session *m_phone = nullptr;
    QList<Session *> m_contacts;

    bool nonza(Session *s, const QString &name)
    {
        FakeStream stream(s);
        return m_host->dispatchElement(stream, XmlElement(name, CsiNs));
    }
    void presenceFrom(int contact, const QString &status)
    {
        inject(m_contacts.at(contact),
               u"<presence to='alice@localhost/phone'><status>%1</status></presence>"_s.arg(status));
    }
    QList<XmlElement> takeAll(Session *s)
    {
        QList<XmlElement> all;
        for (XmlElement e = expect(s); !e.isNull(); e = expect(s))
            all.append(e);
        return all;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"c0"_s, u"c1"_s, u"c2"_s, u"c3"_s, u"c4"_s}), qPrintable(m_db->error()));
        startServer();
        m_phone = m_make->bound(u"alice"_s, u"phone"_s);
        QVERIFY(m_phone);
        m_contacts.clear();
        for (int i = 0; i < 5; ++i) {
            Session *c = m_make->bound(u"c%1"_s.arg(i), u"r"_s);
            QVERIFY(c);
            m_contacts.append(c);
        }
        m_sink->clear();
    }

    void cleanup()
    {
        stopServer();
        m_db.reset();
    }

    void featureOfferedAfterAuthentication()
    {
        XmlElement before(u"features"_s);
        m_host->collectStreamFeatures(ModuleHost::Stage::BeforeAuth, m_phone, before);
        QVERIFY(!before.hasChildElement(u"csi"_s, CsiNs));
        XmlElement after(u"features"_s);
        m_host->collectStreamFeatures(ModuleHost::Stage::AfterAuth, m_phone, after);
        QVERIFY(after.hasChildElement(u"csi"_s, CsiNs));
    }

    void onlyBoundSessionsAndKnownElements()
    {
        Session *unbound = m_make->open();
        QVERIFY(!nonza(unbound, u"inactive"_s));
        QVERIFY(!nonza(m_phone, u"sleepy"_s));
        QVERIFY(nonza(m_phone, u"inactive"_s));
        QVERIFY(m_phone->isCsiInactive());
        QVERIFY(m_phone->snapshot().csiInactive);
        QVERIFY(nonza(m_phone, u"active"_s));
        QVERIFY(!m_phone->snapshot().csiInactive);
    }

    void activeClientGetsEverythingAtOnce()
    {
        presenceFrom(0, u"a"_s);
        QCOMPARE(expect(m_phone).childText(u"status"_s), u"a"_s);
    }

    void presenceHeldNewestPerContactUntilActive()
    {
        QVERIFY(nonza(m_phone, u"inactive"_s));
        // 50 updates, 10 rounds over 5 contacts.
        for (int round = 0; round < 10; ++round) {
            for (int c = 0; c < 5; ++c)
                presenceFrom(c, u"%1-%2"_s.arg(c).arg(round));
        }
        QCOMPARE(m_sink->pending(m_phone), 0);
        QVERIFY(nonza(m_phone, u"active"_s));
        const QList<XmlElement> got = takeAll(m_phone);
        QCOMPARE(got.size(), 5);
        for (int c = 0; c < 5; ++c) {
            QCOMPARE(got.at(c).attribute(u"from"_s), u"c%1@localhost/r"_s.arg(c));
            QCOMPARE(got.at(c).childText(u"status"_s), u"%1-9"_s.arg(c));
        }
        // Active again: straight through.
        presenceFrom(1, u"live"_s);
        QCOMPARE(expect(m_phone).childText(u"status"_s), u"live"_s);
    }

    void messageWithBodyFlushesFirstThenArrives()
    {
        QVERIFY(nonza(m_phone, u"inactive"_s));
        presenceFrom(0, u"p0"_s);
        presenceFrom(1, u"p1"_s);
        inject(m_contacts.at(2),
               u"<message to='alice@localhost/phone' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"_s);
        inject(m_contacts.at(2),
               u"<message to='alice@localhost/phone' type='chat'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>"_s);
        QCOMPARE(m_sink->pending(m_phone), 0);
        inject(m_contacts.at(3), u"<message to='alice@localhost/phone' type='chat'><body>now</body></message>"_s);
        const QList<XmlElement> got = takeAll(m_phone);
        QCOMPARE(got.size(), 4);   // two presences, the newest chat state, the message
        QCOMPARE(got.at(0).childText(u"status"_s), u"p0"_s);
        QCOMPARE(got.at(1).childText(u"status"_s), u"p1"_s);
        QVERIFY(got.at(2).hasChildElement(u"paused"_s, u"http://jabber.org/protocol/chatstates"_s));
        QCOMPARE(got.at(3).childText(u"body"_s), u"now"_s);
        QVERIFY(m_phone->isCsiInactive());   // still inactive: the next presence waits again
        presenceFrom(4, u"later"_s);
        QCOMPARE(m_sink->pending(m_phone), 0);
    }

    void iqAndReceiptsPassWithoutFlushing()
    {
        QVERIFY(nonza(m_phone, u"inactive"_s));
        presenceFrom(0, u"held"_s);
        inject(m_phone, u"<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"_s);
        inject(m_contacts.at(1),
               u"<message to='alice@localhost/phone'><received xmlns='urn:xmpp:receipts' id='x'/></message>"_s);
        const QList<XmlElement> got = takeAll(m_phone);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got.at(0).name(), u"iq"_s);
        QVERIFY(got.at(1).hasChildElement(u"received"_s, u"urn:xmpp:receipts"_s));
        QVERIFY(nonza(m_phone, u"active"_s));
        QCOMPARE(expect(m_phone).childText(u"status"_s), u"held"_s);
    }

    void subscriptionRequestFlushes()
    {
        // Subscription requests reach interested, available resources (RFC 6121 §3.1.3).
        inject(m_phone, u"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"_s);
        inject(m_phone, u"<presence/>"_s);
        m_sink->clear();
        QVERIFY(nonza(m_phone, u"inactive"_s));
        presenceFrom(0, u"held"_s);
        inject(m_contacts.at(1), u"<presence to='alice@localhost' type='subscribe'/>"_s);
        const QList<XmlElement> got = takeAll(m_phone);
        QCOMPARE(got.size(), 2);
        QCOMPARE(got.at(0).childText(u"status"_s), u"held"_s);
        QCOMPARE(got.at(1).attribute(u"type"_s), u"subscribe"_s);
    }

    void heldStanzasDieWithTheSession()
    {
        QVERIFY(nonza(m_phone, u"inactive"_s));
        presenceFrom(0, u"held"_s);
        m_sessions->destroySession(m_phone);
        QCOMPARE(m_sink->pending(m_phone), 0);
        // Another session of alice is unaffected.
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        inject(m_contacts.at(0), u"<presence to='alice@localhost/laptop'/>"_s);
        QCOMPARE(m_sink->pending(laptop), 1);
    }
};

QTEST_GUILESS_MAIN(TestCsi)
#include "tst_csi.moc"
