#pragma once

#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

// One administrator action: what was done, to whom, and why.
struct AuditEntry
{
    qint64 id = 0;
    QDateTime time;         // UTC
    QString action;         // "kick", "close", "disable account", ...
    QString target;         // a JID, an account, or a peer address
    QString reason;
};

// The audit log table: every admin action of the console and the control socket, appended
// and never rewritten.
class AuditLog
{
public:
    explicit AuditLog(Database *database);

    // Stamps the entry's time (if null) and id; returns false with *error on a storage failure.
    bool append(AuditEntry *entry, QString *error);
    // The newest `limit` entries, newest first.
    QList<AuditEntry> recent(int limit) const;

private:
    Database *m_database;
};

Q_DECLARE_METATYPE(AuditEntry)
