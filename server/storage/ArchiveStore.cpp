#include "storage/ArchiveStore.h"

#include "storage/ArchiveWriter.h"

#include <QObject>
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

std::optional<qint64> keyOf(QSqlDatabase db, const ArchiveStore::Owner &owner, const QString &id, QString *error)
{
    const Table table = tableOf(owner.kind);
    QSqlQuery q(db);
    if (!run(q, u"SELECT key FROM %1 WHERE %2 = ? AND id = ?"_s.arg(table.name, table.owner), {owner.name, id})) {
        setError(error, q.lastError().text());
        return std::nullopt;
    }
    return q.next() ? q.value(0).toLongLong() : 0;   // 0: no such id (keys start at 1)
}

// Inserts rows inside the caller's transaction. One row that cannot go in (its account was
// deleted a moment ago, a duplicate id) does not take the rest of the group with it; false
// when any failed, with the first reason.
bool insertRows(QSqlDatabase db, const QList<ArchiveStore::Entry> &entries, QString *error)
{
    using Kind = ArchiveStore::Owner::Kind;
    QSqlQuery userInsert(db);
    QSqlQuery roomInsert(db);
    bool prepared[2] = {false, false};
    bool ok = true;
    for (const ArchiveStore::Entry &entry : entries) {
        const bool room = entry.owner.kind == Kind::Room;
        QSqlQuery &insert = room ? roomInsert : userInsert;
        if (!prepared[room]) {
            insert.prepare(insertSql(tableOf(entry.owner.kind)));
            prepared[room] = true;
        }
        const ArchiveStore::Row &row = entry.row;
        insert.bindValue(0, entry.owner.name);
        insert.bindValue(1, row.id);
        insert.bindValue(2, row.stamp.toMSecsSinceEpoch());
        insert.bindValue(3, row.withBare);
        insert.bindValue(4, notNull(row.withResource));
        insert.bindValue(5, row.stanza);
        if (!insert.exec()) {
            const QString reason = insert.lastError().text();
            qWarning("ArchiveStore: a message for %s not archived: %s", qPrintable(entry.owner.name),
                     qPrintable(reason));
            if (ok)
                setError(error, u"cannot archive a message for %1: %2"_s.arg(entry.owner.name, reason));
            ok = false;
        }
    }
    return ok;
}

ArchiveStore::Page runQuery(QSqlDatabase db, const ArchiveStore::Owner &owner, const ArchiveStore::Query &request)
{
    using Page = ArchiveStore::Page;
    const Table table = tableOf(owner.kind);
    Page page;
    if (!db.isOpen()) {
        page.status = Page::Status::Failed;
        page.error = u"the archive's database connection is not open"_s;
        return page;
    }
    // Looks an id up; false ends the query (unknown id: item-not-found, XEP-0313 §4.1.1 and
    // XEP-0059 §2.6 alike).
    auto lookup = [&](const QString &id, qint64 *key) {
        const auto found = keyOf(db, owner, id, &page.error);
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

} // namespace

namespace {
// Past this many rows waiting for the writer the server thread waits for the next commit:
// bounds memory when the disk cannot keep up with a burst, without waiting for the whole queue.
constexpr int MaxQueued = 20000;
// Rows collected on the server thread before they are handed over without waiting for the end
// of the turn: bounds one hand-over when a burst fills a single turn.
constexpr int HandOverRows = 512;
} // namespace

ArchiveStore::ArchiveStore(Database *database)
    : m_database(database), m_context(std::make_unique<QObject>())
{
    QObject *context = m_context.get();
    const QString path = database && database->isOpen() ? database->filePath() : QString();
    m_writer = std::make_unique<ArchiveWriter>(path, [this, context](quint64 seq) {
        // On the writer thread: the barrier callbacks run on the store's own thread.
        QMetaObject::invokeMethod(context, [this, seq] { onCommitted(seq); }, Qt::QueuedConnection);
    });
    if (!m_writer->isOpen())
        qWarning("ArchiveStore: the archive's connection did not open: %s", qPrintable(m_writer->openError()));
}

ArchiveStore::~ArchiveStore()
{
    handOver();
    m_writer.reset();   // commits what is still queued, then stops
}

void ArchiveStore::setFsyncEachCommit(bool on)
{
    m_writer->setFsync(on);
}

void ArchiveStore::handOver() const
{
    if (m_handOverTimer)
        m_handOverTimer->stop();
    if (m_pending.isEmpty())
        return;
    QList<Entry> entries = std::exchange(m_pending, {});
    const int rows = int(entries.size());
    m_writer->submitRows([entries = std::move(entries)](QSqlDatabase &db) { return insertRows(db, entries, nullptr); },
                         rows);
    if (m_writer->queuedRows() > MaxQueued)
        m_writer->waitBelow(MaxQueued);
}

template<class Result>
Result ArchiveStore::runSync(std::function<Result(QSqlDatabase &db)> work) const
{
    handOver();
    Result result{};
    m_writer->submit([&](QSqlDatabase &db) {
        result = work(db);
        return true;
    });
    m_writer->drain();
    return result;
}

bool ArchiveStore::flush(QString *error) const
{
    (void)error;
    handOver();
    m_writer->drain();
    return true;
}

int ArchiveStore::queued() const
{
    return int(m_pending.size()) + m_writer->queuedRows();
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
    struct Out
    {
        qint64 key = -1;
        QString error;
    };
    const Out out = runSync<Out>([&](QSqlDatabase &db) {
        Out o;
        QSqlQuery insert(db);
        // One statement is its own transaction in SQLite: committed on return.
        if (!run(insert, insertSql(tableOf(owner.kind)),
                 {owner.name, id, stamp.toMSecsSinceEpoch(), withBare, notNull(withResource), stanza}))
            o.error = u"cannot archive a message for %1: %2"_s.arg(owner.name, insert.lastError().text());
        else
            o.key = insert.lastInsertId().toLongLong();
        return o;
    });
    if (out.key < 0)
        setError(error, out.error);
    return out.key;
}

bool ArchiveStore::appendBatch(const Owner &owner, const QList<Row> &rows, QString *error)
{
    QList<Entry> entries;
    entries.reserve(rows.size());
    for (const Row &row : rows)
        entries.append({owner, row});
    const QString failure = runSync<QString>([&](QSqlDatabase &db) {
        Transaction transaction(db);
        if (!transaction.isActive())
            return transaction.errorText();
        QString e;
        insertRows(db, entries, &e);
        if (!transaction.commit())
            return transaction.errorText();
        return e;
    });
    if (!failure.isEmpty()) {
        setError(error, failure);
        return false;
    }
    return true;
}

bool ArchiveStore::appendEntries(const QList<Entry> &entries, QString *error)
{
    if (!m_writer->isOpen()) {
        setError(error, u"the archive's database connection is not open"_s);
        return false;
    }
    if (entries.isEmpty())
        return true;
    // Collected for the rest of this event-loop turn and handed over in one piece at its end
    // (one wake-up of the writer per turn, not per message), or at once past HandOverRows.
    m_pending.append(entries);
    if (m_pending.size() >= HandOverRows) {
        handOver();
        return true;
    }
    if (!m_handOverTimer) {
        m_handOverTimer = std::make_unique<QTimer>();
        m_handOverTimer->setSingleShot(true);
        m_handOverTimer->setInterval(0);
        QObject::connect(m_handOverTimer.get(), &QTimer::timeout, m_handOverTimer.get(), [this] { handOver(); });
    }
    if (!m_handOverTimer->isActive())
        m_handOverTimer->start();
    return true;
}

void ArchiveStore::whenCommitted(std::function<void()> done)
{
    handOver();
    // In order: a later barrier never overtakes an earlier one still waiting.
    const quint64 seq = m_writer->submitted();
    if (m_waiting.empty() && m_writer->committed() >= seq) {
        done();
        return;
    }
    m_waiting.push_back({seq, std::move(done)});
}

void ArchiveStore::waitCommitted()
{
    handOver();
    m_writer->drain();
    onCommitted(m_writer->committed());
}

void ArchiveStore::onCommitted(quint64 seq)
{
    while (!m_waiting.empty() && m_waiting.front().first <= seq) {
        auto done = std::move(m_waiting.front().second);
        m_waiting.pop_front();
        done();
    }
}


ArchiveStore::Page ArchiveStore::query(const Owner &owner, const Query &request) const
{
    return runSync<Page>([&](QSqlDatabase &db) { return runQuery(db, owner, request); });
}

void ArchiveStore::queryAsync(const Owner &owner, const Query &request, PageCallback done) const
{
    handOver();
    QObject *context = m_context.get();
    m_writer->submit([context, owner, request, done = std::move(done)](QSqlDatabase &db) {
        const Page page = runQuery(db, owner, request);
        QMetaObject::invokeMethod(context, [done, page] { done(page); }, Qt::QueuedConnection);
        return true;
    });
}

qint64 ArchiveStore::count(const Owner &owner) const
{
    return runSync<qint64>([&](QSqlDatabase &db) -> qint64 {
        const Table table = tableOf(owner.kind);
        QSqlQuery q(db);
        if (!run(q, u"SELECT COUNT(*) FROM %1 WHERE %2 = ?"_s.arg(table.name, table.owner), {owner.name}) || !q.next())
            return -1;
        return q.value(0).toLongLong();
    });
}

namespace {
QString removeRows(QSqlDatabase db, const ArchiveStore::Owner &owner)
{
    const Table table = tableOf(owner.kind);
    QSqlQuery q(db);
    if (!run(q, u"DELETE FROM %1 WHERE %2 = ?"_s.arg(table.name, table.owner), {owner.name}))
        return q.lastError().text().isEmpty() ? u"delete failed"_s : q.lastError().text();
    return QString();
}

int purgeRows(QSqlDatabase db, const QDateTime &cutoff, int limit, QString *error)
{
    int deleted = 0;
    for (const auto kind : {ArchiveStore::Owner::Kind::User, ArchiveStore::Owner::Kind::Room}) {
        if (deleted >= limit)
            break;
        const Table table = tableOf(kind);
        QSqlQuery q(db);
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
} // namespace

bool ArchiveStore::removeArchive(const Owner &owner, QString *error)
{
    const QString failure = runSync<QString>([&](QSqlDatabase &db) { return removeRows(db, owner); });
    if (!failure.isEmpty()) {
        setError(error, failure);
        return false;
    }
    return true;
}

void ArchiveStore::removeArchiveLater(const Owner &owner)
{
    handOver();
    m_writer->submit([owner](QSqlDatabase &db) {
        const QString failure = removeRows(db, owner);
        if (!failure.isEmpty())
            qWarning("ArchiveStore: the archive of %s not removed: %s", qPrintable(owner.name), qPrintable(failure));
        return failure.isEmpty();
    });
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
    struct Out
    {
        int deleted = -1;
        QString error;
    };
    const Out out = runSync<Out>([&](QSqlDatabase &db) {
        Out o;
        o.deleted = purgeRows(db, cutoff, limit, &o.error);
        return o;
    });
    if (out.deleted < 0)
        setError(error, out.error);
    return out.deleted;
}

void ArchiveStore::purgeBeforeAsync(const QDateTime &cutoff, int limit, std::function<void(int, const QString &)> done)
{
    handOver();
    QObject *context = m_context.get();
    m_writer->submit([context, cutoff, limit, done = std::move(done)](QSqlDatabase &db) {
        QString error;
        const int deleted = purgeRows(db, cutoff, limit, &error);
        QMetaObject::invokeMethod(context, [done, deleted, error] { done(deleted, error); }, Qt::QueuedConnection);
        return deleted >= 0;
    });
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
