#include "storage/Database.h"
#include "storage/RosterStore.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QVariant>

#include <memory>

using namespace Qt::StringLiterals;

namespace {
Jid jid(const char *text)
{
    return Jid::parse(QString::fromUtf8(text));
}

RosterStore::Item item(const char *contact, const QString &subscription = u"none"_s, bool ask = false)
{
    RosterStore::Item i;
    i.jid = jid(contact);
    i.subscription = subscription;
    i.pendingOut = ask;
    return i;
}

const RosterStore::Item *find(const RosterStore::Snapshot &snapshot, const Jid &contact)
{
    for (const RosterStore::Item &i : snapshot.items) {
        if (i.jid == contact)
            return &i;
    }
    return nullptr;
}
} // namespace

class TestRosterStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        m_dir = std::make_unique<QTemporaryDir>();
        QVERIFY(m_dir->isValid());
        m_db = std::make_unique<Database>();
        QString error;
        QVERIFY2(m_db->open(m_dir->path(), &error), qPrintable(error));
        // The stores hang off accounts (foreign keys): two users, written as the schema wants.
        for (const QString &user : {u"alice"_s, u"bob"_s}) {
            QSqlQuery q(m_db->connection());
            q.prepare(u"INSERT INTO accounts (username, created) VALUES (:u, '2024-01-01T00:00:00Z')"_s);
            q.bindValue(u":u"_s, user);
            QVERIFY(q.exec());
        }
        m_store = std::make_unique<RosterStore>(m_db.get());
    }

    void cleanup()
    {
        m_store.reset();
        m_db.reset();
        m_dir.reset();
    }

    void emptyRoster()
    {
        const auto snapshot = m_store->load(u"alice"_s);
        QVERIFY(snapshot);
        QVERIFY(snapshot->items.isEmpty());
        QCOMPARE(snapshot->version, 0);
        QCOMPARE(m_store->version(u"alice"_s), 0);
        QVERIFY(m_store->pendingRequests(u"alice"_s).isEmpty());
    }

    void itemRoundTrip()
    {
        RosterStore::Item i = item("bob@localhost", u"both"_s, false);
        i.name = u"Bob \"the builder\" <b>"_s;
        i.groups = {u"Friends"_s, u"Wörk"_s, u"a,b"_s};
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"alice"_s, i)};
        QString error;
        QVERIFY2(m_store->apply(writes, &error), qPrintable(error));
        QCOMPARE(writes[0].version, 1);

        const auto snapshot = m_store->load(u"alice"_s);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->version, 1);
        QCOMPARE(snapshot->items.size(), 1);
        QVERIFY(snapshot->items.first() == i);
        // Another user's roster is separate.
        QVERIFY(m_store->load(u"bob"_s)->items.isEmpty());
    }

    void versionsBumpOnVisibleChangesOnly()
    {
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"alice"_s, item("bob@localhost")),
                                         RosterStore::Write::putItem(u"alice"_s, item("carol@localhost"))};
        QVERIFY(m_store->apply(writes));
        QCOMPARE(writes[0].version, 1);
        QCOMPARE(writes[1].version, 2);

        // Only the pending-in flag: stored, but clients see nothing new.
        RosterStore::Item hidden = item("bob@localhost");
        hidden.pendingIn = true;
        QList<RosterStore::Write> quiet{RosterStore::Write::putItem(u"alice"_s, hidden, false)};
        QVERIFY(m_store->apply(quiet));
        QCOMPARE(m_store->version(u"alice"_s), 2);
        QVERIFY(find(*m_store->load(u"alice"_s), jid("bob@localhost"))->pendingIn);
        const auto changes = m_store->changesSince(u"alice"_s, 1);
        QVERIFY(changes);
        QCOMPARE(changes->size(), 1);
        QCOMPARE(changes->first().item.jid, jid("carol@localhost"));
    }

    void changesSinceWithRemovals()
    {
        QList<RosterStore::Write> add{RosterStore::Write::putItem(u"alice"_s, item("bob@localhost")),
                                      RosterStore::Write::putItem(u"alice"_s, item("carol@localhost")),
                                      RosterStore::Write::putItem(u"alice"_s, item("dave@localhost"))};
        QVERIFY(m_store->apply(add));   // versions 1, 2, 3
        QList<RosterStore::Write> change{RosterStore::Write::removeItem(u"alice"_s, jid("carol@localhost")),
                                         RosterStore::Write::putItem(u"alice"_s, item("bob@localhost", u"to"_s))};
        QVERIFY(m_store->apply(change));   // 4, 5
        QCOMPARE(change[0].version, 4);
        QCOMPARE(change[1].version, 5);

        const auto since3 = m_store->changesSince(u"alice"_s, 3);
        QVERIFY(since3);
        QCOMPARE(since3->size(), 2);
        QCOMPARE(since3->at(0).item.jid, jid("carol@localhost"));
        QVERIFY(since3->at(0).removed);
        QCOMPARE(since3->at(0).version, 4);
        QCOMPARE(since3->at(1).item.jid, jid("bob@localhost"));
        QCOMPARE(since3->at(1).item.subscription, u"to"_s);
        QCOMPARE(since3->at(1).version, 5);

        QCOMPARE(m_store->changesSince(u"alice"_s, 5)->size(), 0);
        QCOMPARE(m_store->changesSince(u"alice"_s, 0)->size(), 3);   // bob, dave, carol's removal
        QVERIFY(!m_store->changesSince(u"alice"_s, 6));               // a version we never had
        QVERIFY(!m_store->changesSince(u"alice"_s, -1));

        // Re-adding clears the tombstone: the item shows as present.
        QList<RosterStore::Write> readd{RosterStore::Write::putItem(u"alice"_s, item("carol@localhost"))};
        QVERIFY(m_store->apply(readd));
        const auto since3again = m_store->changesSince(u"alice"_s, 3);
        QCOMPARE(since3again->size(), 2);
        QVERIFY(!since3again->last().removed);
        QCOMPARE(since3again->last().item.jid, jid("carol@localhost"));
        QCOMPARE(m_store->load(u"alice"_s)->items.size(), 3);
    }

    void pendingRequests()
    {
        const QString stanza = u"<presence type=\"subscribe\" from=\"bob@localhost\" to=\"alice@localhost\"/>"_s;
        QList<RosterStore::Write> put{RosterStore::Write::putRequest(u"alice"_s, jid("bob@localhost"), stanza)};
        QVERIFY(m_store->apply(put));
        QCOMPARE(m_store->version(u"alice"_s), 0);   // not part of the roster
        const auto requests = m_store->pendingRequests(u"alice"_s);
        QCOMPARE(requests.size(), 1);
        QCOMPARE(requests.first().contact, jid("bob@localhost"));
        QCOMPARE(requests.first().stanza, stanza);
        QVERIFY(requests.first().received.isValid());
        QVERIFY(m_store->pendingRequest(u"alice"_s, jid("bob@localhost")));
        QVERIFY(!m_store->pendingRequest(u"bob"_s, jid("alice@localhost")));

        // With an item, the item's pending-in flag follows the request.
        QList<RosterStore::Write> add{RosterStore::Write::putItem(u"alice"_s, item("bob@localhost"))};
        QVERIFY(m_store->apply(add));
        QList<RosterStore::Write> again{RosterStore::Write::putRequest(u"alice"_s, jid("bob@localhost"), stanza)};
        QVERIFY(m_store->apply(again));
        QVERIFY(find(*m_store->load(u"alice"_s), jid("bob@localhost"))->pendingIn);
        QList<RosterStore::Write> drop{RosterStore::Write::removeRequest(u"alice"_s, jid("bob@localhost"))};
        QVERIFY(m_store->apply(drop));
        QVERIFY(m_store->pendingRequests(u"alice"_s).isEmpty());
        QVERIFY(!find(*m_store->load(u"alice"_s), jid("bob@localhost"))->pendingIn);
    }

    // Both sides of a subscription change go in one transaction: a failing write (an unknown
    // owner breaks the foreign key) leaves nothing behind.
    void allOrNothing()
    {
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"alice"_s, item("bob@localhost", u"to"_s)),
                                         RosterStore::Write::putItem(u"nobody"_s, item("alice@localhost", u"from"_s))};
        QString error;
        QVERIFY(!m_store->apply(writes, &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(m_store->load(u"alice"_s)->items.isEmpty());
        QCOMPARE(m_store->version(u"alice"_s), 0);
    }

    void survivesReopen()
    {
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"alice"_s, item("bob@localhost", u"from"_s, true))};
        QVERIFY(m_store->apply(writes));
        m_store.reset();
        m_db->close();
        QString error;
        QVERIFY2(m_db->open(m_dir->path(), &error), qPrintable(error));
        RosterStore reopened(m_db.get());
        const auto snapshot = reopened.load(u"alice"_s);
        QVERIFY(snapshot);
        QCOMPARE(snapshot->version, 1);
        QCOMPARE(snapshot->items.size(), 1);
        QCOMPARE(snapshot->items.first().subscription, u"from"_s);
        QVERIFY(snapshot->items.first().pendingOut);
    }

    void deletedAccountTakesItsRoster()
    {
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"bob"_s, item("alice@localhost", u"both"_s)),
                                         RosterStore::Write::putRequest(u"bob"_s, jid("carol@localhost"), u"<presence/>"_s)};
        QVERIFY(m_store->apply(writes));
        QSqlQuery q(m_db->connection());
        QVERIFY(q.exec(u"DELETE FROM accounts WHERE username = 'bob'"_s));
        QVERIFY(m_store->load(u"bob"_s)->items.isEmpty());
        QVERIFY(m_store->pendingRequests(u"bob"_s).isEmpty());
        QCOMPARE(m_store->version(u"bob"_s), 0);
    }

    void closedDatabase()
    {
        m_db->close();
        QVERIFY(!m_store->load(u"alice"_s));
        QList<RosterStore::Write> writes{RosterStore::Write::putItem(u"alice"_s, item("bob@localhost"))};
        QVERIFY(!m_store->apply(writes));
        QCOMPARE(m_store->version(u"alice"_s), -1);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<RosterStore> m_store;
};

QTEST_GUILESS_MAIN(TestRosterStore)
#include "tst_rosterstore.moc"
