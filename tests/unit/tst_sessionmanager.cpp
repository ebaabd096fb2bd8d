// SessionManager keeps the session model: indices by id, full and bare JID, the three
// nested sets (connected ⊇ available, connected ⊇ interested), the resource conflict policies,
// and one batched snapshot signal.
#include "net/Connection.h"
#include "session/SessionManager.h"

#include <QSignalSpy>
#include <QTest>

#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

class TestSessionManager : public QObject
{
    Q_OBJECT

private:
    // A real connected socket per session: one end of a socket pair, the other kept here.
    Connection *newConnection()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
            qFatal("socketpair failed");
        m_peers.append(fds[1]);
        return new Connection(fds[0]);
    }

    Session *boundSession(SessionManager &manager, const QString &user, const QString &resource)
    {
        Session *s = manager.createSession(newConnection(), false);
        s->setStreamOpened(u"localhost"_s);
        manager.authenticate(s, user, u"PLAIN"_s);
        QString r = resource;
        if (manager.bindResource(s, &r) != SessionManager::BindResult::Bound)
            return nullptr;
        return s;
    }

    XmlElement presence(int priority = 0)
    {
        XmlElement p(u"presence"_s, u"jabber:client"_s);
        p.appendTextElement(u"priority"_s, QString::number(priority), u"jabber:client"_s);
        return p;
    }

    QList<int> m_peers;

private Q_SLOTS:
    void cleanup()
    {
        for (int fd : std::as_const(m_peers))
            ::close(fd);
        m_peers.clear();
    }

    void typeFollowsTheSeed()
    {
        SessionManager manager;
        Session *s = manager.createSession(newConnection(), false);
        QVERIFY(s->notopen());
        QCOMPARE(s->type(), Session::Type::C2SUnauthed);
        QVERIFY(!s->isConnectedResource());
        s->setStreamOpened(u"localhost"_s);
        QVERIFY(!s->notopen());
        QCOMPARE(s->host(), u"localhost"_s);
        manager.authenticate(s, u"alice"_s, u"SCRAM-SHA-256"_s);
        QCOMPARE(s->type(), Session::Type::C2SUnbound);
        QCOMPARE(s->username(), u"alice"_s);
        QVERIFY(s->resource().isEmpty());
        QString resource = u"desk"_s;
        QCOMPARE(manager.bindResource(s, &resource), SessionManager::BindResult::Bound);
        QCOMPARE(s->type(), Session::Type::C2S);
        QCOMPARE(s->fullJid().toString(), u"alice@localhost/desk"_s);
        QVERIFY(s->isConnectedResource());
        QCOMPARE(s->priority(), 0);
        QVERIFY(s->presence().isNull());
        QVERIFY(!s->interested());
    }

    void indicesByFullAndBareJid()
    {
        SessionManager manager;
        Session *a1 = boundSession(manager, u"alice"_s, u"one"_s);
        Session *a2 = boundSession(manager, u"alice"_s, u"two"_s);
        Session *b = boundSession(manager, u"bob"_s, u"one"_s);
        QCOMPARE(manager.sessionByFullJid(Jid::parse(u"alice@localhost/two")), a2);
        QCOMPARE(manager.sessionsOfUser(Jid::parse(u"alice@localhost")), (QList<Session *>{a1, a2}));
        QCOMPARE(manager.sessionsOfUser(Jid::parse(u"bob@localhost")), QList<Session *>{b});
        QCOMPARE(manager.session(b->id()), b);
        QCOMPARE(manager.connectedResourceCount(), 3);
        manager.destroySession(a1);
        QCOMPARE(manager.sessionsOfUser(Jid::parse(u"alice@localhost")), QList<Session *>{a2});
        QVERIFY(!manager.sessionByFullJid(Jid::parse(u"alice@localhost/one")));
        QVERIFY(!manager.session(a1->id()));
        QVERIFY(a1->isRetired());
    }

    void availableAndInterestedAreSubsetsOfConnected()
    {
        SessionManager manager;
        Session *a = boundSession(manager, u"alice"_s, u"one"_s);
        Session *b = boundSession(manager, u"alice"_s, u"two"_s);
        int presenceChanges = 0;
        manager.hook(SessionManager::Event::PresenceChanged, [&](Session *) { ++presenceChanges; });
        a->setPresence(presence(5));
        b->setInterested(true);
        QCOMPARE(manager.availableResources(), QSet<Session *>{a});
        QCOMPARE(manager.interestedResources(), QSet<Session *>{b});
        QCOMPARE(manager.availableResourcesOfUser(Jid::parse(u"alice@localhost")), QList<Session *>{a});
        QCOMPARE(manager.interestedResourcesOfUser(Jid::parse(u"alice@localhost")), QList<Session *>{b});
        QCOMPARE(presenceChanges, 1);
        // Seed: presence is reset to nil on unavailable presence.
        a->setPresence(XmlElement());
        QVERIFY(manager.availableResources().isEmpty());
        QCOMPARE(presenceChanges, 2);
        a->setPresence(presence());
        manager.destroySession(a);
        manager.destroySession(b);
        QVERIFY(manager.availableResources().isEmpty());
        QVERIFY(manager.interestedResources().isEmpty());
    }

    void destroyHooksRunWhileTheSessionIsStillIndexed()
    {
        SessionManager manager;
        Session *a = boundSession(manager, u"alice"_s, u"one"_s);
        a->setPresence(presence());
        bool sawItIndexed = false;
        bool sawItAvailable = false;
        manager.hook(SessionManager::Event::Closed, [&](Session *s) {
            sawItIndexed = manager.sessionByFullJid(s->fullJid()) == s;
            sawItAvailable = s->isAvailable();
        });
        manager.destroySession(a, StreamError::Condition::PolicyViolation, u"bye"_s);
        QVERIFY(sawItIndexed);
        QVERIFY(sawItAvailable);
        manager.destroySession(a);   // twice is harmless
    }

    void conflictPolicies_data()
    {
        QTest::addColumn<ServerConfig::ResourceConflict>("policy");
        QTest::newRow("kick_old") << ServerConfig::ResourceConflict::KickOld;
        QTest::newRow("kick_new") << ServerConfig::ResourceConflict::KickNew;
        QTest::newRow("random") << ServerConfig::ResourceConflict::Random;
    }

    void conflictPolicies()
    {
        QFETCH(ServerConfig::ResourceConflict, policy);
        SessionManager manager;
        manager.setResourceConflictPolicy(policy);
        Session *first = boundSession(manager, u"carol"_s, u"phone"_s);
        Session *second = manager.createSession(newConnection(), false);
        second->setStreamOpened(u"localhost"_s);
        manager.authenticate(second, u"carol"_s, u"PLAIN"_s);
        QString resource = u"phone"_s;
        const auto result = manager.bindResource(second, &resource);
        const Jid phone = Jid::parse(u"carol@localhost/phone");
        switch (policy) {
        case ServerConfig::ResourceConflict::KickOld:
            QCOMPARE(result, SessionManager::BindResult::Bound);
            QVERIFY(first->isRetired());
            QCOMPARE(manager.sessionByFullJid(phone), second);
            break;
        case ServerConfig::ResourceConflict::KickNew:
            QCOMPARE(result, SessionManager::BindResult::Conflict);
            QVERIFY(!first->isRetired());
            QCOMPARE(manager.sessionByFullJid(phone), first);
            QVERIFY(!second->isConnectedResource());
            break;
        case ServerConfig::ResourceConflict::Random:
            QCOMPARE(result, SessionManager::BindResult::Bound);
            QVERIFY(!first->isRetired());
            QVERIFY(resource != u"phone");
            QCOMPARE(manager.sessionByFullJid(phone), first);
            QCOMPARE(manager.sessionByFullJid(phone.withResource(resource)), second);
            break;
        }
    }

    void changesArriveInOneBatch()
    {
        SessionManager manager;
        QSignalSpy spy(&manager, &SessionManager::sessionsUpdated);
        Session *a = boundSession(manager, u"alice"_s, u"one"_s);
        Session *b = boundSession(manager, u"bob"_s, u"one"_s);
        a->setPresence(presence(3));
        b->setInterested(true);
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 1, 2000);
        const auto changed = spy.at(0).at(0).value<QList<SessionSnapshot>>();
        QCOMPARE(changed.size(), 2);
        for (const SessionSnapshot &s : changed) {
            if (s.id == a->id()) {
                QVERIFY(s.available);
                QCOMPARE(s.priority, 0);   // priority is the presence feature's to set
                QCOMPARE(s.fullJid, u"alice@localhost/one"_s);
                QCOMPARE(s.type, SessionSnapshot::Type::Bound);
            } else {
                QCOMPARE(s.id, b->id());
                QVERIFY(s.interested);
            }
        }
        const quint64 gone = a->id();
        manager.destroySession(a);
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 2, 2000);
        QCOMPARE(spy.at(1).at(1).value<QList<quint64>>(), QList<quint64>{gone});
    }

    void retiredSessionsDropSends()
    {
        SessionManager manager;
        Session *a = boundSession(manager, u"alice"_s, u"one"_s);
        manager.destroySession(a);
        a->send(XmlElement(u"message"_s, u"jabber:client"_s));   // must not crash or count
        QCOMPARE(a->snapshot().stanzasOut, 0u);
    }

    void hibernationKeepsTheSessionIndexedWithoutAConnection()
    {
        SessionManager manager;
        QList<Session *> hibernated, resumed, closed;
        manager.hook(SessionManager::Event::Hibernated, [&](Session *s) { hibernated.append(s); });
        manager.hook(SessionManager::Event::Resumed, [&](Session *s) { resumed.append(s); });
        manager.hook(SessionManager::Event::Closed, [&](Session *s) { closed.append(s); });
        Session *phone = boundSession(manager, u"alice"_s, u"phone"_s);
        QVERIFY(phone);
        phone->setPresence(presence(0));
        phone->setInterested(true);

        // Not eligible without a resume timeout.
        QVERIFY(!manager.hibernate(phone));
        QVERIFY(phone->conn());
        phone->setResumeTimeout(60);
        QVERIFY(manager.hibernate(phone));
        QVERIFY(!manager.hibernate(phone));   // once
        QCOMPARE(hibernated, QList<Session *>{phone});
        QVERIFY(phone->isHibernating());
        QVERIFY(!phone->conn());
        QVERIFY(!phone->isRetired());
        QVERIFY(phone->hibernatingUntil() > QDateTime::currentDateTimeUtc().addSecs(50));
        QCOMPARE(manager.hibernatingCount(), 1);
        const Jid full = Jid::parse(u"alice@localhost/phone"_s);
        QCOMPARE(manager.sessionByFullJid(full), phone);
        QVERIFY(manager.availableResources().contains(phone));
        QVERIFY(manager.interestedResources().contains(phone));
        QVERIFY(phone->snapshot().hibernating);
        phone->send(presence(0));   // dropped: nowhere to write, no crash

        // Another user's stream cannot take it over; the same user's can.
        Session *bob = manager.createSession(newConnection(), false);
        manager.authenticate(bob, u"bob"_s, u"PLAIN"_s);
        QVERIFY(!manager.reattach(phone, bob));
        Session *fresh = manager.createSession(newConnection(), false);
        manager.authenticate(fresh, u"alice"_s, u"PLAIN"_s);
        const quint64 freshId = fresh->id();
        QVERIFY(manager.reattach(phone, fresh));
        QCOMPARE(resumed, QList<Session *>{phone});
        QVERIFY(closed.isEmpty());   // neither the fresh one nor the resumed one ran Closed
        QVERIFY(fresh->isRetired());
        QVERIFY(!manager.session(freshId));
        QVERIFY(phone->conn());
        QVERIFY(!phone->isHibernating());
        QCOMPARE(manager.hibernatingCount(), 0);
        QCOMPARE(manager.sessionByFullJid(full), phone);

        // Hibernating again, then ended (an expiry or a kick): an ordinary destroy.
        QVERIFY(manager.hibernate(phone));
        manager.destroySession(phone);
        QCOMPARE(closed, QList<Session *>{phone});
        QCOMPARE(manager.hibernatingCount(), 0);
        QVERIFY(!manager.sessionByFullJid(full));
        QVERIFY(manager.availableResources().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestSessionManager)
#include "tst_sessionmanager.moc"
