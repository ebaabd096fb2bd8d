// File upload (XEP-0363) below the protocol: the store's commit, quota accounting and expiry
// (storage/UploadStore), slot validation (modules/UploadSlots) and byte ranges (http/HttpRange).
#include "TempDatabase.h"

#include "http/HttpRange.h"
#include "modules/UploadSlots.h"
#include "storage/UploadStore.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_Upload : public QObject
{
    Q_OBJECT

    UploadedFile file(const QString &user, const QString &name)
    {
        UploadedFile f;
        f.id = UploadStore::generateId();
        f.username = user;
        f.filename = name;
        f.contentType = u"application/octet-stream"_s;
        return f;
    }

private Q_SLOTS:
    void idsAreRandomAndStrict()
    {
        const QString a = UploadStore::generateId();
        const QString b = UploadStore::generateId();
        QVERIFY(a != b);
        QVERIFY(UploadStore::isValidId(a));
        QVERIFY(!UploadStore::isValidId(a.toUpper()));
        QVERIFY(!UploadStore::isValidId(a.left(31)));
        QVERIFY(!UploadStore::isValidId(u"../"_s + a.mid(3)));
        TempDatabase db;
        UploadStore store(db.database(), db.path());
        QVERIFY(store.filePath(u"../switchboard.sqlite"_s).isEmpty());
        QCOMPARE(store.filePath(a), db.path() + u"/uploads/"_s + a);
    }

    void commitQuotaAndRemove()
    {
        TempDatabase db;
        QVERIFY2(db.isOpen(), qPrintable(db.error()));
        QVERIFY(db.addAccounts({u"alice"_s, u"bob"_s}));
        UploadStore store(db.database(), db.path());
        QString error;
        QVERIFY2(store.ensureSchema(&error), qPrintable(error));

        UploadedFile a = file(u"alice"_s, u"a.txt"_s);
        QVERIFY2(store.commit(&a, QByteArray(1000, 'a'), &error), qPrintable(error));
        UploadedFile b = file(u"alice"_s, u"b.txt"_s);
        QVERIFY(store.commit(&b, QByteArray(234, 'b'), &error));
        UploadedFile c = file(u"bob"_s, u"c.txt"_s);
        QVERIFY(store.commit(&c, QByteArray(5, 'c'), &error));

        QCOMPARE(store.usage(u"alice"_s), 1234);
        QCOMPARE(store.usage(u"bob"_s), 5);
        QCOMPARE(store.usage(u"carol"_s), 0);
        const QList<UploadUsage> usage = store.usageByUser();
        QCOMPARE(usage.size(), 2);
        QCOMPARE(usage[0].username, u"alice"_s);
        QCOMPARE(usage[0].files, 2);
        QCOMPARE(usage[0].bytes, 1234);
        QCOMPARE(store.list(u"alice"_s).size(), 2);
        QCOMPARE(store.list().size(), 3);

        QFile onDisk(store.filePath(a.id));
        QVERIFY(onDisk.open(QIODevice::ReadOnly));
        QCOMPARE(onDisk.readAll(), QByteArray(1000, 'a'));
        QVERIFY(!QFile::exists(store.filePath(a.id) + u".part"_s));

        UploadedFile removed;
        QVERIFY(store.remove(a.id, &removed));
        QCOMPARE(removed.filename, u"a.txt"_s);
        QVERIFY(!QFile::exists(store.filePath(a.id)));
        QVERIFY(!store.find(a.id));
        QVERIFY(!store.remove(a.id));
        QCOMPARE(store.usage(u"alice"_s), 234);

        // The same id twice: the second commit fails and leaves the first file alone.
        UploadedFile again = b;
        QVERIFY(!store.commit(&again, QByteArray(3, 'x'), &error));
        QFile first(store.filePath(b.id));
        QVERIFY(first.open(QIODevice::ReadOnly));
        QCOMPARE(first.size(), 234);
    }

    void commitTemporaryRenamesAndInserts()
    {
        TempDatabase db;
        QVERIFY(db.addAccounts({u"alice"_s}));
        UploadStore store(db.database(), db.path());
        QString error;
        QVERIFY(store.ensureSchema(&error));
        UploadedFile f = file(u"alice"_s, u"streamed.bin"_s);
        const QString temp = store.temporaryPath(f.id);
        QVERIFY(temp.startsWith(store.filePath(f.id) + u'.') && temp.endsWith(u".part"_s));
        QVERIFY(temp != store.temporaryPath(f.id));   // two PUTs never share one
        QFile written(temp);
        QVERIFY(written.open(QIODevice::WriteOnly | QIODevice::NewOnly));
        QCOMPARE(written.write(QByteArray(4321, 's')), 4321);
        written.close();
        QVERIFY2(store.commitTemporary(&f, temp, &error), qPrintable(error));
        QVERIFY(!QFile::exists(temp));
        QCOMPARE(QFileInfo(store.filePath(f.id)).size(), 4321);
        QCOMPARE(store.find(f.id)->size, 4321);
        QCOMPARE(store.usage(u"alice"_s), 4321);

        // The same id again: refused, the temporary file goes, the stored one stays.
        UploadedFile again = f;
        const QString second = store.temporaryPath(f.id);
        QFile other(second);
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("x");
        other.close();
        QVERIFY(!store.commitTemporary(&again, second, &error));
        QVERIFY(!QFile::exists(second));
        QCOMPARE(QFileInfo(store.filePath(f.id)).size(), 4321);
        QCOMPARE(QDir(store.directory()).entryList(QDir::Files).size(), 1);
    }

    void expiryRemovesRowsAndFiles()
    {
        TempDatabase db;
        QVERIFY(db.addAccounts({u"alice"_s}));
        UploadStore store(db.database(), db.path());
        QString error;
        QVERIFY(store.ensureSchema(&error));
        UploadedFile old = file(u"alice"_s, u"old"_s);
        QVERIFY(store.commit(&old, "old", &error));
        UploadedFile fresh = file(u"alice"_s, u"fresh"_s);
        QVERIFY(store.commit(&fresh, "fresh", &error));
        QSqlQuery q(db.database()->connection());
        q.prepare(u"UPDATE uploads SET created = ? WHERE id = ?"_s);
        q.addBindValue(QDateTime::currentDateTimeUtc().addDays(-31).toMSecsSinceEpoch());
        q.addBindValue(old.id);
        QVERIFY(q.exec());

        QCOMPARE(store.removeOlderThan(QDateTime::currentDateTimeUtc().addDays(-30)), 1);
        QVERIFY(!store.find(old.id));
        QVERIFY(!QFile::exists(store.filePath(old.id)));
        QVERIFY(store.find(fresh.id));
        QVERIFY(QFile::exists(store.filePath(fresh.id)));
        QCOMPARE(store.removeOlderThan(QDateTime::currentDateTimeUtc().addDays(-30)), 0);
    }

    void deletingTheAccountDeletesItsRows()
    {
        TempDatabase db;
        QVERIFY(db.addAccounts({u"alice"_s}));
        UploadStore store(db.database(), db.path());
        QString error;
        QVERIFY(store.ensureSchema(&error));
        UploadedFile f = file(u"alice"_s, u"x"_s);
        QVERIFY(store.commit(&f, "x", &error));
        QSqlQuery q(db.database()->connection());
        QVERIFY(q.exec(u"DELETE FROM accounts WHERE username = 'alice'"_s));
        QVERIFY(!store.find(f.id));
        // Its file has no row now: the sweep removes it once it is older than a PUT could be.
        QVERIFY(QFile::exists(store.filePath(f.id)));
    }

    void slotChecks()
    {
        UploadSlots slots(300);
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const UploadSlots::Slot slot = slots.create(u"alice"_s, u"a.png"_s, 100, u"image/png"_s, now);
        QVERIFY(slot.putToken != slot.fileId);
        QVERIFY(UploadStore::isValidId(slot.putToken) && UploadStore::isValidId(slot.fileId));

        QCOMPARE(slots.check(slot.putToken, 100, u"image/png"_s, now), UploadSlots::Check::Ok);
        QCOMPARE(slots.check(slot.putToken, 100, u"IMAGE/PNG; x=y"_s, now), UploadSlots::Check::Ok);
        QCOMPARE(slots.check(slot.putToken, 101, u"image/png"_s, now), UploadSlots::Check::TooLarge);
        QCOMPARE(slots.check(slot.putToken, 99, u"image/png"_s, now), UploadSlots::Check::WrongSize);
        QCOMPARE(slots.check(slot.putToken, 100, u"text/html"_s, now), UploadSlots::Check::WrongType);
        QCOMPARE(slots.check(slot.fileId, 100, u"image/png"_s, now), UploadSlots::Check::UnknownSlot);
        QCOMPARE(slots.check(slot.putToken, 100, u"image/png"_s, now.addSecs(300)), UploadSlots::Check::Expired);

        QCOMPARE(slots.pendingBytes(u"alice"_s, now), 100);
        QCOMPARE(slots.pendingBytes(u"bob"_s, now), 0);
        QCOMPARE(slots.pendingBytes(u"alice"_s, now.addSecs(301)), 0);
        slots.markUsed(slot.putToken);
        QCOMPARE(slots.check(slot.putToken, 100, u"image/png"_s, now), UploadSlots::Check::Used);
        QCOMPARE(slots.pendingBytes(u"alice"_s, now), 0);

        // No type in the request: any type goes.
        const UploadSlots::Slot untyped = slots.create(u"bob"_s, u"b"_s, 5, QString(), now);
        QCOMPARE(slots.check(untyped.putToken, 5, u"text/html"_s, now), UploadSlots::Check::Ok);

        QCOMPARE(slots.size(), 2);
        slots.prune(now.addSecs(300 + 3599));
        QCOMPARE(slots.size(), 2);
        slots.prune(now.addSecs(300 + 3600));
        QCOMPARE(slots.size(), 0);

        QCOMPARE(UploadSlots::httpStatus(UploadSlots::Check::UnknownSlot), 403);
        QCOMPARE(UploadSlots::httpStatus(UploadSlots::Check::Expired), 410);
        QCOMPARE(UploadSlots::httpStatus(UploadSlots::Check::Used), 409);
        QCOMPARE(UploadSlots::httpStatus(UploadSlots::Check::TooLarge), 413);
        QCOMPARE(UploadSlots::httpStatus(UploadSlots::Check::WrongSize), 400);
    }

    void ranges_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<int>("kind");
        QTest::addColumn<qint64>("first");
        QTest::addColumn<qint64>("last");
        const int whole = int(HttpRange::Kind::Whole);
        const int partial = int(HttpRange::Kind::Partial);
        const int none = int(HttpRange::Kind::Unsatisfiable);
        // A file of 1000 bytes.
        QTest::newRow("absent") << QByteArray() << whole << qint64(0) << qint64(999);
        QTest::newRow("first 100") << QByteArray("bytes=0-99") << partial << qint64(0) << qint64(99);
        QTest::newRow("open end") << QByteArray("bytes=900-") << partial << qint64(900) << qint64(999);
        QTest::newRow("past end clipped") << QByteArray("bytes=990-5000") << partial << qint64(990) << qint64(999);
        QTest::newRow("suffix") << QByteArray("bytes=-10") << partial << qint64(990) << qint64(999);
        QTest::newRow("suffix longer") << QByteArray("bytes=-5000") << partial << qint64(0) << qint64(999);
        QTest::newRow("start past end") << QByteArray("bytes=1000-") << none << qint64(0) << qint64(-1);
        QTest::newRow("empty suffix") << QByteArray("bytes=-0") << none << qint64(0) << qint64(-1);
        QTest::newRow("reversed ignored") << QByteArray("bytes=50-10") << whole << qint64(0) << qint64(999);
        QTest::newRow("other unit") << QByteArray("items=0-1") << whole << qint64(0) << qint64(999);
        QTest::newRow("garbage") << QByteArray("bytes=a-b") << whole << qint64(0) << qint64(999);
        QTest::newRow("several: whole") << QByteArray("bytes=0-1,5-6") << whole << qint64(0) << qint64(999);
    }

    void ranges()
    {
        QFETCH(QByteArray, header);
        QFETCH(int, kind);
        QFETCH(qint64, first);
        QFETCH(qint64, last);
        const HttpRange r = HttpRange::parse(header, 1000);
        QCOMPARE(int(r.kind), kind);
        if (r.kind != HttpRange::Kind::Unsatisfiable) {
            QCOMPARE(r.first, first);
            QCOMPARE(r.last, last);
        }
    }
};

QTEST_MAIN(tst_Upload)
#include "tst_upload.moc"
