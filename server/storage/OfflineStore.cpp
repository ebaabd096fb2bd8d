#include "storage/OfflineStore.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace {
void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}
} // namespace

OfflineStore::OfflineStore(Database *database)
    : m_database(database)
{
}

OfflineStore::Result OfflineStore::store(const QString &username, const QString &stanza, const QDateTime &stamp,
                                         int quota, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return Result::Failed;
    }
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, u"cannot write to the database: %1"_s.arg(transaction.errorText()));
        return Result::Failed;
    }
    if (quota >= 0) {
        QSqlQuery count(db);
        count.prepare(u"SELECT COUNT(*) FROM offline_messages WHERE username = :username"_s);
        count.bindValue(u":username"_s, username);
        if (!count.exec() || !count.next()) {
            setError(error, u"cannot count offline messages of %1: %2"_s.arg(username, count.lastError().text()));
            return Result::Failed;
        }
        const qint64 stored = count.value(0).toLongLong();
        count.finish();
        if (stored >= quota)
            return Result::QuotaExceeded;   // the destructor rolls back the empty transaction
    }
    QSqlQuery insert(db);
    insert.prepare(u"INSERT INTO offline_messages (username, stanza, stamp) VALUES (:username, :stanza, :stamp)"_s);
    insert.bindValue(u":username"_s, username);
    insert.bindValue(u":stanza"_s, stanza);
    insert.bindValue(u":stamp"_s, stamp.toUTC().toString(Qt::ISODateWithMs));
    if (!insert.exec()) {
        setError(error, u"cannot store an offline message for %1: %2"_s.arg(username, insert.lastError().text()));
        return Result::Failed;
    }
    insert.finish();
    if (!transaction.commit()) {
        setError(error, u"cannot store an offline message for %1: %2"_s.arg(username, transaction.errorText()));
        return Result::Failed;
    }
    return Result::Stored;
}

QList<OfflineStore::Message> OfflineStore::messages(const QString &username, QString *error) const
{
    QList<Message> result;
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return result;
    }
    CachedQuery cached = m_database->cachedQuery(
        u"SELECT id, stanza, stamp FROM offline_messages WHERE username = :username ORDER BY id"_s);
    QSqlQuery &query = *cached;
    query.bindValue(u":username"_s, username);
    if (!query.exec()) {
        setError(error, u"cannot read offline messages of %1: %2"_s.arg(username, query.lastError().text()));
        return result;
    }
    while (query.next()) {
        Message m;
        m.id = query.value(0).toLongLong();
        m.stanza = query.value(1).toString();
        m.stamp = QDateTime::fromString(query.value(2).toString(), Qt::ISODateWithMs);
        result.append(m);
    }
    return result;
}

int OfflineStore::count(const QString &username) const
{
    if (!m_database || !m_database->isOpen())
        return -1;
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT COUNT(*) FROM offline_messages WHERE username = :username"_s);
    query.bindValue(u":username"_s, username);
    if (!query.exec() || !query.next())
        return -1;
    return query.value(0).toInt();
}

bool OfflineStore::remove(const QString &username, const QList<qint64> &ids, QString *error)
{
    if (ids.isEmpty())
        return true;
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, u"cannot write to the database: %1"_s.arg(transaction.errorText()));
        return false;
    }
    QSqlQuery query(db);
    query.prepare(u"DELETE FROM offline_messages WHERE username = :username AND id = :id"_s);
    for (qint64 id : ids) {
        query.bindValue(u":username"_s, username);
        query.bindValue(u":id"_s, id);
        if (!query.exec()) {
            setError(error, u"cannot delete offline messages of %1: %2"_s.arg(username, query.lastError().text()));
            return false;
        }
    }
    query.finish();
    if (!transaction.commit()) {
        setError(error, u"cannot delete offline messages of %1: %2"_s.arg(username, transaction.errorText()));
        return false;
    }
    return true;
}
