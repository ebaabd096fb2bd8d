#include "storage/DomainRecord.h"

#include <QDateTime>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

DomainRecord::DomainRecord(Database *database)
    : m_database(database)
{
}

QString DomainRecord::recorded(QString *error) const
{
    error->clear();
    QSqlQuery query(m_database->connection());
    if (!query.exec(u"SELECT domain FROM server_domain WHERE id = 1"_s)) {
        *error = u"cannot read the recorded domain: %1"_s.arg(query.lastError().text());
        return {};
    }
    return query.next() ? query.value(0).toString() : QString();
}

QString DomainRecord::claim(const QString &domain, QString *error)
{
    Transaction transaction(m_database->connection());
    if (!transaction.isActive()) {
        *error = u"cannot record the domain: %1"_s.arg(transaction.errorText());
        return {};
    }
    const QString existing = recorded(error);
    if (!error->isEmpty())
        return {};
    if (!existing.isEmpty())
        return existing;
    QSqlQuery insert(m_database->connection());
    insert.prepare(u"INSERT INTO server_domain (id, domain, recorded) VALUES (1, ?, ?)"_s);
    insert.addBindValue(domain);
    insert.addBindValue(QDateTime::currentDateTimeUtc().toString(Qt::ISODate));
    if (!insert.exec()) {
        *error = u"cannot record the domain: %1"_s.arg(insert.lastError().text());
        return {};
    }
    if (!transaction.commit()) {
        *error = u"cannot record the domain: %1"_s.arg(transaction.errorText());
        return {};
    }
    return domain;
}

QString DomainRecord::mismatch(const QString &dataDir, const QString &recorded, const QString &wanted)
{
    return u"the data directory %1 belongs to the domain %2, not %3 (its accounts are %2's; use "
           "--domain %2 or another --data-dir)"_s.arg(dataDir, recorded, wanted);
}
