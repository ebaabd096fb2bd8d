#include "storage/ArchiveStore.h"

#include <QTimer>
#include <QUuid>

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

// A null QString binds as SQL NULL; the text columns are NOT NULL.
QString notNull(const QString &text)
{
    return text.isNull() ? u""_s : text;
}

QString joinJids(const QStringList &jids)
{
    return notNull(jids.join(u'\n'));   // a JID never contains a line break (RFC 7622 §3)
}

QStringList splitJids(const QString &text)
{
    return text.isEmpty() ? QStringList() : text.split(u'\n', Qt::SkipEmptyParts);
}

// A WHERE clause assembled from the filters, with its values in binding order.
struct Where
{
    QString sql;
    QVariantList values;
    void add(const QString &condition, const QVariant &value)
    {
        sql += u" AND "_s + condition;
        values.append(value);
    }
};

bool run(QSqlQuery &query, const QString &sql, const QVariantList &values)
{
    if (!query.prepare(sql))
        return false;
    for (const QVariant &v : values)
        query.addBindValue(v);
    return query.exec();
}

// Relaxes the connection's synchronous setting for one archive commit and restores the
// database's own (FULL, storage/Database.cpp) afterwards. PRAGMA synchronous applies between
// transactions, per connection.
class RelaxedSync
{
public:
    RelaxedSync(QSqlDatabase db, bool relax) : m_db(std::move(db)), m_relax(relax)
    {
        if (m_relax)
            QSqlQuery(m_db).exec(u"PRAGMA synchronous = NORMAL"_s);
    }
    ~RelaxedSync()
    {
        if (m_relax)
            QSqlQuery(m_db).exec(u"PRAGMA synchronous = FULL"_s);
    }
    RelaxedSync(const RelaxedSync &) = delete;
    RelaxedSync &operator=(const RelaxedSync &) = delete;

private:
    QSqlDatabase m_db;
    bool m_relax;
};

// Where an owner's rows live: users' archives go with their accounts, rooms' do not.
struct Table
{
    QString name;
    QString owner;   // the owner's column
};

Table tableOf(ArchiveStore::Owner::Kind kind)
{
    if (kind == ArchiveStore::Owner::Kind::Room)
        return {u"mam_room_archive"_s, u"room"_s};
    return {u"mam_archive"_s, u"username"_s};
}

QString insertSql(const Table &table)
{
    return u"INSERT INTO %1 (%2, id, stamp, with_bare, with_resource, stanza) VALUES (?, ?, ?, ?, ?, ?)"_s.arg(
        table.name, table.owner);
}

ArchiveStore::Row readRow(const QSqlQuery &q)
{
    ArchiveStore::Row row;
    row.key = q.value(0).toLongLong();
    row.id = q.value(1).toString();
    row.stamp = QDateTime::fromMSecsSinceEpoch(q.value(2).toLongLong(), Qt::UTC);
    row.withBare = q.value(3).toString();
    row.withResource = q.value(4).toString();
    row.stanza = q.value(5).toString();
    return row;
}
} // namespace

namespace {
// Past this many queued rows the queue is committed at once: bounds memory and the work of one
// commit when a burst fills a single event-loop turn.
constexpr int MaxQueued = 512;
} // namespace

ArchiveStore::ArchiveStore(Database *database)
    : m_database(database)
{
}

ArchiveStore::~ArchiveStore()
{
    QString error;
    if (!m_queue.isEmpty() && !flush(&error))
        qWarning("ArchiveStore: %lld archived messages lost at shutdown: %s", qlonglong(m_queue.size()),
                 qPrintable(error));
}

bool ArchiveStore::flush(QString *error) const
{
    if (m_flushTimer)
        m_flushTimer->stop();
    if (m_queue.isEmpty())
        return true;
    const QList<Entry> entries = std::exchange(m_queue, {});
    return write(entries, error);
}

QStringList ArchiveStore::schemaSteps()
{
    return {
        // key orders the archive; stamp is UTC milliseconds; the row goes with the account.
        u"CREATE TABLE mam_archive ("
        "  key INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
        "  id TEXT NOT NULL,"
        "  stamp INTEGER NOT NULL,"
        "  with_bare TEXT NOT NULL,"
        "  with_resource TEXT NOT NULL DEFAULT '',"
        "  stanza TEXT NOT NULL)"_s,
        // A user's whole archive in order (and the account's cascade).
        u"CREATE INDEX mam_archive_user ON mam_archive (username, key)"_s,
        // One conversation in order: "the last 50 with bob" is a range scan of this index.
        u"CREATE INDEX mam_archive_with ON mam_archive (username, with_bare, key)"_s,
        // RSM and before-id/after-id look rows up by stanza id.
        u"CREATE UNIQUE INDEX mam_archive_id ON mam_archive (username, id)"_s,
        // Retention deletes by age.
        u"CREATE INDEX mam_archive_stamp ON mam_archive (stamp)"_s,
        u"CREATE TABLE mam_prefs ("
        "  username TEXT PRIMARY KEY REFERENCES accounts (username) ON DELETE CASCADE,"
        "  default_policy TEXT NOT NULL,"
        "  always_jids TEXT NOT NULL DEFAULT '',"
        "  never_jids TEXT NOT NULL DEFAULT '')"_s,
        // Rooms' archives (XEP-0313 on a room JID): the same columns and indexes, owned by the
        // room's bare JID; no account to cascade with, removeArchive() deletes a room's rows.
        u"CREATE TABLE mam_room_archive ("
        "  key INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  room TEXT NOT NULL,"
        "  id TEXT NOT NULL,"
        "  stamp INTEGER NOT NULL,"
        "  with_bare TEXT NOT NULL,"
        "  with_resource TEXT NOT NULL DEFAULT '',"
        "  stanza TEXT NOT NULL)"_s,
        u"CREATE INDEX mam_room_archive_room ON mam_room_archive (room, key)"_s,
        u"CREATE INDEX mam_room_archive_with ON mam_room_archive (room, with_bare, key)"_s,
        u"CREATE UNIQUE INDEX mam_room_archive_id ON mam_room_archive (room, id)"_s,
        u"CREATE INDEX mam_room_archive_stamp ON mam_room_archive (stamp)"_s,
    };
}

qint64 ArchiveStore::append(const Owner &owner, const QString &id, const QDateTime &stamp,
                            const QString &withBare, const QString &withResource, const QString &stanza,
                            QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return -1;
    }
    if (!flush(error))   // the archive's order is the order of arrival
        return -1;
    // One statement is its own transaction in SQLite: committed on return.
    const RelaxedSync sync(m_database->connection(), !m_fsyncEachCommit);
    QSqlQuery insert(m_database->connection());
    if (!run(insert, insertSql(tableOf(owner.kind)),
             {owner.name, id, stamp.toMSecsSinceEpoch(), withBare, notNull(withResource), stanza})) {
        setError(error, u"cannot archive a message for %1: %2"_s.arg(owner.name, insert.lastError().text()));
        return -1;
    }
    return insert.lastInsertId().toLongLong();
}

bool ArchiveStore::appendBatch(const Owner &owner, const QList<Row> &rows, QString *error)
{
    QList<Entry> entries;
    entries.reserve(rows.size());
    for (const Row &row : rows)
        entries.append({owner, row});
    return flush(error) && write(entries, error);
}

bool ArchiveStore::appendEntries(const QList<Entry> &entries, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    m_queue.append(entries);
    if (m_queue.size() >= MaxQueued)
        return flush(error);
    if (!m_flushTimer) {
        m_flushTimer = std::make_unique<QTimer>();
        m_flushTimer->setSingleShot(true);
        m_flushTimer->setInterval(0);
        QObject::connect(m_flushTimer.get(), &QTimer::timeout, m_flushTimer.get(), [this] {
            QString failure;
            if (!flush(&failure))
                qWarning("ArchiveStore: archive commit failed: %s", qPrintable(failure));
        });
    }
    if (!m_flushTimer->isActive())
        m_flushTimer->start();
    return true;
}

bool ArchiveStore::write(const QList<Entry> &entries, QString *error) const
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    QSqlDatabase db = m_database->connection();
    const RelaxedSync sync(db, !m_fsyncEachCommit);   // declared first: restored after the commit
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, transaction.errorText());
        return false;
    }
    QSqlQuery userInsert(db);
    QSqlQuery roomInsert(db);
    for (const Entry &entry : entries) {
        const bool room = entry.owner.kind == Owner::Kind::Room;
        QSqlQuery &insert = room ? roomInsert : userInsert;
        if (!insert.isActive() && insert.lastQuery().isEmpty())
            insert.prepare(insertSql(tableOf(entry.owner.kind)));
        const Row &row = entry.row;
        insert.bindValue(0, entry.owner.name);
        insert.bindValue(1, row.id);
        insert.bindValue(2, row.stamp.toMSecsSinceEpoch());
        insert.bindValue(3, row.withBare);
        insert.bindValue(4, notNull(row.withResource));
        insert.bindValue(5, row.stanza);
        // One row that cannot go in (its account was deleted a moment ago) does not take the
        // rest of the group with it.
        if (!insert.exec())
            qWarning("ArchiveStore: a message for %s not archived: %s", qPrintable(entry.owner.name),
                     qPrintable(insert.lastError().text()));
    }
    userInsert.finish();
    roomInsert.finish();
    if (!transaction.commit()) {
        setError(error, transaction.errorText());
        return false;
    }
    return true;
}

std::optional<qint64> ArchiveStore::keyOf(const Owner &owner, const QString &id, QString *error) const
{
    flush();   // reads see every message archived before them
    const Table table = tableOf(owner.kind);
    QSqlQuery q(m_database->connection());
    if (!run(q, u"SELECT key FROM %1 WHERE %2 = ? AND id = ?"_s.arg(table.name, table.owner), {owner.name, id})) {
        setError(error, q.lastError().text());
        return std::nullopt;
    }
    return q.next() ? q.value(0).toLongLong() : 0;   // 0: no such id (keys start at 1)
}

ArchiveStore::Page ArchiveStore::query(const Owner &owner, const Query &request) const
{
    const Table table = tableOf(owner.kind);
    flush();   // reads see every message archived before them
    Page page;
    if (!m_database || !m_database->isOpen()) {
        page.status = Page::Status::Failed;
        page.error = u"the database is not open"_s;
        return page;
    }
    // Looks an id up; false ends the query (unknown id: item-not-found, XEP-0313 §4.1.1 and
    // XEP-0059 §2.6 alike).
    auto lookup = [&](const QString &id, qint64 *key) {
        const auto found = keyOf(owner, id, &page.error);
        if (!found) {
            page.status = Page::Status::Failed;
            return false;
        }
        if (*found == 0) {
            page.status = Page::Status::ItemNotFound;
            return false;
        }
        *key = *found;
        return true;
    };

    // The result set: every filter of the form (before-id/after-id included).
    Where set;
    set.sql = table.owner + u" = ?"_s;
    set.values.append(owner.name);
    if (!request.withBare.isEmpty()) {
        set.add(u"with_bare = ?"_s, request.withBare);
        if (!request.withResource.isEmpty())
            set.add(u"with_resource = ?"_s, request.withResource);
    }
    if (request.start)
        set.add(u"stamp >= ?"_s, request.start->toMSecsSinceEpoch());
    if (request.end)
        set.add(u"stamp <= ?"_s, request.end->toMSecsSinceEpoch());
    qint64 key = 0;
    if (!request.afterId.isEmpty()) {
        if (!lookup(request.afterId, &key))
            return page;
        set.add(u"key > ?"_s, key);
    }
    if (!request.beforeId.isEmpty()) {
        if (!lookup(request.beforeId, &key))
            return page;
        set.add(u"key < ?"_s, key);
    }
    if (!request.ids.isEmpty()) {
        QStringList marks;
        for (const QString &id : request.ids) {
            marks.append(u"?"_s);
            set.values.append(id);
        }
        set.sql += u" AND id IN (%1)"_s.arg(marks.join(u','));
    }

    // The page: RSM bounds on top, fetching one more row than asked to know whether the set
    // goes on in the paging direction.
    Where window = set;
    const bool backwards = request.rsmBefore.has_value();
    if (request.rsmAfter && !request.rsmAfter->isEmpty()) {
        if (!lookup(*request.rsmAfter, &key))
            return page;
        window.add(u"key > ?"_s, key);
    }
    if (backwards && !request.rsmBefore->isEmpty()) {
        if (!lookup(*request.rsmBefore, &key))
            return page;
        window.add(u"key < ?"_s, key);
    }
    const int max = std::max(0, request.max);
    QSqlDatabase db = m_database->connection();
    if (max > 0) {
        QSqlQuery rows(db);
        const QString sql = u"SELECT key, id, stamp, with_bare, with_resource, stanza FROM %1 WHERE %2 "
                            "ORDER BY key %3 LIMIT %4"_s.arg(table.name, window.sql, backwards ? u"DESC"_s : u"ASC"_s)
                                .arg(max + 1);
        if (!run(rows, sql, window.values)) {
            page.status = Page::Status::Failed;
            page.error = rows.lastError().text();
            return page;
        }
        while (rows.next())
            page.rows.append(readRow(rows));
        page.complete = page.rows.size() <= max;
        if (!page.complete)
            page.rows.removeLast();
        if (backwards)
            std::reverse(page.rows.begin(), page.rows.end());
    }

    if (request.wantCount || max == 0) {
        QSqlQuery count(db);
        if (!run(count, u"SELECT COUNT(*) FROM %1 WHERE "_s.arg(table.name) + set.sql, set.values) || !count.next()) {
            page.status = Page::Status::Failed;
            page.error = count.lastError().text();
            return page;
        }
        page.count = count.value(0).toLongLong();
        if (max == 0)
            page.complete = page.count == 0;
    }
    if (!page.rows.isEmpty() && page.count >= 0) {
        const bool firstPage = !backwards && !(request.rsmAfter && !request.rsmAfter->isEmpty());
        const bool lastPage = backwards && request.rsmBefore->isEmpty();
        if (firstPage) {
            page.firstIndex = 0;
        } else if (lastPage) {
            page.firstIndex = page.count - page.rows.size();
        } else {
            Where before = set;
            before.add(u"key < ?"_s, page.rows.first().key);
            QSqlQuery index(db);
            if (run(index, u"SELECT COUNT(*) FROM %1 WHERE "_s.arg(table.name) + before.sql, before.values) && index.next())
                page.firstIndex = index.value(0).toLongLong();
        }
    }
    return page;
}

void ArchiveStore::queryAsync(const Owner &owner, const Query &request, PageCallback done) const
{
    done(query(owner, request));
}

qint64 ArchiveStore::count(const Owner &owner) const
{
    flush();   // reads see every message archived before them
    if (!m_database || !m_database->isOpen())
        return -1;
    const Table table = tableOf(owner.kind);
    QSqlQuery q(m_database->connection());
    if (!run(q, u"SELECT COUNT(*) FROM %1 WHERE %2 = ?"_s.arg(table.name, table.owner), {owner.name}) || !q.next())
        return -1;
    return q.value(0).toLongLong();
}

bool ArchiveStore::removeArchive(const Owner &owner, QString *error)
{
    if (!flush(error))   // rows still queued for this owner go too
        return false;
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    const Table table = tableOf(owner.kind);
    QSqlQuery q(m_database->connection());
    if (!run(q, u"DELETE FROM %1 WHERE %2 = ?"_s.arg(table.name, table.owner), {owner.name})) {
        setError(error, q.lastError().text());
        return false;
    }
    return true;
}

QString ArchiveStore::newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

std::optional<ArchiveStore::Prefs> ArchiveStore::prefs(const QString &username, QString *error) const
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return std::nullopt;
    }
    QSqlQuery q(m_database->connection());
    if (!run(q, u"SELECT default_policy, always_jids, never_jids FROM mam_prefs WHERE username = ?"_s, {username})) {
        setError(error, q.lastError().text());
        return std::nullopt;
    }
    Prefs prefs;
    if (q.next()) {
        prefs.defaultPolicy = defaultFromName(q.value(0).toString()).value_or(Default::Always);
        prefs.always = splitJids(q.value(1).toString());
        prefs.never = splitJids(q.value(2).toString());
    }
    return prefs;
}

bool ArchiveStore::setPrefs(const QString &username, const Prefs &prefs, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return false;
    }
    QSqlQuery q(m_database->connection());
    if (!run(q,
             u"INSERT INTO mam_prefs (username, default_policy, always_jids, never_jids) VALUES (?, ?, ?, ?) "
             "ON CONFLICT(username) DO UPDATE SET default_policy = excluded.default_policy, "
             "always_jids = excluded.always_jids, never_jids = excluded.never_jids"_s,
             {username, defaultName(prefs.defaultPolicy), joinJids(prefs.always), joinJids(prefs.never)})) {
        setError(error, q.lastError().text());
        return false;
    }
    return true;
}

int ArchiveStore::purgeBefore(const QDateTime &cutoff, int limit, QString *error)
{
    flush();   // reads see every message archived before them
    if (!m_database || !m_database->isOpen()) {
        setError(error, u"the database is not open"_s);
        return -1;
    }
    int deleted = 0;
    for (const auto kind : {Owner::Kind::User, Owner::Kind::Room}) {
        if (deleted >= limit)
            break;
        const Table table = tableOf(kind);
        QSqlQuery q(m_database->connection());
        if (!run(q,
                 u"DELETE FROM %1 WHERE key IN (SELECT key FROM %1 WHERE stamp < ? ORDER BY stamp LIMIT ?)"_s.arg(
                     table.name),
                 {cutoff.toMSecsSinceEpoch(), limit - deleted})) {
            setError(error, q.lastError().text());
            return -1;
        }
        deleted += q.numRowsAffected();
    }
    return deleted;
}

QString ArchiveStore::defaultName(Default policy)
{
    switch (policy) {
    case Default::Always: return u"always"_s;
    case Default::Never: return u"never"_s;
    case Default::Roster: return u"roster"_s;
    }
    return u"always"_s;
}

std::optional<ArchiveStore::Default> ArchiveStore::defaultFromName(const QString &name)
{
    if (name == u"always")
        return Default::Always;
    if (name == u"never")
        return Default::Never;
    if (name == u"roster")
        return Default::Roster;
    return std::nullopt;
}
