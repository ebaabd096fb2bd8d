#pragma once

#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class ArchiveWriter;
class QObject;
class QTimer;
class QSqlDatabase;

// The per-user message archives of XEP-0313 (Message Archive Management): one row per archived
// message, in the order it was archived. Each row has the XEP-0359 stanza id the server stamped
// (a UUID, unique per user), the time, the other party (bare JID and resource apart, so that
// 'with' can match either) and the message as serialised XML. Also each user's archiving
// preferences (XEP-0313 §6). The tables are created by the MAM module through the module host
// (schemaSteps()). The archive's rows are written on its own thread with its own connection
// (ArchiveWriter): the server thread collects a turn's rows (appendEntries) and hands them over
// at the end of the event-loop turn in one piece, then goes on; the writer
// commits whatever arrived while its previous commit ran in one transaction (group commit).
// whenCommitted() tells the server thread when everything handed over so far is in the
// database (stream management acknowledges a client's messages only then). Queries, counts,
// purges and removals run on the writer too, after the rows handed over before them, so a
// query always sees every message archived before it; the *Async forms answer on the thread
// that made the store, the others wait (tests, the benchmark, the command line).
//
// An archive belongs to an owner: a user (table mam_archive, rows go with the account) or a
// group chat room (table mam_room_archive, by the room's bare JID; rooms are not accounts, so
// the room's rows are removed by removeArchive() when the room is destroyed).
//
// Queries page with XEP-0059 Result Set Management by stanza id. Indexes keep the common query,
// "the last N of one conversation", a short index range scan at any archive size.
class ArchiveStore
{
public:
    struct Owner
    {
        enum class Kind { User, Room };
        Kind kind = Kind::User;
        QString name;   // the user's local part, or the room's bare JID
        static Owner user(const QString &username) { return {Kind::User, username}; }
        static Owner room(const QString &roomJid) { return {Kind::Room, roomJid}; }
        bool operator==(const Owner &) const = default;
    };

    struct Row
    {
        qint64 key = 0;           // the archive order
        QString id;               // the XEP-0359 stanza id
        QDateTime stamp;          // UTC, milliseconds
        QString withBare;
        QString withResource;
        QString stanza;
    };

    // What the client asked for (XEP-0313 §4.1 filters, XEP-0059 paging).
    struct Query
    {
        QString withBare;                     // empty: every conversation
        QString withResource;                 // only with withBare: that full JID
        std::optional<QDateTime> start;       // inclusive
        std::optional<QDateTime> end;         // inclusive
        QString afterId;                      // #extended after-id (exclusive)
        QString beforeId;                     // #extended before-id (exclusive)
        QStringList ids;                      // #extended ids: exactly these
        std::optional<QString> rsmAfter;      // <after/>: the page after this id
        std::optional<QString> rsmBefore;     // <before/>: the page before it; empty: the last page
        int max = 50;
        bool wantCount = true;
    };

    struct Page
    {
        enum class Status { Ok, ItemNotFound, Failed };
        Status status = Status::Ok;
        QList<Row> rows;                      // in archive order
        bool complete = false;                // no more rows in the paging direction
        qint64 count = -1;                    // rows matching the filters (all pages)
        qint64 firstIndex = -1;               // position of rows.first() in that set
        QString error;
    };

    enum class Default { Always, Never, Roster };
    struct Prefs
    {
        Default defaultPolicy = Default::Always;
        QStringList always;                   // prepared JIDs, bare or full
        QStringList never;
    };

    explicit ArchiveStore(Database *database);
    ~ArchiveStore();   // commits what is still queued, then stops the writer
    ArchiveStore(const ArchiveStore &) = delete;
    ArchiveStore &operator=(const ArchiveStore &) = delete;

    // With fsync off (the default) the archive's group commits do not wait for the disk (PRAGMA
    // synchronous=NORMAL on the writer's connection, WAL mode): they survive a crash of the
    // process, and reach the disk with the next checkpoint or a FULL commit of the server's;
    // a power cut may lose the last ones. On, each group commit waits for one fsync.
    void setFsyncEachCommit(bool on);

    // The tables and indexes, one statement a step, for ModuleHost::migrate("mam", ...).
    static QStringList schemaSteps();

    // Appends one message to the owner's archive; the row's key, or -1 with *error.
    qint64 append(const Owner &owner, const QString &id, const QDateTime &stamp, const QString &withBare,
                  const QString &withResource, const QString &stanza, QString *error = nullptr);
    // Many rows in one transaction (the benchmark fills archives with it).
    bool appendBatch(const Owner &owner, const QList<Row> &rows, QString *error = nullptr);
    bool appendBatch(const QString &username, const QList<Row> &rows, QString *error = nullptr)
    {
        return appendBatch(Owner::user(username), rows, error);
    }
    // Rows of several archives (a message's two sides), handed to the writer for its next group
    // commit; returns at once (unless a burst left too many rows waiting).
    struct Entry
    {
        Owner owner;
        Row row;
    };
    bool appendEntries(const QList<Entry> &entries, QString *error = nullptr);
    // Waits until the writer has committed everything handed over so far.
    bool flush(QString *error = nullptr) const;
    int queued() const;   // rows handed over, not yet committed
    // Calls `done` on this thread once every row handed over before the call is committed: at
    // once when none is waiting; barriers complete in the order they were asked for.
    void whenCommitted(std::function<void()> done);
    // The same, waiting (a resumption's <resumed/>; rare and short).
    void waitCommitted();

    Page query(const Owner &owner, const Query &query) const;
    Page query(const QString &username, const Query &q) const { return query(Owner::user(username), q); }
    // The same, answered through `done` (possibly after returning, on the server thread).
    using PageCallback = std::function<void(const Page &page)>;
    void queryAsync(const Owner &owner, const Query &query, PageCallback done) const;
    qint64 count(const Owner &owner) const;   // -1 on error
    qint64 count(const QString &username) const { return count(Owner::user(username)); }
    // Deletes an owner's whole archive (a destroyed room); false with *error.
    bool removeArchive(const Owner &owner, QString *error = nullptr);
    // The same without waiting (after every row handed over before).
    void removeArchiveLater(const Owner &owner);
    // A new XEP-0359 stanza id (a UUID).
    static QString newId();

    // Stored preferences; the defaults when the user set none; nullopt on a database error.
    std::optional<Prefs> prefs(const QString &username, QString *error = nullptr) const;
    bool setPrefs(const QString &username, const Prefs &prefs, QString *error = nullptr);

    // Deletes up to `limit` rows archived before `cutoff` (retention), users' and rooms' alike;
    // how many, or -1.
    int purgeBefore(const QDateTime &cutoff, int limit, QString *error = nullptr);
    // The same on the writer; `done(deleted, error)` on this thread.
    void purgeBeforeAsync(const QDateTime &cutoff, int limit, std::function<void(int deleted, const QString &error)> done);

    static QString defaultName(Default policy);
    static std::optional<Default> defaultFromName(const QString &name);

private:
    template<class Result>
    Result runSync(std::function<Result(QSqlDatabase &db)> work) const;
    void onCommitted(quint64 seq);
    void handOver() const;   // the rows collected this turn, to the writer

    Database *m_database;                     // the server's connection: preferences
    std::unique_ptr<QObject> m_context;       // lives on this thread: answers come here
    std::unique_ptr<ArchiveWriter> m_writer;  // the archive's thread and connection
    std::deque<std::pair<quint64, std::function<void()>>> m_waiting;
    mutable QList<Entry> m_pending;           // this turn's rows, not handed over yet
    mutable std::unique_ptr<QTimer> m_handOverTimer;   // zero-interval: the end of this turn
};
