#pragma once

#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <optional>

class QTimer;

// The per-user message archives of XEP-0313 (Message Archive Management): one row per archived
// message, in the order it was archived. Each row has the XEP-0359 stanza id the server stamped
// (a UUID, unique per user), the time, the other party (bare JID and resource apart, so that
// 'with' can match either) and the message as serialised XML. Also each user's archiving
// preferences (XEP-0313 §6). The tables are created by the MAM module through the module host
// (schemaSteps()). Messages are archived by group commit: rows queue in memory and go to the
// database in one transaction at the end of the event-loop turn that archived them (or at once
// when many are queued), before the server reads its clients' next input; every read flushes
// the queue first, so a query always sees every message archived before it.
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
    ~ArchiveStore();   // commits what is still queued

    // With fsync off (the default) the archive's group commits do not wait for the disk (PRAGMA
    // synchronous=NORMAL for that one commit, WAL mode): they survive a crash of the process,
    // and reach the disk with the next FULL commit or checkpoint; a power cut may lose the last
    // ones. On, each group commit waits for one fsync.
    void setFsyncEachCommit(bool on) { m_fsyncEachCommit = on; }

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
    // Rows of several archives (a message's two sides), queued for the next group commit.
    struct Entry
    {
        Owner owner;
        Row row;
    };
    bool appendEntries(const QList<Entry> &entries, QString *error = nullptr);
    // Commits the queue now (one transaction); false with *error when the commit failed.
    bool flush(QString *error = nullptr) const;
    int queued() const { return int(m_queue.size()); }

    Page query(const Owner &owner, const Query &query) const;
    Page query(const QString &username, const Query &q) const { return query(Owner::user(username), q); }
    // The same, answered through `done` (possibly after returning, on the server thread).
    using PageCallback = std::function<void(const Page &page)>;
    void queryAsync(const Owner &owner, const Query &query, PageCallback done) const;
    qint64 count(const Owner &owner) const;   // -1 on error
    qint64 count(const QString &username) const { return count(Owner::user(username)); }
    // Deletes an owner's whole archive (a destroyed room); false with *error.
    bool removeArchive(const Owner &owner, QString *error = nullptr);
    // A new XEP-0359 stanza id (a UUID).
    static QString newId();

    // Stored preferences; the defaults when the user set none; nullopt on a database error.
    std::optional<Prefs> prefs(const QString &username, QString *error = nullptr) const;
    bool setPrefs(const QString &username, const Prefs &prefs, QString *error = nullptr);

    // Deletes up to `limit` rows archived before `cutoff` (retention), users' and rooms' alike;
    // how many, or -1.
    int purgeBefore(const QDateTime &cutoff, int limit, QString *error = nullptr);

    static QString defaultName(Default policy);
    static std::optional<Default> defaultFromName(const QString &name);

private:
    std::optional<qint64> keyOf(const Owner &owner, const QString &id, QString *error) const;

    bool write(const QList<Entry> &entries, QString *error) const;
    Database *m_database;
    bool m_fsyncEachCommit = false;
    mutable QList<Entry> m_queue;
    std::unique_ptr<QTimer> m_flushTimer;   // zero-interval: the end of this event-loop turn
};
