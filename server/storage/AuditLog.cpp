#include "storage/AuditLog.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

AuditLog::AuditLog(Database *database)
    : m_database(database)
{
}

bool AuditLog::append(AuditEntry *entry, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        if (error)
            *error = u"the database is not open"_s;
        return false;
    }
    if (!entry->time.isValid())
        entry->time = QDateTime::currentDateTimeUtc();
    QSqlQuery query(m_database->connection());
    query.prepare(u"INSERT INTO audit_log (time, action, target, reason) VALUES (:time, :action, :target, :reason)"_s);
    query.bindValue(u":time"_s, entry->time.toUTC().toString(Qt::ISODateWithMs));
    // A null QString would bind as NULL; the columns hold '' for "none".
    const auto text = [](const QString &value) { return value.isNull() ? u""_s : value; };
    query.bindValue(u":action"_s, text(entry->action));
    query.bindValue(u":target"_s, text(entry->target));
    query.bindValue(u":reason"_s, text(entry->reason));
    if (!query.exec()) {
        if (error)
            *error = query.lastError().text();
        return false;
    }
    entry->id = query.lastInsertId().toLongLong();
    return true;
}

QList<AuditEntry> AuditLog::recent(int limit) const
{
    QList<AuditEntry> entries;
    if (!m_database || !m_database->isOpen() || limit <= 0)
        return entries;
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT id, time, action, target, reason FROM audit_log ORDER BY id DESC LIMIT :limit"_s);
    query.bindValue(u":limit"_s, limit);
    if (!query.exec()) {
        qWarning("AuditLog: cannot read the log: %s", qPrintable(query.lastError().text()));
        return entries;
    }
    while (query.next()) {
        AuditEntry entry;
        entry.id = query.value(0).toLongLong();
        entry.time = QDateTime::fromString(query.value(1).toString(), Qt::ISODateWithMs);
        entry.action = query.value(2).toString();
        entry.target = query.value(3).toString();
        entry.reason = query.value(4).toString();
        entries.append(entry);
    }
    return entries;
}
