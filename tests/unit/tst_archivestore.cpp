#include "TempDatabase.h"
#include "storage/ArchiveStore.h"

#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

// The archive tables alone (storage layer): schema, append, paging edge cases, preferences,
// retention and the account cascade.
class TestArchiveStore : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<TempDatabase> m_db;
    std::unique_ptr<ArchiveStore> m_store;
    QDateTime m_t0 = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);

    void fill(const QString &user, int n, const QString &with, qint64 firstDay = 0)
    {
        for (int i = 0; i < n; ++i)
            QVERIFY(m_store->append(ArchiveStore::Owner::user(user), u"%1-%2-%3"_s.arg(user, with).arg(i), m_t0.addDays(firstDay + i), with, {},
                                    u"<message><body>%1</body></message>"_s.arg(i))
                    > 0);
    }

private Q_SLOTS:
    void init()
    {
        m_db = std::make_unique<TempDatabase>();
        QVERIFY(m_db->isOpen());
        QVERIFY(m_db->addAccounts({u"alice"_s, u"bob"_s}));
        QSqlQuery q(m_db->database()->connection());
        for (const QString &step : ArchiveStore::schemaSteps())
            QVERIFY2(q.exec(step), qPrintable(step));
        m_store = std::make_unique<ArchiveStore>(m_db->database());
    }
    void cleanup()
    {
        m_store.reset();
        m_db.reset();
    }

    void groupCommit()
    {
        // A message's rows wait for the end of the event-loop turn, then go in together; a read
        // commits them first; a row whose account is gone does not take the others with it.
        const auto rowsOnDisk = [&] {
            Database other;
            QString error;
            if (!other.open(m_db->path(), &error))
                return -1;
            QSqlQuery q(other.connection());
            return q.exec(u"SELECT COUNT(*) FROM mam_archive"_s) && q.next() ? q.value(0).toInt() : -1;
        };
        const auto entry = [&](const QString &user, const QString &id) {
            return ArchiveStore::Entry{ArchiveStore::Owner::user(user), {0, id, m_t0, u"x@localhost"_s, {}, u"<message/>"_s}};
        };
        QVERIFY(m_store->appendEntries({entry(u"alice"_s, u"a1"_s), entry(u"bob"_s, u"b1"_s)}));
        QVERIFY(m_store->appendEntries({entry(u"nobody"_s, u"n1"_s), entry(u"alice"_s, u"a2"_s)}));
        QCOMPARE(m_store->queued(), 4);
        QCOMPARE(rowsOnDisk(), 0);
        QTRY_COMPARE(m_store->queued(), 0);   // the end of this turn
        QCOMPARE(rowsOnDisk(), 3);

        QVERIFY(m_store->appendEntries({entry(u"alice"_s, u"a3"_s)}));
        QCOMPARE(m_store->count(u"alice"_s), 3);   // the read committed the queue
        QCOMPARE(m_store->queued(), 0);
        QCOMPARE(rowsOnDisk(), 4);
    }

    void usersAreSeparate()
    {
        fill(u"alice"_s, 3, u"bob@localhost"_s);
        fill(u"bob"_s, 2, u"alice@localhost"_s);
        QCOMPARE(m_store->count(u"alice"_s), 3);
        QCOMPARE(m_store->count(u"bob"_s), 2);
        ArchiveStore::Query q;
        q.afterId = u"bob-alice@localhost-0"_s;   // bob's id is unknown in alice's archive
        QCOMPARE(m_store->query(u"alice"_s, q).status, ArchiveStore::Page::Status::ItemNotFound);
        // The same id may exist in two archives, never twice in one.
        QVERIFY(m_store->append(ArchiveStore::Owner::user(u"bob"_s), u"alice-bob@localhost-0"_s, m_t0, u"x@localhost"_s, {}, u"<message/>"_s) > 0);
        QCOMPARE(m_store->append(ArchiveStore::Owner::user(u"alice"_s), u"alice-bob@localhost-0"_s, m_t0, u"x@localhost"_s, {}, u"<message/>"_s), -1);
    }

    void idsAndTimes()
    {
        fill(u"alice"_s, 10, u"bob@localhost"_s);
        ArchiveStore::Query q;
        q.ids = {u"alice-bob@localhost-7"_s, u"alice-bob@localhost-2"_s};
        ArchiveStore::Page p = m_store->query(u"alice"_s, q);
        QCOMPARE(p.rows.size(), 2);
        QCOMPARE(p.rows.at(0).id, u"alice-bob@localhost-2"_s);
        q = {};
        q.start = m_t0.addDays(3);
        q.end = m_t0.addDays(5);
        p = m_store->query(u"alice"_s, q);
        QCOMPARE(p.rows.size(), 3);
        QCOMPARE(p.count, 3);
        QCOMPARE(p.rows.first().stamp, m_t0.addDays(3));
    }

    void emptyArchive()
    {
        ArchiveStore::Query q;
        q.rsmBefore = QString();
        const ArchiveStore::Page p = m_store->query(u"alice"_s, q);
        QCOMPARE(p.status, ArchiveStore::Page::Status::Ok);
        QVERIFY(p.rows.isEmpty());
        QVERIFY(p.complete);
        QCOMPARE(p.count, 0);
    }

    void prefsRoundTrip()
    {
        auto prefs = m_store->prefs(u"alice"_s);
        QVERIFY(prefs);
        QCOMPARE(prefs->defaultPolicy, ArchiveStore::Default::Always);
        ArchiveStore::Prefs set;
        set.defaultPolicy = ArchiveStore::Default::Roster;
        set.always = {u"bob@localhost"_s};
        set.never = {u"eve@localhost/x"_s, u"mallory@localhost"_s};
        QVERIFY(m_store->setPrefs(u"alice"_s, set));
        prefs = m_store->prefs(u"alice"_s);
        QCOMPARE(prefs->defaultPolicy, ArchiveStore::Default::Roster);
        QCOMPARE(prefs->always, set.always);
        QCOMPARE(prefs->never, set.never);
        set.always.clear();
        QVERIFY(m_store->setPrefs(u"alice"_s, set));
        QVERIFY(m_store->prefs(u"alice"_s)->always.isEmpty());
    }

    void purgeDeletesOnlyOldRowsInBatches()
    {
        fill(u"alice"_s, 10, u"bob@localhost"_s);   // days 0..9
        const QDateTime cutoff = m_t0.addDays(6);    // rows of days 0..5 are older
        QCOMPARE(m_store->purgeBefore(cutoff, 4), 4);
        QCOMPARE(m_store->purgeBefore(cutoff, 4), 2);
        QCOMPARE(m_store->purgeBefore(cutoff, 4), 0);
        ArchiveStore::Query q;
        const ArchiveStore::Page p = m_store->query(u"alice"_s, q);
        QCOMPARE(p.rows.size(), 4);
        QCOMPARE(p.rows.first().stamp, m_t0.addDays(6));
    }

    void accountRemovalTakesTheArchive()
    {
        fill(u"alice"_s, 3, u"bob@localhost"_s);
        QVERIFY(m_store->setPrefs(u"alice"_s, {}));
        QSqlQuery q(m_db->database()->connection());
        QVERIFY(q.exec(u"DELETE FROM accounts WHERE username = 'alice'"_s));
        QCOMPARE(m_store->count(u"alice"_s), 0);
        QVERIFY(q.exec(u"SELECT COUNT(*) FROM mam_prefs"_s) && q.next());
        QCOMPARE(q.value(0).toInt(), 0);
    }

    void roomArchivesAreApartFromUsers()
    {
        // A room is not an account: its rows need none, page like a user's, are purged by the
        // same retention, and go only when the room is removed.
        const auto room = ArchiveStore::Owner::room(u"lobby@rooms.localhost"_s);
        QList<ArchiveStore::Row> rows;
        for (int i = 0; i < 5; ++i)
            rows.append({0, u"r%1"_s.arg(i), m_t0.addDays(i), u"lobby@rooms.localhost"_s, i % 2 ? u"bob"_s : u"alice"_s,
                         u"<message type='groupchat'><body>%1</body></message>"_s.arg(i)});
        QVERIFY(m_store->appendBatch(room, rows));
        fill(u"alice"_s, 2, u"bob@localhost"_s);
        QCOMPARE(m_store->count(room), 5);
        QCOMPARE(m_store->count(ArchiveStore::Owner::room(u"other@rooms.localhost"_s)), 0);
        QCOMPARE(m_store->count(u"alice"_s), 2);
        // A room's id is unknown to a user's archive and the other way round.
        ArchiveStore::Query q;
        q.afterId = u"r1"_s;
        QCOMPARE(m_store->query(u"alice"_s, q).status, ArchiveStore::Page::Status::ItemNotFound);
        q.withBare = u"lobby@rooms.localhost"_s;
        q.withResource = u"bob"_s;
        ArchiveStore::Page p = m_store->query(room, q);
        QCOMPARE(p.status, ArchiveStore::Page::Status::Ok);
        QCOMPARE(p.rows.size(), 1);
        QCOMPARE(p.rows.first().id, u"r3"_s);
        q = {};
        q.max = 2;
        q.rsmBefore = QString();
        p = m_store->query(room, q);
        QCOMPARE(p.rows.size(), 2);
        QCOMPARE(p.rows.last().id, u"r4"_s);
        QCOMPARE(p.firstIndex, 3);
        QCOMPARE(p.count, 5);

        QCOMPARE(m_store->purgeBefore(m_t0.addDays(2), 100), 4);   // r0, r1 and alice's two
        QCOMPARE(m_store->count(room), 3);
        QVERIFY(m_store->removeArchive(room));
        QCOMPARE(m_store->count(room), 0);
        fill(u"bob"_s, 1, u"alice@localhost"_s);
        QCOMPARE(m_store->count(u"bob"_s), 1);
    }

    void connectionStaysFullySynchronous()
    {
        // An archive commit may skip the fsync; every other write of the server keeps it.
        auto synchronous = [this] {
            QSqlQuery q(m_db->database()->connection());
            return q.exec(u"PRAGMA synchronous"_s) && q.next() ? q.value(0).toInt() : -1;
        };
        QCOMPARE(synchronous(), 2);   // FULL
        fill(u"alice"_s, 2, u"bob@localhost"_s);
        QVERIFY(m_store->appendBatch(u"alice"_s, {ArchiveStore::Row{0, u"b1"_s, m_t0, u"bob@localhost"_s, {}, u"<message/>"_s}}));
        QCOMPARE(synchronous(), 2);
        m_store->setFsyncEachCommit(true);
        fill(u"bob"_s, 1, u"alice@localhost"_s);
        QCOMPARE(synchronous(), 2);
        QCOMPARE(m_store->count(u"alice"_s), 3);
    }

    void queryPlanUsesTheConversationIndex()
    {
        // "The last 50 of one conversation" must be an index range scan, never a table scan.
        QSqlQuery q(m_db->database()->connection());
        QVERIFY(q.exec(u"EXPLAIN QUERY PLAN SELECT key FROM mam_archive WHERE username = 'alice' "
                       "AND with_bare = 'bob@localhost' ORDER BY key DESC LIMIT 51"_s));
        QString plan;
        while (q.next())
            plan += q.value(3).toString() + u'\n';
        QVERIFY2(plan.contains(u"mam_archive_with"_s), qPrintable(plan));
        QVERIFY2(!plan.contains(u"TEMP B-TREE"_s), qPrintable(plan));
    }
};

QTEST_GUILESS_MAIN(TestArchiveStore)
#include "tst_archivestore.moc"
