#include "storage/PepStore.h"

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

bool run(QSqlQuery &query, QString *error)
{
    if (query.exec())
        return true;
    setError(error, query.lastError().text());
    return false;
}

PepStore::Item itemOf(const QSqlQuery &query)
{
    return {query.value(0).toString(), query.value(1).toString(), query.value(2).toString(),
            query.value(3).toLongLong()};
}

// Keeps the newest maxItems items of the node.
bool trim(QSqlDatabase &db, const QString &owner, const QString &node, int maxItems, QString *error)
{
    QSqlQuery query(db);
    query.prepare(u"DELETE FROM pep_items WHERE owner = ? AND node = ? AND seq NOT IN "
                  "(SELECT seq FROM pep_items WHERE owner = ? AND node = ? ORDER BY seq DESC LIMIT ?)"_s);
    query.addBindValue(owner);
    query.addBindValue(node);
    query.addBindValue(owner);
    query.addBindValue(node);
    query.addBindValue(maxItems);
    return run(query, error);
}
} // namespace

PepStore::PepStore(Database *database)
    : m_database(database)
{
}

QStringList PepStore::migrations()
{
    return {u"CREATE TABLE pep_nodes ("
            "  owner TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
            "  node TEXT NOT NULL,"
            "  config TEXT NOT NULL,"
            "  PRIMARY KEY (owner, node)"
            ") WITHOUT ROWID;"_s,
            u"CREATE TABLE pep_items ("
            "  owner TEXT NOT NULL,"
            "  node TEXT NOT NULL,"
            "  item_id TEXT NOT NULL,"
            "  seq INTEGER NOT NULL,"
            "  publisher TEXT NOT NULL,"
            "  payload TEXT NOT NULL,"
            "  PRIMARY KEY (owner, node, item_id),"
            "  FOREIGN KEY (owner, node) REFERENCES pep_nodes (owner, node) ON DELETE CASCADE"
            ") WITHOUT ROWID;"_s,
            u"CREATE INDEX pep_items_by_seq ON pep_items (owner, node, seq);"_s};
}

std::optional<QString> PepStore::config(const QString &owner, const QString &node, QString *error) const
{
    if (!isOpen())
        return std::nullopt;
    CachedQuery cached = m_database->cachedQuery(u"SELECT config FROM pep_nodes WHERE owner = ? AND node = ?"_s);
    QSqlQuery &query = *cached;
    query.addBindValue(owner);
    query.addBindValue(node);
    if (!run(query, error) || !query.next())
        return std::nullopt;
    return query.value(0).toString();
}

QList<PepStore::Node> PepStore::nodes(const QString &owner, QString *error) const
{
    QList<Node> result;
    if (!isOpen())
        return result;
    CachedQuery cached = m_database->cachedQuery(u"SELECT n.node, n.config, (SELECT COUNT(*) FROM pep_items i WHERE i.owner = n.owner AND i.node = n.node)"
                  " FROM pep_nodes n WHERE n.owner = ? ORDER BY n.node"_s);
    QSqlQuery &query = *cached;
    query.addBindValue(owner);
    if (!run(query, error))
        return result;
    while (query.next())
        result.append({query.value(0).toString(), query.value(1).toString(), query.value(2).toInt()});
    return result;
}

int PepStore::nodeCount(const QString &owner) const
{
    if (!isOpen())
        return -1;
    CachedQuery cached = m_database->cachedQuery(u"SELECT COUNT(*) FROM pep_nodes WHERE owner = ?"_s);
    QSqlQuery &query = *cached;
    query.addBindValue(owner);
    if (!query.exec() || !query.next())
        return -1;
    return query.value(0).toInt();
}

bool PepStore::createNode(const QString &owner, const QString &node, const QString &config, QString *error)
{
    if (!isOpen())
        return false;
    QSqlQuery query(m_database->connection());
    query.prepare(u"INSERT INTO pep_nodes (owner, node, config) VALUES (?, ?, ?)"_s);
    query.addBindValue(owner);
    query.addBindValue(node);
    query.addBindValue(config);
    return run(query, error);
}

bool PepStore::configure(const QString &owner, const QString &node, const QString &config, int maxItems,
                         QString *error)
{
    if (!isOpen())
        return false;
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, transaction.errorText());
        return false;
    }
    QSqlQuery query(db);
    query.prepare(u"UPDATE pep_nodes SET config = ? WHERE owner = ? AND node = ?"_s);
    query.addBindValue(config);
    query.addBindValue(owner);
    query.addBindValue(node);
    if (!run(query, error) || !trim(db, owner, node, maxItems, error))
        return false;
    if (!transaction.commit()) {
        setError(error, transaction.errorText());
        return false;
    }
    return true;
}

bool PepStore::publish(const QString &owner, const QString &node, const QString &configIfNew, const Item &item,
                       int maxItems, QString *error)
{
    if (!isOpen())
        return false;
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, transaction.errorText());
        return false;
    }
    QSqlQuery create(db);
    create.prepare(u"INSERT OR IGNORE INTO pep_nodes (owner, node, config) VALUES (?, ?, ?)"_s);
    create.addBindValue(owner);
    create.addBindValue(node);
    create.addBindValue(configIfNew);
    if (!run(create, error))
        return false;
    QSqlQuery insert(db);
    insert.prepare(u"INSERT OR REPLACE INTO pep_items (owner, node, item_id, seq, publisher, payload) VALUES "
                   "(?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM pep_items WHERE owner = ? AND node = ?), ?, ?)"_s);
    insert.addBindValue(owner);
    insert.addBindValue(node);
    insert.addBindValue(item.id);
    insert.addBindValue(owner);
    insert.addBindValue(node);
    insert.addBindValue(item.publisher);
    insert.addBindValue(item.payload);
    if (!run(insert, error) || !trim(db, owner, node, maxItems, error))
        return false;
    if (!transaction.commit()) {
        setError(error, transaction.errorText());
        return false;
    }
    return true;
}

bool PepStore::retract(const QString &owner, const QString &node, const QString &id, QString *error)
{
    if (!isOpen())
        return false;
    QSqlQuery query(m_database->connection());
    query.prepare(u"DELETE FROM pep_items WHERE owner = ? AND node = ? AND item_id = ?"_s);
    query.addBindValue(owner);
    query.addBindValue(node);
    query.addBindValue(id);
    if (!run(query, error))
        return false;
    setError(error, QString());
    return query.numRowsAffected() > 0;
}

bool PepStore::purge(const QString &owner, const QString &node, QString *error)
{
    if (!isOpen())
        return false;
    QSqlQuery query(m_database->connection());
    query.prepare(u"DELETE FROM pep_items WHERE owner = ? AND node = ?"_s);
    query.addBindValue(owner);
    query.addBindValue(node);
    return run(query, error);
}

bool PepStore::deleteNode(const QString &owner, const QString &node, QString *error)
{
    if (!isOpen())
        return false;
    QSqlQuery query(m_database->connection());
    query.prepare(u"DELETE FROM pep_nodes WHERE owner = ? AND node = ?"_s);   // items cascade
    query.addBindValue(owner);
    query.addBindValue(node);
    return run(query, error);
}

std::optional<QList<PepStore::Item>> PepStore::items(const QString &owner, const QString &node, int max,
                                                     QString *error) const
{
    if (!isOpen())
        return std::nullopt;
    CachedQuery cached = m_database->cachedQuery(u"SELECT item_id, publisher, payload, seq FROM pep_items WHERE owner = ? AND node = ?"
                  " ORDER BY seq DESC LIMIT ?"_s);
    QSqlQuery &query = *cached;
    query.addBindValue(owner);
    query.addBindValue(node);
    query.addBindValue(max < 0 ? -1 : max);
    if (!run(query, error))
        return std::nullopt;
    QList<Item> result;
    while (query.next())
        result.append(itemOf(query));
    return result;
}

std::optional<QList<PepStore::Item>> PepStore::itemsById(const QString &owner, const QString &node,
                                                         const QStringList &ids, QString *error) const
{
    if (!isOpen())
        return std::nullopt;
    QList<Item> result;
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT item_id, publisher, payload, seq FROM pep_items WHERE owner = ? AND node = ? AND item_id = ?"_s);
    for (const QString &id : ids) {
        query.addBindValue(owner);
        query.addBindValue(node);
        query.addBindValue(id);
        if (!run(query, error))
            return std::nullopt;
        if (query.next())
            result.append(itemOf(query));
    }
    return result;
}

QHash<QString, PepStore::Item> PepStore::latestOfEveryOwner(const QString &node) const
{
    QHash<QString, Item> result;
    if (!isOpen())
        return result;
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT owner, item_id, publisher, payload, MAX(seq) FROM pep_items WHERE node = ? GROUP BY owner"_s);
    query.addBindValue(node);
    if (!query.exec())
        return result;
    while (query.next())
        result.insert(query.value(0).toString(), {query.value(1).toString(), query.value(2).toString(),
                                                  query.value(3).toString(), query.value(4).toLongLong()});
    return result;
}
