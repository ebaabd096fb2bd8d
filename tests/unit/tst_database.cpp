#include "storage/Database.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringList>
#include <QTemporaryDir>
#include <QTest>
#include <QVariant>

#include <sys/stat.h>

using namespace Qt::StringLiterals;

namespace {

int modeOf(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0)
        return -1;
    return int(st.st_mode & 07777);
}

QVariant scalar(const QSqlDatabase &db, const QString &sql)
{
    QSqlQuery query(db);
    if (!query.exec(sql) || !query.next())
        return {};
    return query.value(0);
}

bool run(const QSqlDatabase &db, const QString &sql, const QVariantList &values = {})
{
    QSqlQuery query(db);
    if (!query.prepare(sql))
        return false;
    for (const QVariant &value : values)
        query.addBindValue(value);
    return query.exec();
}

bool insertAccount(const QSqlDatabase &db, const QString &username)
{
    return run(db, u"INSERT INTO accounts (username, created) VALUES (?, ?)"_s, {username, u"2024-01-01T00:00:00Z"_s});
}

int accountCount(const QSqlDatabase &db)
{
    return scalar(db, u"SELECT COUNT(*) FROM accounts"_s).toInt();
}

} // namespace

class tst_Database : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void openCreatesSchema();
    void pragmasInEffect();
    void reopenKeepsData();
    void newerVersionRefused();
    void upgradesFromVersion1();
    void twoConnectionsSameFile();
    void readerNotBlockedByWriter();
    void transactionCommitAndRollback();
    void notADatabase();
    void dataDirIsAFile();
    void closeRemovesConnection();
    void cachedQueryReusedAndReentrant();
};

void tst_Database::openCreatesSchema()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString dataDir = tmp.filePath(u"data/sub"_s);
    Database db;
    QVERIFY(!db.isOpen());
    QCOMPARE(db.schemaVersion(), -1);
    QString error;
    QVERIFY2(db.open(dataDir, &error), qPrintable(error));
    QVERIFY(db.isOpen());
    QVERIFY(Database::latestSchemaVersion() >= 1);
    QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
    QCOMPARE(scalar(db.connection(), u"PRAGMA user_version"_s).toInt(), Database::latestSchemaVersion());

    const QString file = dataDir + u"/switchboard.sqlite"_s;
    QCOMPARE(db.filePath(), file);
    QCOMPARE(Database::fileName(), u"switchboard.sqlite"_s);
    QVERIFY(QFileInfo::exists(file));
    QCOMPARE(modeOf(dataDir), 0700);
    QCOMPARE(modeOf(file), 0600);
    QVERIFY(QFileInfo::exists(file + u"-wal"_s));
    QCOMPARE(modeOf(file + u"-wal"_s), 0600);

    // Schema v1: the accounts table with its columns.
    QVERIFY(db.connection().tables().contains(u"accounts"_s));
    const QSqlRecord record = db.connection().record(u"accounts"_s);
    const QStringList expected = {u"username"_s,          u"sha1_salt"_s,         u"sha1_iterations"_s,
                                  u"sha1_stored_key"_s,   u"sha1_server_key"_s,   u"sha256_salt"_s,
                                  u"sha256_iterations"_s, u"sha256_stored_key"_s, u"sha256_server_key"_s,
                                  u"disabled"_s,          u"created"_s};
    QStringList columns;
    for (int i = 0; i < record.count(); ++i)
        columns.append(record.fieldName(i));
    QCOMPARE(columns, expected);

    // disabled defaults to 0; created is required; username is the key.
    QVERIFY(insertAccount(db.connection(), u"alice"_s));
    QCOMPARE(scalar(db.connection(), u"SELECT disabled FROM accounts WHERE username = 'alice'"_s).toInt(), 0);
    QVERIFY(!run(db.connection(), u"INSERT INTO accounts (username) VALUES (?)"_s, {u"bob"_s}));
    QVERIFY(!insertAccount(db.connection(), u"alice"_s));
}

void tst_Database::pragmasInEffect()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    Database db;
    QString error;
    QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
    const QSqlDatabase c = db.connection();
    QCOMPARE(scalar(c, u"PRAGMA journal_mode"_s).toString().toLower(), u"wal"_s);
    QCOMPARE(scalar(c, u"PRAGMA synchronous"_s).toInt(), 2);   // FULL
    QCOMPARE(scalar(c, u"PRAGMA foreign_keys"_s).toInt(), 1);
    QCOMPARE(scalar(c, u"PRAGMA busy_timeout"_s).toInt(), 5000);
}

void tst_Database::reopenKeepsData()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    {
        Database db;
        QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
        QVERIFY(insertAccount(db.connection(), u"alice"_s));
    }
    Database db;
    QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
    QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
    QCOMPARE(accountCount(db.connection()), 1);

    // Reopening the same object works too (open closes first).
    QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
    QCOMPARE(accountCount(db.connection()), 1);
}

void tst_Database::newerVersionRefused()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    const int newer = Database::latestSchemaVersion() + 1;
    {
        Database db;
        QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
        QVERIFY(run(db.connection(), u"PRAGMA user_version = %1"_s.arg(newer)));
    }
    Database db;
    QVERIFY(!db.open(tmp.path(), &error));
    QVERIFY(!db.isOpen());
    QVERIFY2(error.contains(u"newer"_s), qPrintable(error));
    QVERIFY2(error.contains(u"switchboard.sqlite"_s), qPrintable(error));
    QVERIFY2(error.contains(QString::number(newer)), qPrintable(error));
}

void tst_Database::upgradesFromVersion1()
{
    // A database as the first release left it (schema v1 only, one account), written without
    // the Database class; opening it runs every later step and keeps the data.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString file = tmp.filePath(u"switchboard.sqlite"_s);
    {
        QSqlDatabase raw = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"tst-v1"_s);
        raw.setDatabaseName(file);
        QVERIFY(raw.open());
        QVERIFY(run(raw, u"CREATE TABLE accounts (username TEXT PRIMARY KEY NOT NULL, sha1_salt BLOB,"
                         " sha1_iterations INTEGER, sha1_stored_key BLOB, sha1_server_key BLOB, sha256_salt BLOB,"
                         " sha256_iterations INTEGER, sha256_stored_key BLOB, sha256_server_key BLOB,"
                         " disabled INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL)"_s));
        QVERIFY(insertAccount(raw, u"alice"_s));
        QVERIFY(run(raw, u"PRAGMA user_version = 1"_s));
        raw.close();
    }
    QSqlDatabase::removeDatabase(u"tst-v1"_s);

    Database db;
    QString error;
    QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
    QCOMPARE(db.schemaVersion(), Database::latestSchemaVersion());
    QCOMPARE(accountCount(db.connection()), 1);
    QCOMPARE(scalar(db.connection(), u"PRAGMA journal_mode"_s).toString().toLower(), u"wal"_s);
    QCOMPARE(scalar(db.connection(), u"PRAGMA foreign_key_check"_s), QVariant());   // no violations
    QCOMPARE(scalar(db.connection(), u"PRAGMA integrity_check"_s).toString(), u"ok"_s);
}

void tst_Database::twoConnectionsSameFile()
{
    // The server and `switchboard user add` each have their own Database on the same file.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    Database server;
    Database cli;
    QVERIFY2(server.open(tmp.path(), &error), qPrintable(error));
    QVERIFY2(cli.open(tmp.path(), &error), qPrintable(error));
    QVERIFY(server.connection().connectionName() != cli.connection().connectionName());

    {
        Transaction transaction(cli.connection());
        QVERIFY2(transaction.isActive(), qPrintable(transaction.errorText()));
        QVERIFY(insertAccount(cli.connection(), u"alice"_s));
        QVERIFY2(transaction.commit(), qPrintable(transaction.errorText()));
    }
    QCOMPARE(accountCount(server.connection()), 1);

    {
        Transaction transaction(server.connection());
        QVERIFY(transaction.isActive());
        QVERIFY(insertAccount(server.connection(), u"bob"_s));
        QVERIFY(transaction.commit());
    }
    QCOMPARE(accountCount(cli.connection()), 2);
    cli.close();
    QCOMPARE(accountCount(server.connection()), 2);
}

void tst_Database::readerNotBlockedByWriter()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    Database writer;
    Database reader;
    QVERIFY2(writer.open(tmp.path(), &error), qPrintable(error));
    QVERIFY2(reader.open(tmp.path(), &error), qPrintable(error));
    QVERIFY(insertAccount(writer.connection(), u"alice"_s));

    Transaction transaction(writer.connection());
    QVERIFY(transaction.isActive());
    QVERIFY(insertAccount(writer.connection(), u"bob"_s));
    // WAL: the reader sees the last committed state at once, without waiting.
    QElapsedTimer timer;
    timer.start();
    QCOMPARE(accountCount(reader.connection()), 1);
    QVERIFY(timer.elapsed() < 2000);
    QVERIFY(transaction.commit());
    QCOMPARE(accountCount(reader.connection()), 2);
}

void tst_Database::transactionCommitAndRollback()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    Database db;
    QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
    {
        Transaction transaction(db.connection());
        QVERIFY(transaction.isActive());
        QVERIFY(insertAccount(db.connection(), u"rolled-back"_s));
    }
    QCOMPARE(accountCount(db.connection()), 0);
    {
        Transaction transaction(db.connection());
        QVERIFY(insertAccount(db.connection(), u"kept"_s));
        QVERIFY(transaction.commit());
        QVERIFY(!transaction.isActive());
        QVERIFY(!transaction.commit());   // only once
    }
    QCOMPARE(accountCount(db.connection()), 1);
    {
        // No nesting: the inner one reports it did not begin.
        Transaction outer(db.connection());
        QVERIFY(outer.isActive());
        Transaction inner(db.connection());
        QVERIFY(!inner.isActive());
        QVERIFY(!inner.errorText().isEmpty());
        QVERIFY(!inner.commit());
        QVERIFY(outer.commit());
    }
    // A closed database: no transaction.
    Database closed;
    Transaction none(closed.connection());
    QVERIFY(!none.isActive());
    QVERIFY(!none.commit());
}

void tst_Database::notADatabase()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QFile file(tmp.filePath(u"switchboard.sqlite"_s));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(QByteArray(4096, 'x'));
    file.close();
    Database db;
    QString error;
    QVERIFY(!db.open(tmp.path(), &error));
    QVERIFY(!db.isOpen());
    QVERIFY2(error.contains(tmp.filePath(u"switchboard.sqlite"_s)), qPrintable(error));
}

void tst_Database::dataDirIsAFile()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString path = tmp.filePath(u"plain-file"_s);
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    Database db;
    QString error;
    QVERIFY(!db.open(path, &error));
    QVERIFY2(error.contains(path), qPrintable(error));
    QVERIFY(!db.open(QString(), &error));
    QVERIFY(!error.isEmpty());
}

void tst_Database::closeRemovesConnection()
{
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    QString name;
    {
        Database db;
        QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
        name = db.connection().connectionName();
        QVERIFY(QSqlDatabase::contains(name));
        db.close();
        QVERIFY(!db.isOpen());
        QVERIFY(!QSqlDatabase::contains(name));
        QCOMPARE(db.schemaVersion(), -1);
        QVERIFY(db.filePath().isEmpty());
        QVERIFY2(db.open(tmp.path(), &error), qPrintable(error));
    }
    QVERIFY(!QSqlDatabase::contains(name));
}

void tst_Database::cachedQueryReusedAndReentrant()
{
    // A hot-path statement is prepared once, sees rows written through another connection
    // (the CLI's), leaves no read transaction open, and a nested use gets its own statement.
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    QString error;
    Database server;
    Database cli;
    QVERIFY2(server.open(tmp.path(), &error), qPrintable(error));
    QVERIFY2(cli.open(tmp.path(), &error), qPrintable(error));
    const QString sql = u"SELECT COUNT(*) FROM accounts WHERE username = :username"_s;
    const auto count = [&](const QString &username) {
        CachedQuery query = server.cachedQuery(sql);
        query->bindValue(u":username"_s, username);
        return query->exec() && query->next() ? query->value(0).toInt() : -1;
    };
    QCOMPARE(count(u"alice"_s), 0);
    QSqlQuery insert(cli.connection());
    QVERIFY(insert.exec(u"INSERT INTO accounts (username, created) VALUES ('alice', '2026-01-01')"_s));
    QCOMPARE(count(u"alice"_s), 1);
    QCOMPARE(count(u"bob"_s), 0);

    {
        CachedQuery outer = server.cachedQuery(sql);
        QVERIFY(outer.isPrepared());
        outer->bindValue(u":username"_s, u"alice"_s);
        QVERIFY(outer->exec());
        QCOMPARE(count(u"bob"_s), 0);   // re-entrant use while the outer one is open
        QVERIFY(outer->next());
        QCOMPARE(outer->value(0).toInt(), 1);
    }
    // No reader left behind: a checkpoint can truncate the whole write-ahead log.
    QSqlQuery checkpoint(cli.connection());
    QVERIFY(checkpoint.exec(u"PRAGMA wal_checkpoint(TRUNCATE)"_s) && checkpoint.next());
    QCOMPARE(checkpoint.value(0).toInt(), 0);   // 0: not blocked by a reader

    CachedQuery broken = server.cachedQuery(u"SELECT nothing FROM nowhere"_s);
    QVERIFY(!broken.isPrepared());
}

QTEST_GUILESS_MAIN(tst_Database)
#include "tst_database.moc"
