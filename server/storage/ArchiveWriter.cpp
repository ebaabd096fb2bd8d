#include "storage/ArchiveWriter.h"

#include "storage/Database.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace {
QString nextConnectionName()
{
    static QAtomicInteger<int> counter;
    return u"archive-writer-%1"_s.arg(counter.fetchAndAddRelaxed(1));
}

// A group commit of at most this many rows: bounds one transaction's time under a burst.
constexpr int MaxRowsPerCommit = 4096;
} // namespace

ArchiveWriter::ArchiveWriter(const QString &filePath, std::function<void(quint64)> onCommitted)
    : m_filePath(filePath), m_connectionName(nextConnectionName()), m_onCommitted(std::move(onCommitted))
{
    setObjectName(u"archive writer"_s);
    QMutexLocker lock(&m_mutex);
    start();
    // Opened before the first job is handed over, so isOpen() is true from here on (or never).
    while (!m_started)
        m_opened.wait(&m_mutex);
}

ArchiveWriter::~ArchiveWriter()
{
    {
        QMutexLocker lock(&m_mutex);
        m_stop = true;
        m_wake.wakeAll();
    }
    wait();
}

void ArchiveWriter::setFsync(bool on)
{
    m_fsync.store(on);
    submit([on](QSqlDatabase &db) {
        return QSqlQuery(db).exec(on ? u"PRAGMA synchronous = FULL"_s : u"PRAGMA synchronous = NORMAL"_s);
    });
}

quint64 ArchiveWriter::submitRows(Work insert, int rows)
{
    QMutexLocker lock(&m_mutex);
    const quint64 seq = m_submitted.load() + 1;
    m_submitted.store(seq);
    m_queue.push_back({std::move(insert), seq, rows});
    m_queuedRows += rows;
    m_wake.wakeOne();
    return seq;
}

void ArchiveWriter::submit(Work job)
{
    QMutexLocker lock(&m_mutex);
    m_queue.push_back({std::move(job), 0, 0});
    m_wake.wakeOne();
}

void ArchiveWriter::drain()
{
    if (QThread::currentThread() == this)
        return;
    QMutex doneMutex;
    QWaitCondition doneCondition;
    bool done = false;
    submit([&](QSqlDatabase &) {
        QMutexLocker lock(&doneMutex);
        done = true;
        doneCondition.wakeAll();
        return true;
    });
    QMutexLocker lock(&doneMutex);
    while (!done)
        doneCondition.wait(&doneMutex);
}

void ArchiveWriter::waitBelow(int rows)
{
    if (QThread::currentThread() == this)
        return;
    QMutexLocker lock(&m_mutex);
    while (m_queuedRows > rows && !m_stop)
        m_committedRows.wait(&m_mutex);
}

int ArchiveWriter::queuedRows() const
{
    QMutexLocker lock(&m_mutex);
    return m_queuedRows;
}

QString ArchiveWriter::openError() const
{
    QMutexLocker lock(&m_mutex);
    return m_openError;
}

bool ArchiveWriter::open(QSqlDatabase &db)
{
    db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
    db.setDatabaseName(m_filePath);
    db.setConnectOptions(u"QSQLITE_BUSY_TIMEOUT=5000"_s);
    if (!db.open()) {
        m_openError = db.lastError().text();
        return false;
    }
    QSqlQuery q(db);
    // The server's database is in WAL mode already (Database::open); the connection's own
    // settings: wait for the server's writes, keep the account cascade, and the archive's
    // durability (see setFsync).
    for (const QString &pragma : {u"PRAGMA busy_timeout = 5000"_s, u"PRAGMA foreign_keys = ON"_s,
                                  u"PRAGMA synchronous = NORMAL"_s}) {
        if (!q.exec(pragma)) {
            m_openError = q.lastError().text();
            return false;
        }
    }
    return true;
}

void ArchiveWriter::run()
{
    {
        QSqlDatabase db;
        const bool ok = open(db);
        {
            QMutexLocker lock(&m_mutex);
            m_open.store(ok);
            m_started = true;
            m_opened.wakeAll();
        }
        for (;;) {
            std::deque<Item> items;
            {
                QMutexLocker lock(&m_mutex);
                while (m_queue.empty() && !m_stop)
                    m_wake.wait(&m_mutex);
                if (m_queue.empty() && m_stop)
                    break;
                items.swap(m_queue);
            }
            // In order: runs of row batches are committed together, other jobs in between.
            std::deque<Item> rows;
            int rowCount = 0;
            for (Item &item : items) {
                if (item.seq > 0) {
                    rowCount += item.rows;
                    rows.push_back(std::move(item));
                    if (rowCount >= MaxRowsPerCommit) {
                        commitRows(db, rows);
                        rowCount = 0;
                    }
                    continue;
                }
                if (!rows.empty()) {
                    commitRows(db, rows);
                    rowCount = 0;
                }
                if (ok)
                    item.work(db);
            }
            if (!rows.empty())
                commitRows(db, rows);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
}

void ArchiveWriter::commitRows(QSqlDatabase &db, std::deque<Item> &batch)
{
    const quint64 last = batch.back().seq;
    int rows = 0;
    for (const Item &item : batch)
        rows += item.rows;
    if (m_open.load()) {
        Transaction transaction(db);
        if (!transaction.isActive()) {
            qWarning("ArchiveStore: %d archived messages lost: %s", rows, qPrintable(transaction.errorText()));
        } else {
            for (Item &item : batch)
                item.work(db);
            if (!transaction.commit())
                qWarning("ArchiveStore: %d archived messages lost: %s", rows, qPrintable(transaction.errorText()));
        }
    }
    batch.clear();
    {
        QMutexLocker lock(&m_mutex);
        m_queuedRows -= rows;
        m_committedRows.wakeAll();
    }
    m_committed.store(last);
    if (m_onCommitted)
        m_onCommitted(last);
}
