#include "storage/AccountStore.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>
#include <functional>

using namespace Qt::StringLiterals;

namespace {

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

// Binds :<prefix>_salt, _iterations, _stored_key and _server_key; NULLs for an unusable set.
void bindCredentials(QSqlQuery &query, QStringView prefix, const ScramCredentials &credentials)
{
    const bool valid = credentials.isValid();
    const QVariant nullBlob(QMetaType::fromType<QByteArray>());
    query.bindValue(u":%1_salt"_s.arg(prefix), valid ? QVariant(credentials.salt) : nullBlob);
    query.bindValue(u":%1_iterations"_s.arg(prefix),
                    valid ? QVariant(credentials.iterations) : QVariant(QMetaType::fromType<int>()));
    query.bindValue(u":%1_stored_key"_s.arg(prefix), valid ? QVariant(credentials.storedKey) : nullBlob);
    query.bindValue(u":%1_server_key"_s.arg(prefix), valid ? QVariant(credentials.serverKey) : nullBlob);
}

ScramCredentials readCredentials(const QSqlQuery &query, int first)
{
    ScramCredentials credentials;
    if (query.isNull(first))
        return credentials;
    credentials.salt = query.value(first).toByteArray();
    credentials.iterations = query.value(first + 1).toInt();
    credentials.storedKey = query.value(first + 2).toByteArray();
    credentials.serverKey = query.value(first + 3).toByteArray();
    return credentials;
}

bool hasCredentials(const ScramCredentials &sha1, const ScramCredentials &sha256)
{
    return sha1.isValid() || sha256.isValid();
}

// One statement on one existing account (:username), in its own transaction. failure is the
// message prefix with %1 for the user name; a missing account is an error, not a no-op.
bool writeOneAccount(Database *database, const QString &username, const QString &sql,
                     const std::function<void(QSqlQuery &)> &bind, const QString &failure, QString *error)
{
    if (!database || !database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    Transaction transaction(database->connection());
    if (!transaction.isActive()) {
        setError(error, u"cannot write to the database: %1"_s.arg(transaction.errorText()));
        return false;
    }
    QSqlQuery query(database->connection());
    query.prepare(sql);
    bind(query);
    query.bindValue(u":username"_s, username);
    if (!query.exec()) {
        setError(error, failure.arg(username) + u": "_s + query.lastError().text());
        return false;
    }
    if (query.numRowsAffected() == 0) {
        setError(error, u"no such account: %1"_s.arg(username));
        return false;
    }
    query.finish();
    if (!transaction.commit()) {
        setError(error, failure.arg(username) + u": "_s + transaction.errorText());
        return false;
    }
    return true;
}

} // namespace

AccountStore::AccountStore(Database *database)
    : m_database(database)
{
}

std::optional<AccountStore::Account> AccountStore::find(const QString &username) const
{
    if (!m_database || !m_database->isOpen())
        return std::nullopt;
    CachedQuery cached = m_database->cachedQuery(
        u"SELECT sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,"
        " sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key,"
        " disabled, created FROM accounts WHERE username = :username"_s);
    QSqlQuery &query = *cached;
    query.bindValue(u":username"_s, username);
    if (!query.exec()) {
        qWarning("AccountStore: cannot look up an account: %s", qPrintable(query.lastError().text()));
        return std::nullopt;
    }
    if (!query.next())
        return std::nullopt;
    Account account;
    account.username = username;
    account.sha1 = readCredentials(query, 0);
    account.sha256 = readCredentials(query, 4);
    account.disabled = query.value(8).toInt() != 0;
    account.created = QDateTime::fromString(query.value(9).toString(), Qt::ISODateWithMs);
    return account;
}

bool AccountStore::exists(const QString &username) const
{
    if (!m_database || !m_database->isOpen())
        return false;
    CachedQuery cached = m_database->cachedQuery(u"SELECT 1 FROM accounts WHERE username = :username"_s);
    QSqlQuery &query = *cached;
    query.bindValue(u":username"_s, username);
    if (!query.exec()) {
        qWarning("AccountStore: cannot look up an account: %s", qPrintable(query.lastError().text()));
        return false;
    }
    return query.next();
}

QStringList AccountStore::usernames() const
{
    QStringList names;
    if (!m_database || !m_database->isOpen())
        return names;
    QSqlQuery query(m_database->connection());
    query.setForwardOnly(true);
    if (!query.prepare(u"SELECT username FROM accounts ORDER BY username COLLATE BINARY"_s) || !query.exec()) {
        qWarning("AccountStore: cannot list the accounts: %s", qPrintable(query.lastError().text()));
        return names;
    }
    while (query.next())
        names.append(query.value(0).toString());
    return names;
}

int AccountStore::count() const
{
    if (!m_database || !m_database->isOpen())
        return -1;
    QSqlQuery query(m_database->connection());
    if (!query.prepare(u"SELECT COUNT(*) FROM accounts"_s) || !query.exec() || !query.next())
        return -1;
    return query.value(0).toInt();
}

bool AccountStore::create(const Account &account, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    if (account.username.isEmpty()) {
        setError(error, u"the user name is empty"_s);
        return false;
    }
    if (!hasCredentials(account.sha1, account.sha256)) {
        setError(error, u"no credentials for account %1"_s.arg(account.username));
        return false;
    }
    const QDateTime created = account.created.isValid() ? account.created : QDateTime::currentDateTimeUtc();

    Transaction transaction(m_database->connection());
    if (!transaction.isActive()) {
        setError(error, u"cannot write to the database: %1"_s.arg(transaction.errorText()));
        return false;
    }
    QSqlQuery query(m_database->connection());
    query.prepare(u"INSERT INTO accounts (username,"
                  " sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,"
                  " sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key,"
                  " disabled, created)"
                  " VALUES (:username,"
                  " :sha1_salt, :sha1_iterations, :sha1_stored_key, :sha1_server_key,"
                  " :sha256_salt, :sha256_iterations, :sha256_stored_key, :sha256_server_key,"
                  " :disabled, :created)"
                  " ON CONFLICT (username) DO NOTHING"_s);
    query.bindValue(u":username"_s, account.username);
    bindCredentials(query, u"sha1", account.sha1);
    bindCredentials(query, u"sha256", account.sha256);
    query.bindValue(u":disabled"_s, account.disabled ? 1 : 0);
    query.bindValue(u":created"_s, created.toUTC().toString(Qt::ISODateWithMs));
    if (!query.exec()) {
        setError(error, u"cannot create account %1: %2"_s.arg(account.username, query.lastError().text()));
        return false;
    }
    if (query.numRowsAffected() == 0) {
        setError(error, u"account exists: %1"_s.arg(account.username));
        return false;
    }
    query.finish();
    if (!transaction.commit()) {
        setError(error, u"cannot create account %1: %2"_s.arg(account.username, transaction.errorText()));
        return false;
    }
    return true;
}

bool AccountStore::createMany(const QList<Account> &accounts, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    const QString now = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs);
    Transaction transaction(m_database->connection());
    if (!transaction.isActive()) {
        setError(error, u"cannot write to the database: %1"_s.arg(transaction.errorText()));
        return false;
    }
    // Positional placeholders: the statement is compiled once and only re-bound per row.
    QSqlQuery query(m_database->connection());
    if (!query.prepare(u"INSERT INTO accounts (username,"
                       " sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key,"
                       " sha256_salt, sha256_iterations, sha256_stored_key, sha256_server_key,"
                       " disabled, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                       " ON CONFLICT (username) DO NOTHING"_s)) {
        setError(error, u"cannot prepare the account import: %1"_s.arg(query.lastError().text()));
        return false;
    }
    const QVariant nullBlob(QMetaType::fromType<QByteArray>());
    const QVariant nullInt(QMetaType::fromType<int>());
    for (const Account &account : accounts) {
        if (account.username.isEmpty() || !hasCredentials(account.sha1, account.sha256)) {
            setError(error, u"no credentials for account %1"_s.arg(account.username));
            return false;
        }
        int column = 0;
        query.bindValue(column++, account.username);
        for (const ScramCredentials *c : {&account.sha1, &account.sha256}) {
            const bool valid = c->isValid();
            query.bindValue(column++, valid ? QVariant(c->salt) : nullBlob);
            query.bindValue(column++, valid ? QVariant(c->iterations) : nullInt);
            query.bindValue(column++, valid ? QVariant(c->storedKey) : nullBlob);
            query.bindValue(column++, valid ? QVariant(c->serverKey) : nullBlob);
        }
        query.bindValue(column++, account.disabled ? 1 : 0);
        query.bindValue(column++, account.created.isValid() ? account.created.toUTC().toString(Qt::ISODateWithMs) : now);
        if (!query.exec()) {
            setError(error, u"cannot create account %1: %2"_s.arg(account.username, query.lastError().text()));
            return false;
        }
        if (query.numRowsAffected() == 0) {
            setError(error, u"account exists: %1"_s.arg(account.username));
            return false;
        }
    }
    query.finish();
    if (!transaction.commit()) {
        setError(error, u"cannot commit the account import: %1"_s.arg(transaction.errorText()));
        return false;
    }
    return true;
}

bool AccountStore::updateCredentials(const QString &username, const ScramCredentials &sha1,
                                     const ScramCredentials &sha256, QString *error)
{
    if (!hasCredentials(sha1, sha256)) {
        setError(error, u"no credentials for account %1"_s.arg(username));
        return false;
    }
    return writeOneAccount(m_database, username,
                           u"UPDATE accounts SET"
                           " sha1_salt = :sha1_salt, sha1_iterations = :sha1_iterations,"
                           " sha1_stored_key = :sha1_stored_key, sha1_server_key = :sha1_server_key,"
                           " sha256_salt = :sha256_salt, sha256_iterations = :sha256_iterations,"
                           " sha256_stored_key = :sha256_stored_key, sha256_server_key = :sha256_server_key"
                           " WHERE username = :username"_s,
                           [&](QSqlQuery &query) {
                               bindCredentials(query, u"sha1", sha1);
                               bindCredentials(query, u"sha256", sha256);
                           },
                           u"cannot change the credentials of %1"_s, error);
}

bool AccountStore::remove(const QString &username, QString *error)
{
    return writeOneAccount(m_database, username, u"DELETE FROM accounts WHERE username = :username"_s,
                           [](QSqlQuery &) {}, u"cannot remove account %1"_s, error);
}

bool AccountStore::setDisabled(const QString &username, bool disabled, QString *error)
{
    return writeOneAccount(m_database, username,
                           u"UPDATE accounts SET disabled = :disabled WHERE username = :username"_s,
                           [disabled](QSqlQuery &query) { query.bindValue(u":disabled"_s, disabled ? 1 : 0); },
                           u"cannot change account %1"_s, error);
}
