#pragma once

#include "storage/Database.h"

#include <QSqlQuery>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

// One migrated database in a fresh temporary directory, removed with the object: the shared
// fixture of store and module tests.
class TempDatabase
{
public:
    TempDatabase()
    {
        QString error;
        m_ok = m_dir.isValid() && m_db.open(m_dir.path(), &error);
        m_error = error;
    }
    bool isOpen() const { return m_ok; }
    const QString &error() const { return m_error; }
    Database *database() { return &m_db; }
    QString path() const { return m_dir.path(); }

    // Accounts without credentials, enough for stores that refer to them.
    bool addAccounts(const QStringList &usernames)
    {
        for (const QString &user : usernames) {
            QSqlQuery q(m_db.connection());
            q.prepare(QStringLiteral("INSERT INTO accounts (username, created) VALUES (?, '2024-01-01T00:00:00Z')"));
            q.addBindValue(user);
            if (!q.exec())
                return false;
        }
        return true;
    }

private:
    QTemporaryDir m_dir;
    Database m_db;
    bool m_ok = false;
    QString m_error;
};
