#pragma once

#include <QSqlDatabase>
#include <QString>

// The SQLite database: opened in WAL mode with foreign keys on and synchronous=FULL (so an
// acknowledged write survives a crash), schema created and migrated by version
// (PRAGMA user_version). One connection per thread; the name identifies it.
class Database
{
public:
    Database();
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Opens <dataDir>/switchboard.sqlite (creating dataDir if needed) and migrates.
    bool open(const QString &dataDir, QString *error);
    void close();
    bool isOpen() const;
    QSqlDatabase connection() const;
    int schemaVersion() const;

    static int latestSchemaVersion();

private:
    bool migrate(QString *error);
    QString m_connectionName;
};

// RAII transaction: rolls back unless commit() succeeded.
class Transaction
{
public:
    explicit Transaction(QSqlDatabase db);
    ~Transaction();
    bool commit();
private:
    QSqlDatabase m_db;
    bool m_done = false;
};
