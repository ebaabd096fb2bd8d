#pragma once

#include <QMutex>
#include <QString>
#include <QThread>
#include <QWaitCondition>

#include <atomic>
#include <deque>
#include <functional>

class QSqlDatabase;

// The archive's own thread and database connection: everything the archive does to the
// database (inserts and their commits, the WAL checkpoints those commits trigger, queries,
// retention purges, removals) runs here, in the order it was handed over, so the server thread
// only queues work. Consecutive row batches go in one transaction (a group commit of whatever
// arrived while the previous commit ran); each batch has a sequence number, and committed()
// says up to which one the rows are in the database. A job handed over after some rows runs
// after they are committed: a query sees every row archived before it.
class ArchiveWriter final : public QThread
{
public:
    // Runs on the writer with its connection. Rows: false when the transaction failed.
    using Work = std::function<bool(QSqlDatabase &db)>;

    // `filePath`: the database file (the server's own, opened in WAL mode by Database).
    // `onCommitted(seq)` is called on the writer thread after each commit; the owner posts it
    // on to its own thread.
    ArchiveWriter(const QString &filePath, std::function<void(quint64 seq)> onCommitted);
    ~ArchiveWriter() override;   // runs what is queued, then stops

    // PRAGMA synchronous of the writer's connection: FULL (wait for the disk at each commit)
    // or NORMAL (a commit survives a crash of the process; WAL reaches the disk at checkpoints).
    void setFsync(bool on);

    // Rows to insert in the next group commit; its sequence number.
    quint64 submitRows(Work insert, int rows);
    // Anything else, after everything handed over before it.
    void submit(Work job);
    // Blocks until the job handed over now has run (everything before it is committed).
    void drain();
    // Blocks while more than `rows` rows wait for a commit (back pressure: one commit's time).
    void waitBelow(int rows);

    quint64 submitted() const { return m_submitted.load(); }
    quint64 committed() const { return m_committed.load(); }
    int queuedRows() const;
    bool isOpen() const { return m_open.load(); }
    QString openError() const;

protected:
    void run() override;

private:
    struct Item
    {
        Work work;
        quint64 seq = 0;   // > 0: a row batch
        int rows = 0;
    };
    bool open(QSqlDatabase &db);
    void commitRows(QSqlDatabase &db, std::deque<Item> &batch);

    const QString m_filePath;
    const QString m_connectionName;
    std::function<void(quint64)> m_onCommitted;
    mutable QMutex m_mutex;
    QWaitCondition m_wake;
    QWaitCondition m_opened;
    QWaitCondition m_committedRows;
    std::deque<Item> m_queue;
    int m_queuedRows = 0;
    bool m_stop = false;
    bool m_started = false;
    QString m_openError;
    std::atomic<bool> m_open{false};
    std::atomic<bool> m_fsync{false};
    std::atomic<quint64> m_submitted{0};
    std::atomic<quint64> m_committed{0};
};
