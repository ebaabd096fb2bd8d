#include "storage/Database.h"
#include "storage/OfflineStore.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;

class TestOfflineStore : public QObject
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
        for (const QString &user : {u"alice"_s, u"bob"_s}) {
            QSqlQuery q(m_db->connection());
            q.prepare(u"INSERT INTO accounts (username, created) VALUES (:u, '2024-01-01T00:00:00Z')"_s);
            q.bindValue(u":u"_s, user);
            QVERIFY(q.exec());
        }
        m_store = std::make_unique<OfflineStore>(m_db.get());
    }

    void cleanup()
    {
        m_store.reset();
        m_db.reset();
        m_dir.reset();
    }

    void storeAndReadInOrder()
    {
        const QDateTime t1(QDate(2024, 3, 1), QTime(10, 0, 0), Qt::UTC);
        const QDateTime t2 = t1.addSecs(5);
        QCOMPARE(m_store->store(u"alice"_s, u"<message><body>one</body></message>"_s, t1, 10), OfflineStore::Result::Stored);
        QCOMPARE(m_store->store(u"alice"_s, u"<message><body>twö</body></message>"_s, t2, 10), OfflineStore::Result::Stored);
        QCOMPARE(m_store->store(u"bob"_s, u"<message/>"_s, t2, 10), OfflineStore::Result::Stored);
        const auto messages = m_store->messages(u"alice"_s);
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages[0].stanza, u"<message><body>one</body></message>"_s);
        QCOMPARE(messages[1].stanza, u"<message><body>twö</body></message>"_s);
        QVERIFY(messages[0].id < messages[1].id);
        QCOMPARE(messages[0].stamp, t1);
        QCOMPARE(messages[1].stamp, t2);
        QCOMPARE(m_store->count(u"alice"_s), 2);
        QCOMPARE(m_store->count(u"bob"_s), 1);
        QCOMPARE(m_store->count(u"carol"_s), 0);
    }

    void removeDelivered()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int i = 0; i < 3; ++i)
            QCOMPARE(m_store->store(u"alice"_s, u"<message id='%1'/>"_s.arg(i), now, -1), OfflineStore::Result::Stored);
        const auto messages = m_store->messages(u"alice"_s);
        QVERIFY(m_store->remove(u"alice"_s, {messages[0].id, messages[1].id}));
        const auto rest = m_store->messages(u"alice"_s);
        QCOMPARE(rest.size(), 1);
        QCOMPARE(rest.first().id, messages[2].id);
        // Someone else's ids are not ours to delete.
        QVERIFY(m_store->remove(u"bob"_s, {messages[2].id}));
        QCOMPARE(m_store->count(u"alice"_s), 1);
        QVERIFY(m_store->remove(u"alice"_s, {}));
    }

    void quota()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        QCOMPARE(m_store->store(u"alice"_s, u"<message/>"_s, now, 2), OfflineStore::Result::Stored);
        QCOMPARE(m_store->store(u"alice"_s, u"<message/>"_s, now, 2), OfflineStore::Result::Stored);
        QCOMPARE(m_store->store(u"alice"_s, u"<message/>"_s, now, 2), OfflineStore::Result::QuotaExceeded);
        QCOMPARE(m_store->count(u"alice"_s), 2);
        // The quota is per user.
        QCOMPARE(m_store->store(u"bob"_s, u"<message/>"_s, now, 2), OfflineStore::Result::Stored);
        // A zero quota stores nothing.
        QCOMPARE(m_store->store(u"bob"_s, u"<message/>"_s, now, 0), OfflineStore::Result::QuotaExceeded);
        // A failed attempt leaves no transaction open: the next write works.
        const auto messages = m_store->messages(u"alice"_s);
        QVERIFY(m_store->remove(u"alice"_s, {messages.first().id}));
        QCOMPARE(m_store->store(u"alice"_s, u"<message/>"_s, now, 2), OfflineStore::Result::Stored);
    }

    void unknownUserFails()
    {
        QString error;
        QCOMPARE(m_store->store(u"nobody"_s, u"<message/>"_s, QDateTime::currentDateTimeUtc(), 10, &error),
                 OfflineStore::Result::Failed);
        QVERIFY(!error.isEmpty());
    }

    void survivesReopen()
    {
        QCOMPARE(m_store->store(u"alice"_s, u"<message><body>kept</body></message>"_s,
                                QDateTime::currentDateTimeUtc(), 10), OfflineStore::Result::Stored);
        m_store.reset();
        m_db->close();
        QString error;
        QVERIFY2(m_db->open(m_dir->path(), &error), qPrintable(error));
        OfflineStore reopened(m_db.get());
        QCOMPARE(reopened.messages(u"alice"_s).size(), 1);
        QCOMPARE(reopened.messages(u"alice"_s).first().stanza, u"<message><body>kept</body></message>"_s);
    }

    void closedDatabase()
    {
        m_db->close();
        QCOMPARE(m_store->store(u"alice"_s, u"<message/>"_s, QDateTime::currentDateTimeUtc(), 10),
                 OfflineStore::Result::Failed);
        QVERIFY(m_store->messages(u"alice"_s).isEmpty());
        QCOMPARE(m_store->count(u"alice"_s), -1);
    }

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Database> m_db;
    std::unique_ptr<OfflineStore> m_store;
};

QTEST_GUILESS_MAIN(TestOfflineStore)
#include "tst_offlinestore.moc"
