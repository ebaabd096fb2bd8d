#include "StandardModulesTest.h"
#include "FakeStream.h"
#include "storage/OfflineStore.h"

#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

// XEP-0198 through the real router and every standard module: what the stream management
// module queues, holds on disk, and hands to the offline store. Its own elements (<enabled/>,
// <a/>) go to the socket, not the recording sink; these tests look at the effects.
class TestStreamManagement : public StandardModulesTest
{
    Q_OBJECT

private:
    Session *m_alice = nullptr;
    Session *m_bob = nullptr;

    bool element(Session *s, const QString &xml)
    {
        FakeStream stream(s);
        return m_host->dispatchElement(stream, RecordingSink::parse(xml));
    }
    int count(const QString &table)
    {
        QSqlQuery q(m_db->database()->connection());
        return q.exec(u"SELECT COUNT(*) FROM "_s + table) && q.next() ? q.value(0).toInt() : -1;
    }
    void message(Session *from, Session *to, const QString &body)
    {
        inject(from, u"<message type='chat' to='%1'><body>%2</body></message>"_s.arg(to->fullJid().toString(), body));
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s}), qPrintable(m_db->error()));
        startServer();
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
        m_bob = m_make->bound(u"bob"_s, u"desk"_s);
        QVERIFY(m_alice && m_bob);
    }
    void cleanup() { stopServer(); }

    void enableOnlyAfterBinding()
    {
        Session *unbound = m_make->open();
        m_sessions->authenticate(unbound, u"alice"_s, u"PLAIN"_s);
        QVERIFY(element(unbound, u"<enable xmlns='urn:xmpp:sm:3'/>"_s));
        QVERIFY(!unbound->snapshot().sm);
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3' resume='true'/>"_s));
        QVERIFY(m_alice->snapshot().sm);
        QCOMPARE(m_alice->resumeTimeout(), 3600);
    }

    void countsUntilAcknowledged()
    {
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3'/>"_s));
        message(m_bob, m_alice, u"one"_s);
        message(m_bob, m_alice, u"two"_s);
        QCOMPARE(m_sink->pending(m_alice), 2);   // written at once while connected
        QCOMPARE(m_alice->snapshot().smUnacked, 2);
        QVERIFY(element(m_alice, u"<a xmlns='urn:xmpp:sm:3' h='1'/>"_s));
        QCOMPARE(m_alice->snapshot().smUnacked, 1);
        QVERIFY(!m_alice->isRetired());
        // More than was sent ends the stream (handled-count-too-high).
        QVERIFY(element(m_alice, u"<a xmlns='urn:xmpp:sm:3' h='5'/>"_s));
        QVERIFY(m_alice->isRetired());
    }

    void notResumableWithoutResume()
    {
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3'/>"_s));
        QVERIFY(!m_sessions->hibernate(m_alice));
    }

    void hibernatingQueueIsHeldThenGoesOffline()
    {
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3' resume='true'/>"_s));
        inject(m_alice, u"<presence/>"_s);
        m_sink->clear();
        QVERIFY(m_sessions->hibernate(m_alice));
        QVERIFY(m_alice->isHibernating());
        QVERIFY(m_alice->isAvailable());
        QCOMPARE(m_sessions->hibernatingCount(), 1);
        const int before = m_alice->snapshot().smUnacked;   // her own presence, never acknowledged
        message(m_bob, m_alice, u"queued"_s);
        QCOMPARE(m_sink->pending(m_alice), 0);   // queued, not written
        QCOMPARE(m_alice->snapshot().smUnacked, before + 1);
        QCOMPARE(count(u"sm_held"_s), 1);         // committed as it was queued
        QCOMPARE(count(u"offline_messages"_s), 0);

        m_sessions->destroySession(m_alice);   // expiry or kick
        QCOMPARE(m_sessions->hibernatingCount(), 0);
        QCOMPARE(count(u"sm_held"_s), 0);
        QCOMPARE(count(u"offline_messages"_s), 1);
    }

    void unacknowledgedRequestsAreAnsweredWhenTheSessionEnds()
    {
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3' resume='true'/>"_s));
        QVERIFY(m_sessions->hibernate(m_alice));
        inject(m_bob, u"<iq type='get' id='v1' to='alice@localhost/phone'><query xmlns='jabber:iq:version'/></iq>"_s);
        QCOMPARE(m_sink->pending(m_bob), 0);   // queued for alice, no answer yet
        m_sessions->destroySession(m_alice);
        const XmlElement error = expect(m_bob);
        QCOMPARE(error.attribute(u"type"_s), u"error"_s);
        QCOMPARE(error.attribute(u"id"_s), u"v1"_s);
        QVERIFY(error.firstChildElement(u"error"_s).hasChildElement(u"recipient-unavailable"_s,
                                                                    u"urn:ietf:params:xml:ns:xmpp-stanzas"_s));
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
    }

    void heldRowsBecomeOfflineAfterARestart()
    {
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3' resume='true'/>"_s));
        QVERIFY(m_sessions->hibernate(m_alice));
        message(m_bob, m_alice, u"one"_s);
        message(m_bob, m_alice, u"two"_s);
        QCOMPARE(count(u"sm_held"_s), 2);
        // A crash: the rows stay; the next start moves them, once.
        m_alice = nullptr;
        stopServer();
        QCOMPARE(count(u"sm_held"_s), 2);
        startServer();
        QCOMPARE(count(u"sm_held"_s), 0);
        QCOMPARE(count(u"offline_messages"_s), 2);
        OfflineStore store(m_db->database());
        const auto messages = store.messages(u"alice"_s);
        QCOMPARE(messages.size(), 2);
        QVERIFY(messages.at(0).stanza.contains(u"one"_s));
        QVERIFY(messages.at(1).stanza.contains(u"two"_s));
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
        m_bob = m_make->bound(u"bob"_s, u"desk"_s);
    }

    void offlineMessagesDeletedWhenAcknowledged()
    {
        m_sessions->destroySession(m_alice);
        message(m_bob, m_alice, u"stored"_s);   // alice has no resource: offline
        QCOMPARE(count(u"offline_messages"_s), 1);
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3'/>"_s));
        inject(m_alice, u"<presence/>"_s);
        QVERIFY(m_sink->pending(m_alice) >= 1);
        QCOMPARE(count(u"offline_messages"_s), 1);   // written, not yet acknowledged
        const int unacked = m_alice->snapshot().smUnacked;
        QVERIFY(element(m_alice, u"<a xmlns='urn:xmpp:sm:3' h='%1'/>"_s.arg(unacked)));
        QCOMPARE(count(u"offline_messages"_s), 0);
    }

    void offlineMessagesStayWhenNeverAcknowledged()
    {
        m_sessions->destroySession(m_alice);
        message(m_bob, m_alice, u"stored"_s);
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3'/>"_s));
        inject(m_alice, u"<presence/>"_s);
        m_sessions->destroySession(m_alice);
        QCOMPARE(count(u"offline_messages"_s), 1);   // still there, and only once
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
    }

    void queueBoundEndsTheSession()
    {
        m_config.moduleOptions.insert(u"sm_max_queue"_s, u"3"_s);
        stopServer();
        startServer();
        m_alice = m_make->bound(u"alice"_s, u"phone"_s);
        m_bob = m_make->bound(u"bob"_s, u"desk"_s);
        QVERIFY(element(m_alice, u"<enable xmlns='urn:xmpp:sm:3' resume='true'/>"_s));
        QVERIFY(m_sessions->hibernate(m_alice));
        for (int i = 0; i < 4; ++i)
            message(m_bob, m_alice, QString::number(i));
        QTRY_VERIFY(m_alice->isRetired());
        QCOMPARE(count(u"offline_messages"_s), 4);
        QCOMPARE(count(u"sm_held"_s), 0);
        m_config.moduleOptions.clear();
    }
};

QTEST_GUILESS_MAIN(TestStreamManagement)
#include "tst_streammanagement.moc"
