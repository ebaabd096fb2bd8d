#pragma once

#include "auth/ScramCredentials.h"
#include "storage/Database.h"

#include <QDateTime>
#include <QString>
#include <QStringList>
#include <optional>

// Accounts of the served domain, keyed by the prepared localpart. Passwords are never stored:
// only SCRAM-SHA-1 and SCRAM-SHA-256 salt, iteration count, StoredKey and ServerKey.
// Every write is one transaction; every value is bound, never spliced into SQL.
class AccountStore
{
public:
    struct Account
    {
        QString username;
        ScramCredentials sha1;      // an invalid set (e.g. empty) is stored as NULLs
        ScramCredentials sha256;
        bool disabled = false;
        QDateTime created;          // UTC; set to now by create() when invalid
    };

    explicit AccountStore(Database *database);

    std::optional<Account> find(const QString &username) const;
    bool exists(const QString &username) const;
    QStringList usernames() const;      // sorted (binary, i.e. by code point)
    int count() const;                  // -1 on a database error
    // Inserts a new account; fails with "account exists: <name>" if there is one already.
    // At least one of sha1 / sha256 must be valid.
    bool create(const Account &account, QString *error);
    // Bulk path (`switchboard user import`): inserts every account in ONE transaction with one
    // prepared statement. All or nothing: an existing name fails the whole batch with
    // "account exists: <name>".
    bool createMany(const QList<Account> &accounts, QString *error);
    // Replaces both credential sets (a password change); fails if there is no such account.
    bool updateCredentials(const QString &username, const ScramCredentials &sha1,
                           const ScramCredentials &sha256, QString *error);
    // Fail with "no such account: <name>" if the account is missing.
    bool remove(const QString &username, QString *error);
    bool setDisabled(const QString &username, bool disabled, QString *error);

private:
    Database *m_database;
};
