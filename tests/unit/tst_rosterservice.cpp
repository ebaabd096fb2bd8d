#include "modules/RosterService.h"
#include "routing/StanzaRouter.h"
#include "session/SessionManager.h"
#include "storage/Database.h"
#include "storage/RosterStore.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using SubscriptionState::State;
using SubscriptionState::Type;

// The subscription engine over both local sides, without sockets: every step must leave the
// two rosters (and the stored requests) in the states Appendix A gives, in storage and in the
// shared in-memory rosters alike.
class TestRosterService : public QObject
{
    Q_OBJECT

private:
    Jid alice = Jid::parse(u"alice@localhost");
    Jid bob = Jid::parse(u"bob@localhost");
    Jid ghost = Jid::parse(u"ghost@localhost");

    // The stored state of owner's item for contact (pending-in from the request table).
    QString stored(const Jid &owner, const Jid &contact)
    {
        RosterStore store(m_db.get());
        const bool request = store.pendingRequest(owner.node(), contact).has_value();
        const auto snapshot = store.load(owner.node());
        for (const RosterStore::Item &item : snapshot->items) {
            if (item.jid == contact) {
                if (item.pendingIn != request)
                    return u"inconsistent pending-in"_s;
                RosterItem r;
                r.subscription = RosterItem::subscriptionFromName(item.subscription);
                r.pendingOut = item.pendingOut;
                r.pendingIn = item.pendingIn;
                return SubscriptionState::stateName(SubscriptionState::ofItem(r));
            }
        }
        return SubscriptionState::stateName(SubscriptionState::fromParts(false, false, false, request));
    }

    // The same from the shared in-memory roster.
    QString inMemory(const Jid &owner, const Jid &contact)
    {
        const auto roster = m_service->roster(owner.node());
        const auto it = roster->items.constFind(contact);
        if (it == roster->items.constEnd())
            return u"no item"_s;
        return SubscriptionState::stateName(SubscriptionState::ofItem(*it));
    }

    void send(const Jid &from, const Jid &to, Type type)
    {
        XmlElement presence(u"presence"_s);
        presence.setAttribute(u"type"_s, SubscriptionState::typeName(type));
        QCOMPARE(m_service->processSubscription(from, to, type, presence), RosterService::Result::Done);
    }

    void befriend()
    {
        send(alice, bob, Type::Subscribe);
        send(bob, alice, Type::Subscribed);
        send(bob, alice, Type::Subscribe);
        send(alice, bob, Type::Subscribed);
    }

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_db = std::make_unique<Database>();
        QString error;
        QVERIFY2(m_db->open(m_dir->path(), &error), qPrintable(error));
        for (const QString &user : {u"alice"_s, u"bob"_s}) {
            QSqlQuery q(m_db->connection());
            q.prepare(u"INSERT INTO accounts (username, created) VALUES (:u, '2024-01-01T00:00:00Z')"_s);
            q.bindValue(u":u"_s, user);
            QVERIFY(q.exec());
        }
        m_store = std::make_unique<RosterStore>(m_db.get());
        m_sessions = std::make_unique<SessionManager>();
        m_router = std::make_unique<StanzaRouter>(m_sessions.get(), u"localhost"_s);
        m_service = std::make_unique<RosterService>(*m_router, m_store.get(), [](const QString &user) {
            return user == u"alice" || user == u"bob";
        });
        // Hold alice's roster as a session would, to check the shared copy follows the database.
        m_aliceRoster = m_service->roster(u"alice"_s);
    }

    void cleanup()
    {
        m_aliceRoster.reset();
        m_service.reset();
        m_router.reset();
        m_sessions.reset();
        m_store.reset();
        m_db.reset();
        m_dir.reset();
    }

    void handshake()
    {
        send(alice, bob, Type::Subscribe);
        QCOMPARE(stored(alice, bob), u"None + Pending Out"_s);
        QCOMPARE(stored(bob, alice), u"None + Pending In"_s);
        QCOMPARE(inMemory(alice, bob), u"None + Pending Out"_s);
        QCOMPARE(m_store->pendingRequests(u"bob"_s).size(), 1);
        QVERIFY(m_store->pendingRequests(u"bob"_s).first().stanza.contains(u"from=\"alice@localhost\""_s));

        send(bob, alice, Type::Subscribed);
        QCOMPARE(stored(alice, bob), u"To"_s);
        QCOMPARE(stored(bob, alice), u"From"_s);
        QVERIFY(m_store->pendingRequests(u"bob"_s).isEmpty());

        send(bob, alice, Type::Subscribe);
        QCOMPARE(stored(alice, bob), u"To + Pending In"_s);
        QCOMPARE(stored(bob, alice), u"From + Pending Out"_s);
        QCOMPARE(inMemory(alice, bob), u"To + Pending In"_s);

        send(alice, bob, Type::Subscribed);
        QCOMPARE(stored(alice, bob), u"Both"_s);
        QCOMPARE(stored(bob, alice), u"Both"_s);
        QCOMPARE(inMemory(alice, bob), u"Both"_s);
        // Alice's visible changes: ask, to, both (the pending-in alone is not a version).
        QCOMPARE(m_store->version(u"alice"_s), 3);
        QCOMPARE(m_aliceRoster->version, 3);
    }

    void cancellations_data()
    {
        QTest::addColumn<bool>("aliceSends");
        QTest::addColumn<int>("type");
        QTest::addColumn<QString>("alice");
        QTest::addColumn<QString>("bob");
        QTest::newRow("alice unsubscribes") << true << int(Type::Unsubscribe) << u"From"_s << u"To"_s;
        QTest::newRow("alice unsubscribed") << true << int(Type::Unsubscribed) << u"To"_s << u"From"_s;
        QTest::newRow("bob unsubscribes") << false << int(Type::Unsubscribe) << u"To"_s << u"From"_s;
        QTest::newRow("bob unsubscribed") << false << int(Type::Unsubscribed) << u"From"_s << u"To"_s;
    }

    void cancellations()
    {
        QFETCH(bool, aliceSends);
        QFETCH(int, type);
        QFETCH(QString, alice);
        QFETCH(QString, bob);
        befriend();
        if (aliceSends)
            send(this->alice, this->bob, Type(type));
        else
            send(this->bob, this->alice, Type(type));
        QCOMPARE(stored(this->alice, this->bob), alice);
        QCOMPARE(stored(this->bob, this->alice), bob);
        QCOMPARE(inMemory(this->alice, this->bob), alice);
    }

    // §2.5.2: removal cancels both ways, from any state.
    void removal_data()
    {
        QTest::addColumn<int>("steps");   // how far into the handshake
        QTest::addColumn<QString>("bobAfter");
        QTest::newRow("None + Pending Out") << 1 << u"None"_s;
        QTest::newRow("To") << 2 << u"None"_s;
        QTest::newRow("To + Pending In") << 3 << u"None"_s;
        QTest::newRow("Both") << 4 << u"None"_s;
    }

    void removal()
    {
        QFETCH(int, steps);
        QFETCH(QString, bobAfter);
        const QList<std::tuple<Jid, Jid, Type>> handshake{
            {alice, bob, Type::Subscribe}, {bob, alice, Type::Subscribed},
            {bob, alice, Type::Subscribe}, {alice, bob, Type::Subscribed}};
        for (int i = 0; i < steps; ++i)
            send(std::get<0>(handshake[i]), std::get<1>(handshake[i]), std::get<2>(handshake[i]));
        QCOMPARE(m_service->removeItem(alice, bob), RosterService::Result::Done);
        QCOMPARE(stored(alice, bob), u"None"_s);
        QCOMPARE(inMemory(alice, bob), u"no item"_s);
        QCOMPARE(stored(bob, alice), bobAfter);
        QVERIFY(m_store->pendingRequests(u"alice"_s).isEmpty());
        QVERIFY(m_store->pendingRequests(u"bob"_s).isEmpty());
        QCOMPARE(m_service->removeItem(alice, bob), RosterService::Result::ItemNotFound);
    }

    // A.3.1 "no *": the contact's server answers for a contact already subscribed to.
    void autoReplyWhenOutOfSync()
    {
        RosterStore::Item bobsView;
        bobsView.jid = alice;
        bobsView.subscription = u"from"_s;
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"bob"_s, bobsView)};
        QVERIFY(m_store->apply(writes));
        send(alice, bob, Type::Subscribe);
        QCOMPARE(stored(alice, bob), u"To"_s);
        QCOMPARE(stored(bob, alice), u"From"_s);
        QVERIFY(m_store->pendingRequests(u"bob"_s).isEmpty());
    }

    void unknownContactIsRefused()
    {
        send(alice, ghost, Type::Subscribe);
        QCOMPARE(stored(alice, ghost), u"None"_s);
        QCOMPARE(inMemory(alice, ghost), u"None"_s);
    }

    void unansweredRequestsDoNothing()
    {
        // Nothing pending: subscribed and unsubscribed are not routed and change nothing.
        send(bob, alice, Type::Subscribed);
        send(bob, alice, Type::Unsubscribed);
        QCOMPARE(stored(alice, bob), u"None"_s);
        QCOMPARE(stored(bob, alice), u"None"_s);
        QCOMPARE(m_store->version(u"alice"_s), 0);
        QCOMPARE(m_store->version(u"bob"_s), 0);
    }

    void setItemKeepsSubscription()
    {
        befriend();
        QCOMPARE(m_service->setItem(alice, bob, u"Bobby"_s, {u"Work"_s}), RosterService::Result::Done);
        QCOMPARE(stored(alice, bob), u"Both"_s);
        QCOMPARE(m_aliceRoster->items.value(bob).name, u"Bobby"_s);
        QCOMPARE(m_aliceRoster->items.value(bob).groups, QStringList{u"Work"_s});
        const auto changes = m_store->changesSince(u"alice"_s, 3);
        QVERIFY(changes);
        QCOMPARE(changes->size(), 1);
        QCOMPARE(changes->first().item.name, u"Bobby"_s);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<RosterStore> m_store;
    std::unique_ptr<SessionManager> m_sessions;
    std::unique_ptr<StanzaRouter> m_router;
    std::unique_ptr<RosterService> m_service;
    std::shared_ptr<Roster> m_aliceRoster;
};

QTEST_GUILESS_MAIN(TestRosterService)
#include "tst_rosterservice.moc"
