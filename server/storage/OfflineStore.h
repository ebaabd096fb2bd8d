#pragma once

#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QString>

// Messages kept for users who had no available resource (XEP-0160), oldest first, keyed by the
// prepared localpart. The stanza is stored as serialised XML, already carrying its <delay/>.
// A message is committed before store() returns, so once the sender is answered (or not
// bounced) it survives a crash.
class OfflineStore
{
public:
    struct Message
    {
        qint64 id = 0;          // increasing: the delivery order
        QString stanza;
        QDateTime stamp;
    };

    enum class Result { Stored, QuotaExceeded, Failed };

    explicit OfflineStore(Database *database);

    // Counts and inserts in one transaction: at most `quota` messages per user (quota < 0: no limit).
    Result store(const QString &username, const QString &stanza, const QDateTime &stamp, int quota,
                 QString *error = nullptr);
    QList<Message> messages(const QString &username, QString *error = nullptr) const;
    int count(const QString &username) const;   // -1 on error
    // Deletes the given messages (after they were delivered).
    bool remove(const QString &username, const QList<qint64> &ids, QString *error = nullptr);

private:
    Database *m_database;
};
