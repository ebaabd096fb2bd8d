#include "storage/RosterStore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

QString groupsToJson(const QStringList &groups)
{
    return QString::fromUtf8(QJsonDocument(QJsonArray::fromStringList(groups)).toJson(QJsonDocument::Compact));
}

QStringList groupsFromJson(const QString &json)
{
    QStringList groups;
    const QJsonArray array = QJsonDocument::fromJson(json.toUtf8()).array();
    for (const QJsonValue &value : array) {
        if (value.isString())
            groups.append(value.toString());
    }
    return groups;
}

// Columns: contact, name, subscription, ask, pending_in, approved, groups (from `first`).
std::optional<RosterStore::Item> readItem(const QSqlQuery &query, int first)
{
    RosterStore::Item item;
    item.jid = Jid::parse(query.value(first).toString());
    if (item.jid.isNull())
        return std::nullopt;
    item.name = query.value(first + 1).toString();
    item.subscription = query.value(first + 2).toString();
    item.pendingOut = query.value(first + 3).toInt() != 0;
    item.pendingIn = query.value(first + 4).toInt() != 0;
    item.approved = query.value(first + 5).toInt() != 0;
    item.groups = groupsFromJson(query.value(first + 6).toString());
    return item;
}

const QString ItemColumns = u"contact, name, subscription, ask, pending_in, approved, groups"_s;

} // namespace

RosterStore::Write RosterStore::Write::putItem(const QString &username, const Item &item, bool visible)
{
    Write w;
    w.kind = Kind::PutItem;
    w.username = username;
    w.item = item;
    w.visible = visible;
    return w;
}

RosterStore::Write RosterStore::Write::removeItem(const QString &username, const Jid &contact)
{
    Write w;
    w.kind = Kind::RemoveItem;
    w.username = username;
    w.item.jid = contact;
    return w;
}

RosterStore::Write RosterStore::Write::putRequest(const QString &username, const Jid &contact, const QString &stanza)
{
    Write w;
    w.kind = Kind::PutRequest;
    w.username = username;
    w.item.jid = contact;
    w.stanza = stanza;
    return w;
}

RosterStore::Write RosterStore::Write::removeRequest(const QString &username, const Jid &contact)
{
    Write w;
    w.kind = Kind::RemoveRequest;
    w.username = username;
    w.item.jid = contact;
    return w;
}

RosterStore::RosterStore(Database *database)
    : m_database(database)
{
}

std::optional<RosterStore::Snapshot> RosterStore::load(const QString &username, QString *error) const
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return std::nullopt;
    }
    Snapshot roster;
    roster.version = version(username);
    if (roster.version < 0) {
        setError(error, u"cannot read the roster version of %1"_s.arg(username));
        return std::nullopt;
    }
    CachedQuery cached = m_database->cachedQuery(
        u"SELECT "_s + ItemColumns + u" FROM roster_items WHERE username = :username ORDER BY contact"_s);
    QSqlQuery &query = *cached;
    query.bindValue(u":username"_s, username);
    if (!query.exec()) {
        setError(error, u"cannot load the roster of %1: %2"_s.arg(username, query.lastError().text()));
        return std::nullopt;
    }
    while (query.next()) {
        if (const auto item = readItem(query, 0))
            roster.items.append(*item);
    }
    return roster;
}

qint64 RosterStore::version(const QString &username) const
{
    if (!m_database || !m_database->isOpen())
        return -1;
    CachedQuery cached = m_database->cachedQuery(u"SELECT version FROM roster_versions WHERE username = :username"_s);
    QSqlQuery &query = *cached;
    query.bindValue(u":username"_s, username);
    if (!query.exec())
        return -1;
    return query.next() ? query.value(0).toLongLong() : 0;
}

QList<RosterStore::PendingRequest> RosterStore::pendingRequests(const QString &username) const
{
    QList<PendingRequest> result;
    if (!m_database || !m_database->isOpen())
        return result;
    CachedQuery cached = m_database->cachedQuery(
        u"SELECT contact, stanza, received FROM subscription_requests WHERE username = :username"
        " ORDER BY received, contact"_s);
    QSqlQuery &query = *cached;
    query.bindValue(u":username"_s, username);
    if (!query.exec()) {
        qWarning("RosterStore: cannot read subscription requests: %s", qPrintable(query.lastError().text()));
        return result;
    }
    while (query.next()) {
        PendingRequest request;
        request.contact = Jid::parse(query.value(0).toString());
        request.stanza = query.value(1).toString();
        request.received = QDateTime::fromString(query.value(2).toString(), Qt::ISODateWithMs);
        if (!request.contact.isNull())
            result.append(request);
    }
    return result;
}

std::optional<RosterStore::PendingRequest> RosterStore::pendingRequest(const QString &username, const Jid &contact) const
{
    if (!m_database || !m_database->isOpen())
        return std::nullopt;
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT stanza, received FROM subscription_requests WHERE username = :username AND contact = :contact"_s);
    query.bindValue(u":username"_s, username);
    query.bindValue(u":contact"_s, contact.bareString());
    if (!query.exec() || !query.next())
        return std::nullopt;
    PendingRequest request;
    request.contact = contact.bare();
    request.stanza = query.value(0).toString();
    request.received = QDateTime::fromString(query.value(1).toString(), Qt::ISODateWithMs);
    return request;
}

std::optional<QList<RosterStore::Change>> RosterStore::changesSince(const QString &username, qint64 since) const
{
    const qint64 current = version(username);
    if (current < 0 || since < 0 || since > current)
        return std::nullopt;
    QList<Change> changes;
    if (since == current)
        return changes;

    QSqlQuery items(m_database->connection());
    items.setForwardOnly(true);
    items.prepare(u"SELECT "_s + ItemColumns + u", version FROM roster_items"
                  " WHERE username = :username AND version > :since"_s);
    items.bindValue(u":username"_s, username);
    items.bindValue(u":since"_s, since);
    if (!items.exec())
        return std::nullopt;
    while (items.next()) {
        if (const auto item = readItem(items, 0))
            changes.append(Change{*item, false, items.value(7).toLongLong()});
    }

    QSqlQuery removals(m_database->connection());
    removals.setForwardOnly(true);
    removals.prepare(u"SELECT contact, version FROM roster_removals WHERE username = :username AND version > :since"_s);
    removals.bindValue(u":username"_s, username);
    removals.bindValue(u":since"_s, since);
    if (!removals.exec())
        return std::nullopt;
    while (removals.next()) {
        Change change;
        change.item.jid = Jid::parse(removals.value(0).toString());
        change.removed = true;
        change.version = removals.value(1).toLongLong();
        if (!change.item.jid.isNull())
            changes.append(change);
    }
    std::sort(changes.begin(), changes.end(), [](const Change &a, const Change &b) { return a.version < b.version; });
    return changes;
}

bool RosterStore::apply(QList<Write> &writes, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    if (writes.isEmpty())
        return true;
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, u"cannot write to the database: %1"_s.arg(transaction.errorText()));
        return false;
    }

    auto run = [&](QSqlQuery &query, const QString &what) {
        if (query.exec())
            return true;
        setError(error, u"cannot %1: %2"_s.arg(what, query.lastError().text()));
        return false;
    };
    // The owner's next version (after a visible change) or the current one.
    auto nextVersion = [&](const QString &username, bool bump, qint64 *version) {
        QSqlQuery query(db);
        if (bump) {
            query.prepare(u"INSERT INTO roster_versions (username, version) VALUES (:username, 1)"
                          " ON CONFLICT (username) DO UPDATE SET version = version + 1"_s);
            query.bindValue(u":username"_s, username);
            if (!run(query, u"bump the roster version of %1"_s.arg(username)))
                return false;
        }
        query.prepare(u"SELECT version FROM roster_versions WHERE username = :username"_s);
        query.bindValue(u":username"_s, username);
        if (!run(query, u"read the roster version of %1"_s.arg(username)))
            return false;
        *version = query.next() ? query.value(0).toLongLong() : 0;
        return true;
    };

    for (Write &w : writes) {
        const QString contact = w.item.jid.bareString();
        if (w.username.isEmpty() || contact.isEmpty()) {
            setError(error, u"a roster write without owner or contact"_s);
            return false;
        }
        QSqlQuery query(db);
        switch (w.kind) {
        case Write::Kind::PutItem: {
            if (!nextVersion(w.username, w.visible, &w.version))
                return false;
            query.prepare(u"INSERT INTO roster_items"
                          " (username, contact, name, subscription, ask, pending_in, approved, groups, version)"
                          " VALUES (:username, :contact, :name, :subscription, :ask, :pending_in, :approved, :groups, :version)"
                          " ON CONFLICT (username, contact) DO UPDATE SET name = excluded.name,"
                          " subscription = excluded.subscription, ask = excluded.ask,"
                          " pending_in = excluded.pending_in, approved = excluded.approved, groups = excluded.groups,"
                          " version = CASE WHEN :visible THEN excluded.version ELSE roster_items.version END"_s);
            query.bindValue(u":username"_s, w.username);
            query.bindValue(u":contact"_s, contact);
            query.bindValue(u":name"_s, w.item.name.isNull() ? u""_s : w.item.name);
            query.bindValue(u":subscription"_s, w.item.subscription);
            query.bindValue(u":ask"_s, w.item.pendingOut ? 1 : 0);
            query.bindValue(u":pending_in"_s, w.item.pendingIn ? 1 : 0);
            query.bindValue(u":approved"_s, w.item.approved ? 1 : 0);
            query.bindValue(u":groups"_s, groupsToJson(w.item.groups));
            query.bindValue(u":version"_s, w.version);
            query.bindValue(u":visible"_s, w.visible ? 1 : 0);
            if (!run(query, u"store a roster item of %1"_s.arg(w.username)))
                return false;
            if (w.visible) {
                QSqlQuery tombstone(db);
                tombstone.prepare(u"DELETE FROM roster_removals WHERE username = :username AND contact = :contact"_s);
                tombstone.bindValue(u":username"_s, w.username);
                tombstone.bindValue(u":contact"_s, contact);
                if (!run(tombstone, u"update the roster history of %1"_s.arg(w.username)))
                    return false;
            }
            break;
        }
        case Write::Kind::RemoveItem: {
            if (!nextVersion(w.username, true, &w.version))
                return false;
            query.prepare(u"DELETE FROM roster_items WHERE username = :username AND contact = :contact"_s);
            query.bindValue(u":username"_s, w.username);
            query.bindValue(u":contact"_s, contact);
            if (!run(query, u"remove a roster item of %1"_s.arg(w.username)))
                return false;
            QSqlQuery tombstone(db);
            tombstone.prepare(u"INSERT INTO roster_removals (username, contact, version) VALUES (:username, :contact, :version)"
                              " ON CONFLICT (username, contact) DO UPDATE SET version = excluded.version"_s);
            tombstone.bindValue(u":username"_s, w.username);
            tombstone.bindValue(u":contact"_s, contact);
            tombstone.bindValue(u":version"_s, w.version);
            if (!run(tombstone, u"record a roster removal of %1"_s.arg(w.username)))
                return false;
            break;
        }
        case Write::Kind::PutRequest:
        case Write::Kind::RemoveRequest: {
            const bool put = w.kind == Write::Kind::PutRequest;
            if (put) {
                query.prepare(u"INSERT INTO subscription_requests (username, contact, stanza, received)"
                              " VALUES (:username, :contact, :stanza, :received)"
                              " ON CONFLICT (username, contact) DO UPDATE SET stanza = excluded.stanza"_s);
                query.bindValue(u":stanza"_s, w.stanza);
                query.bindValue(u":received"_s, QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
            } else {
                query.prepare(u"DELETE FROM subscription_requests WHERE username = :username AND contact = :contact"_s);
            }
            query.bindValue(u":username"_s, w.username);
            query.bindValue(u":contact"_s, contact);
            if (!run(query, u"record a subscription request for %1"_s.arg(w.username)))
                return false;
            QSqlQuery flag(db);
            flag.prepare(u"UPDATE roster_items SET pending_in = :pending WHERE username = :username AND contact = :contact"_s);
            flag.bindValue(u":pending"_s, put ? 1 : 0);
            flag.bindValue(u":username"_s, w.username);
            flag.bindValue(u":contact"_s, contact);
            if (!run(flag, u"record a subscription request for %1"_s.arg(w.username)))
                return false;
            break;
        }
        }
    }
    if (!transaction.commit()) {
        setError(error, u"cannot commit a roster change: %1"_s.arg(transaction.errorText()));
        return false;
    }
    return true;
}
