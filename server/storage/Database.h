#pragma once

#include <QSqlDatabase>
#include <QString>

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

    // A module's own tables, versioned apart from the core schema in table module_schema:
    // runs the steps after the one last recorded for `module`, each in its own transaction.
    // Used by ModuleHost::migrate and by command-line tools that open the database without a
    // running server (e.g. `invite create`). False with *error on failure.
    bool migrateModule(const QString &module, const QStringList &steps, QString *error);

    static int latestSchemaVersion();
    static QString fileName();          // "switchboard.sqlite"

private:
    bool migrate(QString *error);
    QString m_connectionName;
    QString m_filePath;
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
