#pragma once

#include "auth/ScramCredentials.h"
#include "storage/Database.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <optional>

// Accounts of the served domain, keyed by the prepared localpart. Passwords are never stored:
// only SCRAM-SHA-1 and SCRAM-SHA-256 salt, iteration count, StoredKey and ServerKey.
class AccountStore
{
public:
    struct Account
    {
        QString username;
        ScramCredentials sha1;
        ScramCredentials sha256;
        bool disabled = false;
        QDateTime created;
    };

    explicit AccountStore(Database *database);

    std::optional<Account> find(const QString &username) const;
    bool exists(const QString &username) const;
    QStringList usernames() const;
    // Writes an account (insert or replace credentials) in one transaction.
    bool create(const Account &account, QString *error);
    bool updateCredentials(const QString &username, const ScramCredentials &sha1,
                           const ScramCredentials &sha256, QString *error);
    bool remove(const QString &username, QString *error);
    bool setDisabled(const QString &username, bool disabled, QString *error);

private:
    Database *m_database;
};
