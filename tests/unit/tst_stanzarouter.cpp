#include "RecordingSink.h"
#include "routing/StanzaRouter.h"
#include "session/SessionManager.h"
#include "TestSessions.h"

#include <QTest>

using namespace Qt::StringLiterals;

// The router's dispatch order (pre, iq payload, incoming, default), priorities, drop and
// rewrite, and the delivery filters, through the recording sink: no sockets read.
class TestStanzaRouter : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<SessionManager> m_sessions;
    std::unique_ptr<StanzaRouter> m_router;
    std::unique_ptr<RecordingSink> m_sink;
    std::unique_ptr<TestSessions> m_make;

private Q_SLOTS:
    void init()
    {
        m_sessions = std::make_unique<SessionManager>();
        m_router = std::make_unique<StanzaRouter>(m_sessions.get(), u"localhost"_s);
        m_sink = std::make_unique<RecordingSink>(*m_router);
        m_make = std::make_unique<TestSessions>(*m_sessions);
    }

    void cleanup()
    {
        m_sink.reset();
        m_router.reset();
        m_make.reset();
        m_sessions.reset();
    }

    void eventNames()
    {
        QCOMPARE(Event::incoming(Kind::Message, Target::Bare).name(), u"message/bare"_s);
        QCOMPARE(Event::pre(Kind::Presence, Target::Full).name(), u"pre-presence/full"_s);
        QCOMPARE(Event::incoming(Kind::Presence, Target::Broadcast).name(), u"presence/broadcast"_s);
        // Every event has its own slot.
        QSet<int> indices;
        for (auto phase : {Event::Phase::Pre, Event::Phase::Incoming})
            for (int k = 0; k < Event::KindCount; ++k)
                for (int t = 0; t < Event::TargetCount; ++t)
                    indices.insert(Event{phase, Kind(k), Target(t)}.index());
        QCOMPARE(indices.size(), Event::Count);
    }

    void dispatchOrderPreThenIqThenIncoming()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QStringList order;
        auto note = [&order](const QString &name, bool stop) {
            return [&order, name, stop](StanzaEvent &) {
                order.append(name);
                return stop;
            };
        };
        m_router->hook(Event::incoming(Kind::Iq, Target::Host), note(u"incoming"_s, false));
        m_router->hookIq(false, Target::Host, u"urn:test"_s, u"q"_s, note(u"iq"_s, false));
        m_router->hook(Event::pre(Kind::Iq, Target::Host), note(u"pre-low"_s, false), -5);
        m_router->hook(Event::pre(Kind::Iq, Target::Host), note(u"pre-high"_s, false), 5);
        m_sink->inject(alice, u"<iq type='get' id='1' to='localhost'><q xmlns='urn:test'/></iq>"_s);
        QCOMPARE(order, (QStringList{u"pre-high"_s, u"pre-low"_s, u"iq"_s, u"incoming"_s}));
        // Nobody handled it: the default answer.
        const XmlElement error = m_sink->expect(alice);
        QCOMPARE(error.attribute(u"type"_s), u"error"_s);
        QVERIFY(error.firstChildElement(u"error"_s).hasChildElement(u"service-unavailable"_s,
                                                                       u"urn:ietf:params:xml:ns:xmpp-stanzas"_s));
    }

    void preHandlerDropsAndRewrites()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        m_router->hook(Event::incoming(Kind::Message, Target::Full), [this](StanzaEvent &event) {
            m_router->deliverToFullJid(event.to, event.stanza);
            return true;
        });
        m_router->hook(Event::pre(Kind::Message, Target::Full), [](StanzaEvent &event) {
            if (event.stanza.childText(u"body"_s) == u"drop")
                return true;
            event.stanza.appendTextElement(u"subject"_s, u"rewritten"_s);
            return false;
        });
        m_sink->inject(alice, u"<message to='bob@localhost/b'><body>drop</body></message>"_s);
        QCOMPARE(m_sink->pending(bob), 0);
        m_sink->inject(alice, u"<message to='bob@localhost/b'><body>keep</body></message>"_s);
        const XmlElement got = m_sink->expect(bob);
        QCOMPARE(got.childText(u"body"_s), u"keep"_s);
        QCOMPARE(got.childText(u"subject"_s), u"rewritten"_s);
        QCOMPARE(got.attribute(u"from"_s), u"alice@localhost/a"_s);   // stamped by the router
    }

    void firstHandlerToReturnTrueStops()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QStringList order;
        m_router->hook(Event::incoming(Kind::Message, Target::Self), [&](StanzaEvent &) { order << u"b"_s; return true; });
        m_router->hook(Event::incoming(Kind::Message, Target::Self), [&](StanzaEvent &) { order << u"a"_s; return false; }, 10);
        m_router->hook(Event::incoming(Kind::Message, Target::Self), [&](StanzaEvent &) { order << u"c"_s; return true; }, -10);
        m_sink->inject(alice, u"<message><body>x</body></message>"_s);
        QCOMPARE(order, (QStringList{u"a"_s, u"b"_s}));
    }

    void selfFallsBackToBare()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Target seen = Target::Host;
        m_router->hook(Event::incoming(Kind::Message, Target::Bare), [&](StanzaEvent &event) {
            seen = event.target;
            return true;
        });
        m_sink->inject(alice, u"<message to='alice@localhost'><body>x</body></message>"_s);
        QCOMPARE(seen, Target::Self);
    }

    void deliveryFiltersRunInPriorityOrderAndMayDropOrRewrite()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QStringList order;
        m_router->addDeliveryFilter([&](Delivery &d) {
            order << u"low"_s;
            d.stanza.setAttribute(u"id"_s, u"low"_s);
            return false;
        }, -1);
        m_router->addDeliveryFilter([&](Delivery &d) {
            order << u"high"_s;
            return d.stanza.attribute(u"type"_s) == u"blocked";
        }, 1);
        XmlElement message(u"message"_s);
        message.setAttribute(u"type"_s, u"blocked"_s);
        m_router->deliver(alice, message);
        QCOMPARE(order, QStringList{u"high"_s});
        QCOMPARE(m_sink->pending(alice), 0);

        order.clear();
        message.setAttribute(u"type"_s, u"chat"_s);
        m_router->deliver(alice, message);
        QCOMPARE(order, (QStringList{u"high"_s, u"low"_s}));
        QCOMPARE(m_sink->expect(alice).attribute(u"id"_s), u"low"_s);
    }

    void bouncesAndRepliesGoThroughDelivery()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        int filtered = 0;
        m_router->addDeliveryFilter([&](Delivery &) {
            ++filtered;
            return false;
        });
        // Another domain: remote-server-not-found, as a delivered error.
        m_sink->inject(alice, u"<message to='bob@elsewhere.example'><body>x</body></message>"_s);
        QCOMPARE(filtered, 1);
        const XmlElement error = m_sink->expect(alice);
        QVERIFY(error.firstChildElement(u"error"_s).hasChildElement(u"remote-server-not-found"_s,
                                                                       u"urn:ietf:params:xml:ns:xmpp-stanzas"_s));
        // An error is never answered with an error (RFC 6120 §8.3.1).
        m_sink->inject(alice, u"<message type='error' to='bob@elsewhere.example'/>"_s);
        QCOMPARE(m_sink->pending(alice), 0);
    }

    void postRunsTheSameEventsForTheServersOwnStanzas()
    {
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        int pre = 0;
        m_router->hook(Event::pre(Kind::Message, Target::Full), [&](StanzaEvent &event) {
            ++pre;
            return event.origin != nullptr;   // only the server's own get through
        });
        m_router->hook(Event::incoming(Kind::Message, Target::Full), [this](StanzaEvent &event) {
            return m_router->deliverToFullJid(event.to, event.stanza);
        });
        XmlElement notice(u"message"_s);
        notice.setAttribute(u"from"_s, u"localhost"_s);
        notice.setAttribute(u"to"_s, u"bob@localhost/b"_s);
        m_router->post(notice);
        QCOMPARE(pre, 1);
        QCOMPARE(m_sink->expect(bob).attribute(u"from"_s), u"localhost"_s);
    }

    void iqToConnectedFullJidIsPassedOn()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        m_sink->inject(alice, u"<iq type='get' id='v1' to='bob@localhost/b'><query xmlns='jabber:iq:version'/></iq>"_s);
        QCOMPARE(m_sink->expect(bob).attribute(u"id"_s), u"v1"_s);
        // A malformed iq (no id) is bad-request.
        m_sink->inject(alice, u"<iq type='get' to='localhost'><query xmlns='jabber:iq:version'/></iq>"_s);
        QVERIFY(m_sink->expect(alice).firstChildElement(u"error"_s).hasChildElement(
            u"bad-request"_s, u"urn:ietf:params:xml:ns:xmpp-stanzas"_s));
    }
};

QTEST_GUILESS_MAIN(TestStanzaRouter)
#include "tst_stanzarouter.moc"
