#include "StandardModulesTest.h"
#include "modules/ClientPingModule.h"
#include "modules/ClientVersionProbeModule.h"
#include "modules/SessionTimelineModule.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString PingNs = u"urn:xmpp:ping"_s;
const QString VersionNs = u"jabber:iq:version"_s;
const QString Caps = u"<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://slixmpp.com/'"
                     " ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>"_s;

QStringList kinds(const SessionTimeline &timeline)
{
    QStringList result;
    for (const TimelineStep &step : timeline.steps)
        result.append(step.kind);
    return result;
}
} // namespace

// The modules behind the console's people view: server pings (XEP-0199) with RTT and dead
// connection detection, version queries (XEP-0092) cached per caps hash, the session timeline.
// The real router and every standard module; the recording sink in place of the sockets.
class TestConsoleModules : public StandardModulesTest
{
    Q_OBJECT

private:
    ClientPingModule *pings() const { return m_host->find<ClientPingModule>(); }
    ClientVersionProbeModule *versions() const { return m_host->find<ClientVersionProbeModule>(); }
    SessionTimelineModule *timelines() const { return m_host->find<SessionTimelineModule>(); }

    // One whole turn of the ping wheel.
    void turnWheel()
    {
        for (int i = 0; i < ClientPingModule::WheelSlots; ++i)
            pings()->tick();
    }

private Q_SLOTS:
    void init()
    {
        m_config.moduleOptions.insert(u"client_ping_interval"_s, u"60"_s);
        m_config.moduleOptions.insert(u"timeline_keep_sessions"_s, u"3"_s);
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s}), qPrintable(m_db->error()));
        startServer();
        QVERIFY(pings() && versions() && timelines());
    }
    void cleanup() { stopServer(); }

    void pingMeasuresTheRoundTripAndTheAnswerIsConsumed()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        QCOMPARE(laptop->roundTrip(), -1);
        turnWheel();
        const XmlElement ping = expect(laptop);
        QCOMPARE(ping.attribute(u"type"_s), u"get"_s);
        QCOMPARE(ping.attribute(u"from"_s), u"localhost"_s);
        QCOMPARE(ping.attribute(u"to"_s), u"alice@localhost/laptop"_s);
        QVERIFY(!ping.firstChildElement(u"ping"_s, PingNs).isNull());
        QTest::qWait(5);
        inject(laptop, u"<iq type='result' id='%1' to='localhost'/>"_s.arg(ping.attribute(u"id"_s)));
        QVERIFY(laptop->roundTrip() >= 0);
        QCOMPARE(laptop->snapshot().rttMs, laptop->roundTrip());
        QCOMPARE(m_sink->pending(laptop), 0);   // consumed: nobody answered the answer
        // Answered: the next turn pings again instead of closing.
        turnWheel();
        QVERIFY(!laptop->isRetired());
        QVERIFY(!expect(laptop).firstChildElement(u"ping"_s, PingNs).isNull());
    }

    void anErrorAnswerCountsAsAlive()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        turnWheel();
        const XmlElement ping = expect(laptop);
        inject(laptop, u"<iq type='error' id='%1' to='localhost'><error type='cancel'><service-unavailable "
                       "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"_s.arg(ping.attribute(u"id"_s)));
        QVERIFY(laptop->roundTrip() >= 0);
        turnWheel();
        QVERIFY(!laptop->isRetired());
    }

    void aWrongIdIsNotTakenForTheAnswer()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        turnWheel();
        QVERIFY(!expect(laptop).isNull());
        inject(laptop, u"<iq type='result' id='not-ours' to='localhost'/>"_s);
        QCOMPARE(laptop->roundTrip(), -1);
        turnWheel();
        QVERIFY(laptop->isRetired());   // still unanswered a whole interval later: gone
    }

    void aSilentClientIsClosedAndTheTimelineSaysWhy()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        Session *phone = m_make->bound(u"alice"_s, u"phone"_s);
        const quint64 id = laptop->id();
        turnWheel();
        const XmlElement ping = expect(phone);
        inject(phone, u"<iq type='result' id='%1'/>"_s.arg(ping.attribute(u"id"_s)));   // no 'to': self
        QVERIFY(phone->roundTrip() >= 0);
        turnWheel();
        QVERIFY(laptop->isRetired());
        QVERIFY(!phone->isRetired());
        const SessionTimeline timeline = timelines()->timeline(id);
        QVERIFY(timeline.closed);
        QCOMPARE(timeline.steps.last().kind, u"closed"_s);
        QVERIFY2(timeline.steps.last().detail.contains(u"ping timeout"_s), qPrintable(timeline.steps.last().detail));
        QVERIFY(timeline.steps.last().detail.contains(u"connection-timeout"_s));
    }

    void versionAnswerFillsTheClientAndIsCachedPerCapsHash()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        Session *desk = m_make->bound(u"bob"_s, u"desk"_s);
        inject(laptop, u"<presence>%1</presence>"_s.arg(Caps));
        QCOMPARE(laptop->snapshot().client(), u"https://slixmpp.com/"_s);   // the caps node until asked
        m_sink->clear();
        versions()->flush();
        const XmlElement query = expect(laptop);
        QCOMPARE(query.attribute(u"type"_s), u"get"_s);
        QVERIFY(!query.firstChildElement(u"query"_s, VersionNs).isNull());
        inject(laptop, u"<iq type='result' id='%1' to='localhost'><query xmlns='jabber:iq:version'>"
                       "<name>Slixmpp</name><version>1.8.3</version></query></iq>"_s.arg(query.attribute(u"id"_s)));
        QCOMPARE(laptop->snapshot().client(), u"Slixmpp 1.8.3"_s);
        QCOMPARE(m_sink->pending(laptop), 0);
        QCOMPARE(versions()->cachedHashes(), 1);
        // Another device with the same caps: answered from the cache, never asked.
        inject(desk, u"<presence>%1</presence>"_s.arg(Caps));
        QCOMPARE(desk->snapshot().client(), u"Slixmpp 1.8.3"_s);
        m_sink->clear();
        versions()->flush();
        QCOMPARE(m_sink->pending(desk), 0);
        // A later presence does not ask again, and the caps node does not hide the answer.
        inject(laptop, u"<presence><show>away</show>%1</presence>"_s.arg(Caps));
        versions()->flush();
        QCOMPARE(laptop->snapshot().client(), u"Slixmpp 1.8.3"_s);
    }

    void aClientWithoutVersionKeepsItsCapsNode()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        inject(laptop, u"<presence>%1</presence>"_s.arg(Caps));
        m_sink->clear();
        versions()->flush();
        const XmlElement query = expect(laptop);
        inject(laptop, u"<iq type='error' id='%1' to='localhost'><error type='cancel'><service-unavailable "
                       "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"_s.arg(query.attribute(u"id"_s)));
        QCOMPARE(laptop->snapshot().client(), u"https://slixmpp.com/"_s);
        QCOMPARE(versions()->cachedHashes(), 0);
    }

    void aBurstIsAskedInSlices()
    {
        const int n = ClientVersionProbeModule::MaxPerSlice + 50;
        QList<Session *> sessions;
        for (int i = 0; i < n; ++i) {
            sessions.append(m_make->bound(u"bob"_s, u"r%1"_s.arg(i)));
            inject(sessions.last(), u"<presence/>"_s);
        }
        auto asked = [this, &sessions] {
            int count = 0;
            for (Session *s : std::as_const(sessions)) {
                for (XmlElement e = expect(s); !e.isNull(); e = expect(s))
                    count += e.firstChildElement(u"query"_s, VersionNs).isNull() ? 0 : 1;
            }
            return count;
        };
        m_sink->clear();
        versions()->flush();
        QCOMPARE(asked(), ClientVersionProbeModule::MaxPerSlice);
        versions()->flush();
        QCOMPARE(asked(), 50);
        versions()->flush();
        QCOMPARE(asked(), 0);
    }

    void timelineRecordsEveryStepAndIsKeptAfterClose()
    {
        Session *laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        const quint64 id = laptop->id();
        inject(laptop, u"<presence><nick xmlns='http://jabber.org/protocol/nick'>Alice</nick></presence>"_s);
        QCOMPARE(laptop->snapshot().nickname, u"Alice"_s);
        inject(laptop, u"<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"_s);
        inject(laptop, u"<presence><show>dnd</show><status>In a meeting</status></presence>"_s);
        m_sessions->destroySession(laptop, StreamError::Condition::PolicyViolation, u"Go home"_s, u"administrator"_s);
        const SessionTimeline t = timelines()->timeline(id);
        QCOMPARE(kinds(t), (QStringList{u"connected"_s, u"authenticated"_s, u"bound"_s, u"initial presence"_s,
                                        u"roster"_s, u"presence"_s, u"closed"_s}));
        QCOMPARE(t.jid, u"alice@localhost/laptop"_s);
        QVERIFY(t.steps.at(1).detail.startsWith(u"PLAIN as alice, 0 failed attempts"_s));
        QCOMPARE(t.steps.at(2).detail, u"laptop (chosen by the server)"_s);
        QVERIFY(t.steps.at(5).detail.contains(u"dnd"_s) && t.steps.at(5).detail.contains(u"In a meeting"_s));
        QCOMPARE(t.steps.last().detail, u"by administrator: policy-violation \u2014 Go home"_s);
        for (qsizetype i = 1; i < t.steps.size(); ++i)
            QVERIFY(t.steps.at(i - 1).time <= t.steps.at(i).time);
        // By JID: the full JID and the bare one find it.
        QCOMPARE(timelines()->timelines(Jid::parse(u"alice@localhost/laptop"_s)).size(), 1);
        QCOMPARE(timelines()->timelines(Jid::parse(u"alice@localhost"_s)).size(), 1);
        QCOMPARE(timelines()->timelines(Jid::parse(u"bob@localhost"_s)).size(), 0);
    }

    void aReplacedSessionIsNamedInTheBindStep()
    {
        Session *first = m_make->bound(u"alice"_s, u"laptop"_s);
        const quint64 firstId = first->id();
        Session *second = m_make->bound(u"alice"_s, u"laptop"_s);   // kick-old, the default
        QVERIFY(first->isRetired());
        const SessionTimeline t = timelines()->timeline(second->id());
        QVERIFY2(t.steps.at(2).detail.contains(u"replaced session %1"_s.arg(firstId)), qPrintable(t.steps.at(2).detail));
        QVERIFY(timelines()->timeline(firstId).steps.last().detail.contains(u"conflict"_s));
    }

    void closedTimelinesAreKeptUpToTheLimit()
    {
        QList<quint64> ids;
        for (int i = 0; i < 5; ++i) {
            Session *s = m_make->bound(u"bob"_s, u"r%1"_s.arg(i));
            ids.append(s->id());
            m_sessions->destroySession(s);
        }
        QCOMPARE(timelines()->keptCount(), 3);   // timeline_keep_sessions
        QVERIFY(timelines()->timeline(ids.at(0)).isNull());
        QVERIFY(timelines()->timeline(ids.at(1)).isNull());
        QVERIFY(!timelines()->timeline(ids.at(4)).isNull());
        QCOMPARE(timelines()->timeline(ids.at(4)).steps.last().detail, u"by the server"_s);
    }
};

QTEST_GUILESS_MAIN(TestConsoleModules)
#include "tst_consolemodules.moc"
