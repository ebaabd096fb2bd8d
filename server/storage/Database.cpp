#include "storage/Database.h"

#include <QAtomicInt>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QList>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QVariant>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// One step of the schema history. Steps run in order, each in its own transaction, and
// leave PRAGMA user_version at `version`; versions go 1, 2, 3... without gaps.
//
// To change the schema, APPEND a step (never edit one that has shipped: databases out there
// already ran it), e.g.
//     {2, u"roster and offline messages"_s, {u"CREATE TABLE roster (...)"_s, u"CREATE INDEX ..."_s}},
// A step that needs more than SQL (converting data) also sets `apply`, run after the statements.
struct Migration
{
    int version;
    QString description;
    QStringList statements;
    bool (*apply)(QSqlDatabase &db, QString *error) = nullptr;
};

const QList<Migration> &migrations()
{
    static const QList<Migration> steps = {
        {1,
         u"accounts"_s,
         {u"CREATE TABLE accounts ("
          "  username TEXT PRIMARY KEY NOT NULL,"
          "  sha1_salt BLOB,"
          "  sha1_iterations INTEGER,"
          "  sha1_stored_key BLOB,"
          "  sha1_server_key BLOB,"
          "  sha256_salt BLOB,"
          "  sha256_iterations INTEGER,"
          "  sha256_stored_key BLOB,"
          "  sha256_server_key BLOB,"
          "  disabled INTEGER NOT NULL DEFAULT 0,"
          "  created TEXT NOT NULL"
          ")"_s}},
        {2,
         u"rosters, subscription requests and offline messages (RFC 6121, XEP-0160)"_s,
         {u"CREATE TABLE roster_versions ("
          "  username TEXT PRIMARY KEY NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
          "  version INTEGER NOT NULL DEFAULT 0"
          ")"_s,
          u"CREATE TABLE roster_items ("
          "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
          "  contact TEXT NOT NULL,"
          "  name TEXT NOT NULL DEFAULT '',"
          "  subscription TEXT NOT NULL DEFAULT 'none' CHECK (subscription IN ('none', 'to', 'from', 'both')),"
          "  ask INTEGER NOT NULL DEFAULT 0,"
          "  pending_in INTEGER NOT NULL DEFAULT 0,"
          "  approved INTEGER NOT NULL DEFAULT 0,"
          "  groups TEXT NOT NULL DEFAULT '[]',"
          "  version INTEGER NOT NULL,"
          "  PRIMARY KEY (username, contact)"
          ")"_s,
          // Tombstones of removed items, so a reconnecting client gets only what changed.
          u"CREATE TABLE roster_removals ("
          "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
          "  contact TEXT NOT NULL,"
          "  version INTEGER NOT NULL,"
          "  PRIMARY KEY (username, contact)"
          ")"_s,
          u"CREATE TABLE subscription_requests ("
          "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
          "  contact TEXT NOT NULL,"
          "  stanza TEXT NOT NULL,"
          "  received TEXT NOT NULL,"
          "  PRIMARY KEY (username, contact)"
          ")"_s,
          u"CREATE TABLE offline_messages ("
          "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
          "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
          "  stanza TEXT NOT NULL,"
          "  stamp TEXT NOT NULL"
          ")"_s,
          u"CREATE INDEX offline_messages_by_user ON offline_messages (username, id)"_s}},
        {3,
         u"audit log of administrator actions"_s,
         {u"CREATE TABLE audit_log ("
          "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
          "  time TEXT NOT NULL,"
          "  action TEXT NOT NULL,"
          "  target TEXT NOT NULL DEFAULT '',"
          "  reason TEXT NOT NULL DEFAULT ''"
          ")"_s}},
        // The domain a data directory serves, recorded by whatever opens it first (server or
        // `user` command; see DomainRecord.h). One row at most: the CHECK pins its key.
        {4,
         u"the served domain"_s,
         {u"CREATE TABLE server_domain ("
          "  id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),"
          "  domain TEXT NOT NULL,"
          "  recorded TEXT NOT NULL"
          ")"_s}},
    };
    return steps;
}

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// Runs one statement without parameters (schema, pragmas, transaction control only: every
// statement that carries a value binds it).
bool execute(const QSqlDatabase &db, const QString &sql, QString *error)
{
    QSqlQuery query(db);
    if (!query.exec(sql)) {
        setError(error, query.lastError().text());
        return false;
    }
    return true;
}

// The first column of the first row a pragma returns (an invalid QVariant on failure).
QVariant pragma(const QSqlDatabase &db, const QString &statement, QString *error = nullptr)
{
    QSqlQuery query(db);
    if (!query.exec(statement)) {
        setError(error, query.lastError().text());
        return {};
    }
    if (!query.next()) {
        setError(error, u"%1 returned nothing"_s.arg(statement));
        return {};
    }
    const QVariant value = query.value(0);
    query.finish();
    return value;
}

bool ensurePrivateDirectory(const QString &path, QString *error)
{
    const QFileInfo info(path);
    if (info.isDir())
        return true;
    if (info.exists()) {
        setError(error, u"%1 exists and is not a directory"_s.arg(path));
        return false;
    }
    const QString absolute = info.absoluteFilePath();
    if (!QDir().mkpath(QFileInfo(absolute).absolutePath())
        || !QDir().mkdir(absolute, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner)) {
        if (!QFileInfo(absolute).isDir()) {   // another process may have just made it
            setError(error, u"cannot create the directory %1"_s.arg(path));
            return false;
        }
    }
    return true;
}

// A new database file is created empty with mode 0600 (an empty file is a valid empty SQLite
// database); SQLite gives its -wal and -shm files the same mode.
bool ensurePrivateFile(const QString &path, QString *error)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return true;
    }
    if (errno == EEXIST)
        return true;
    setError(error, u"cannot create %1: %2"_s.arg(path, QString::fromLocal8Bit(std::strerror(errno))));
    return false;
}

// Per connection: wait for other writers, enforce foreign keys, fsync on every commit.
// Per file (persistent): write-ahead log, so readers and one writer don't block each other.
bool configureConnection(const QSqlDatabase &db, const QString &path, QString *error)
{
    QString pragmaError;
    if (!pragma(db, u"PRAGMA busy_timeout = 5000"_s, &pragmaError).isValid()) {
        setError(error, u"cannot use %1: %2"_s.arg(path, pragmaError));
        return false;
    }
    const QString journalMode = pragma(db, u"PRAGMA journal_mode = WAL"_s, &pragmaError).toString();
    if (journalMode.compare(u"wal"_s, Qt::CaseInsensitive) != 0) {
        setError(error, u"cannot switch %1 to WAL mode: %2"_s.arg(
                            path, journalMode.isEmpty() ? pragmaError : u"journal mode stays %1"_s.arg(journalMode)));
        return false;
    }
    if (!execute(db, u"PRAGMA synchronous = FULL"_s, &pragmaError)
        || !execute(db, u"PRAGMA foreign_keys = ON"_s, &pragmaError)) {
        setError(error, u"cannot configure %1: %2"_s.arg(path, pragmaError));
        return false;
    }
    return true;
}

QString nextConnectionName()
{
    static QAtomicInt counter;
    return u"switchboard-db-%1"_s.arg(counter.fetchAndAddRelaxed(1) + 1);
}

} // namespace

Database::Database()
    : m_connectionName(nextConnectionName())
{
}

Database::~Database()
{
    close();
}

QString Database::fileName()
{
    return u"switchboard.sqlite"_s;
}

int Database::latestSchemaVersion()
{
    return migrations().isEmpty() ? 0 : migrations().last().version;
}

bool Database::open(const QString &dataDir, QString *error)
{
    close();
    if (!QSqlDatabase::isDriverAvailable(u"QSQLITE"_s)) {
        setError(error, u"the Qt SQLite driver (QSQLITE) is not available"_s);
        return false;
    }
    if (dataDir.isEmpty()) {
        setError(error, u"no data directory given"_s);
        return false;
    }
    if (!ensurePrivateDirectory(dataDir, error))
        return false;
    const QString path = QDir(dataDir).absoluteFilePath(fileName());
    if (!ensurePrivateFile(path, error))
        return false;

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
        db.setDatabaseName(path);
        // Also set before the first statement runs, so even opening waits for a busy writer.
        db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
        if (!db.open()) {
            setError(error, u"cannot open %1: %2"_s.arg(path, db.lastError().text()));
            db = QSqlDatabase();
            close();
            return false;
        }
    }
    m_filePath = path;
    QString failure;
    // (connection() returns a temporary: no copy outlives this statement, so close() below
    // can remove the connection cleanly.)
    if (!configureConnection(connection(), path, &failure) || !migrate(&failure)) {
        close();
        setError(error, failure);
        return false;
    }
    return true;
}

bool Database::migrate(QString *error)
{
    QSqlDatabase db = connection();
    const int latest = latestSchemaVersion();
    auto newerError = [&](int version) {
        return u"%1 has schema version %2, but this Switchboard knows versions up to %3: it was "
               "written by a newer Switchboard; refusing to use it"_s.arg(m_filePath, QString::number(version),
                                                                  QString::number(latest));
    };

    int current = schemaVersion();
    if (current < 0) {
        setError(error, u"cannot read the schema version of %1"_s.arg(m_filePath));
        return false;
    }
    if (current > latest) {
        setError(error, newerError(current));
        return false;
    }
    for (const Migration &step : migrations()) {
        if (step.version <= current)
            continue;
        Transaction transaction(db);
        if (!transaction.isActive()) {
            setError(error, u"cannot migrate %1 to schema version %2: %3"_s.arg(
                                m_filePath, QString::number(step.version), transaction.errorText()));
            return false;
        }
        // Another process (the server and the command line tool) may have migrated meanwhile.
        current = schemaVersion();
        if (current > latest) {
            setError(error, newerError(current));
            return false;
        }
        if (step.version <= current)
            continue;

        auto stepFailed = [&](const QString &why) {
            setError(error, u"cannot migrate %1 to schema version %2 (%3): %4"_s.arg(
                                m_filePath, QString::number(step.version), step.description, why));
            return false;
        };
        QString stepError;
        for (const QString &statement : step.statements) {
            if (!execute(db, statement, &stepError))
                return stepFailed(stepError);
        }
        if (step.apply && !step.apply(db, &stepError))
            return stepFailed(stepError);
        // A pragma takes no bound parameter; the value is our own integer.
        if (!execute(db, u"PRAGMA user_version = %1"_s.arg(step.version), &stepError))
            return stepFailed(stepError);
        if (!transaction.commit())
            return stepFailed(transaction.errorText());
        current = step.version;
    }
    return true;
}

void Database::close()
{
    m_statements.clear();   // statements hold the connection open
    m_filePath.clear();
    if (!QSqlDatabase::contains(m_connectionName))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

CachedQuery Database::cachedQuery(const QString &sql) const
{
    std::shared_ptr<Statement> &statement = m_statements[sql];
    if (!statement)
        statement = std::make_shared<Statement>(Statement{QSqlQuery(connection()), false, false});
    if (statement->busy) {
        CachedQuery oneOff(nullptr, nullptr, false);
        oneOff.m_own = std::make_unique<QSqlQuery>(connection());
        oneOff.m_query = oneOff.m_own.get();
        oneOff.m_prepared = oneOff.m_own->prepare(sql);
        return oneOff;
    }
    if (!statement->prepared) {
        statement->query.setForwardOnly(true);
        statement->prepared = statement->query.prepare(sql);
    }
    statement->busy = true;
    return CachedQuery(statement, &statement->query, statement->prepared);
}

CachedQuery::CachedQuery(std::shared_ptr<Database::Statement> shared, QSqlQuery *query, bool prepared)
    : m_shared(std::move(shared)), m_query(query), m_prepared(prepared)
{
}

CachedQuery::CachedQuery(CachedQuery &&other) noexcept
    : m_shared(std::move(other.m_shared)), m_own(std::move(other.m_own)), m_query(other.m_query),
      m_prepared(other.m_prepared)
{
    other.m_query = nullptr;
}

CachedQuery::~CachedQuery()
{
    if (!m_query)
        return;
    m_query->finish();
    if (m_shared)
        m_shared->busy = false;
}

bool Database::isOpen() const
{
    return QSqlDatabase::contains(m_connectionName) && QSqlDatabase::database(m_connectionName, false).isOpen();
}

QSqlDatabase Database::connection() const
{
    return QSqlDatabase::database(m_connectionName, false);
}

int Database::schemaVersion() const
{
    if (!isOpen())
        return -1;
    bool ok = false;
    const int version = pragma(connection(), u"PRAGMA user_version"_s).toInt(&ok);
    return ok ? version : -1;
}

QString Database::filePath() const
{
    return m_filePath;
}

Transaction::Transaction(QSqlDatabase db)
    : m_db(std::move(db))
{
    if (!m_db.isOpen()) {
        m_error = u"the database is not open"_s;
        return;
    }
    m_active = execute(m_db, u"BEGIN IMMEDIATE"_s, &m_error);
}

Transaction::~Transaction()
{
    if (m_active && !m_done)
        execute(m_db, u"ROLLBACK"_s, nullptr);
}

bool Transaction::commit()
{
    if (!m_active || m_done) {
        if (m_error.isEmpty())
            m_error = m_done ? u"the transaction was already committed"_s : u"no transaction"_s;
        return false;
    }
    if (!execute(m_db, u"COMMIT"_s, &m_error))
        return false;   // still open: the destructor rolls it back
    m_done = true;
    return true;
}

bool Database::migrateModule(const QString &module, const QStringList &steps, QString *error)
{
    if (!isOpen()) {
        *error = u"no database"_s;
        return false;
    }
    QSqlDatabase db = connection();
    QSqlQuery query(db);
    if (!query.exec(u"CREATE TABLE IF NOT EXISTS module_schema (module TEXT PRIMARY KEY, version INTEGER NOT NULL)"_s)) {
        *error = query.lastError().text();
        return false;
    }
    query.prepare(u"SELECT version FROM module_schema WHERE module = ?"_s);
    query.addBindValue(module);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    const int done = query.next() ? query.value(0).toInt() : 0;
    if (done > steps.size()) {
        *error = u"tables of module %1 were written by a newer Switchboard"_s.arg(module);
        return false;
    }
    for (int version = done + 1; version <= steps.size(); ++version) {
        Transaction transaction(db);
        if (!transaction.isActive()) {
            *error = transaction.errorText();
            return false;
        }
        QSqlQuery step(db);
        if (!step.exec(steps.at(version - 1))) {
            *error = u"module %1 schema step %2: %3"_s.arg(module).arg(version).arg(step.lastError().text());
            return false;
        }
        step.prepare(u"INSERT INTO module_schema (module, version) VALUES (?, ?) "
                     "ON CONFLICT(module) DO UPDATE SET version = excluded.version"_s);
        step.addBindValue(module);
        step.addBindValue(version);
        if (!step.exec() || !transaction.commit()) {
            *error = step.lastError().text() + transaction.errorText();
            return false;
        }
    }
    return true;
}
