#pragma once

#include <QHash>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>

class CachedQuery;

// The SQLite database: opened in WAL mode with foreign keys on and synchronous=FULL (so an
// acknowledged write survives a crash), busy_timeout 5 s (the `switchboard user ...` command
// writes to the same file while the server runs), schema created and migrated by version
// (PRAGMA user_version; the steps are listed in Database.cpp). One connection per Database
// object, with a unique name; use it only from the thread that opened it.
class Database
{
public:
    Database();
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Opens <dataDir>/switchboard.sqlite (creating dataDir with mode 0700 and the file with
    // mode 0600 if needed) and migrates. Fails on a database written by a newer Switchboard.
    bool open(const QString &dataDir, QString *error);
    void close();
    bool isOpen() const;
    QSqlDatabase connection() const;
    int schemaVersion() const;          // PRAGMA user_version; -1 when not open
    QString filePath() const;           // of the open database; empty when not open

    // A statement for a hot path (a login runs several lookups): SQLite parses its text once
    // per connection instead of on every call. The guard finishes the query when it goes out
    // of scope, so no read transaction stays open; asking for the same text while its guard
    // is alive (re-entrance) gets a freshly prepared statement instead. Not for DDL.
    CachedQuery cachedQuery(const QString &sql) const;

    // A module's own tables, versioned apart from the core schema in table module_schema:
    // runs the steps after the one last recorded for `module`, each in its own transaction.
    // Used by ModuleHost::migrate and by command-line tools that open the database without a
    // running server (e.g. `invite create`). False with *error on failure.
    bool migrateModule(const QString &module, const QStringList &steps, QString *error);

    static int latestSchemaVersion();
    static QString fileName();          // "switchboard.sqlite"

private:
    friend class CachedQuery;
    struct Statement
    {
        QSqlQuery query;
        bool prepared = false;
        bool busy = false;
    };
    bool migrate(QString *error);
    QString m_connectionName;
    QString m_filePath;
    mutable QHash<QString, std::shared_ptr<Statement>> m_statements;
};

// See Database::cachedQuery. Use it like a QSqlQuery pointer: query->bindValue(...), query->exec().
class CachedQuery
{
public:
    CachedQuery(CachedQuery &&other) noexcept;
    ~CachedQuery();
    CachedQuery(const CachedQuery &) = delete;
    CachedQuery &operator=(const CachedQuery &) = delete;
    CachedQuery &operator=(CachedQuery &&) = delete;

    bool isPrepared() const { return m_prepared; }   // false: the text did not compile
    QSqlQuery *operator->() { return m_query; }
    QSqlQuery &operator*() { return *m_query; }

private:
    friend class Database;
    CachedQuery(std::shared_ptr<Database::Statement> shared, QSqlQuery *query, bool prepared);
    std::shared_ptr<Database::Statement> m_shared;   // null for a one-off statement
    std::unique_ptr<QSqlQuery> m_own;
    QSqlQuery *m_query = nullptr;
    bool m_prepared = false;
};

// RAII write transaction (BEGIN IMMEDIATE, so it waits up to busy_timeout for another writer
// instead of failing half-way): rolls back unless commit() succeeded. Do not nest.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;

    bool isActive() const { return m_active && !m_done; }   // BEGIN worked, not yet committed
    bool commit();
    QString errorText() const { return m_error; }           // why BEGIN or COMMIT failed
private:
    QSqlDatabase m_db;
    bool m_active = false;
    bool m_done = false;
    QString m_error;
};
