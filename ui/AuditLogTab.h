#pragma once

#include "storage/AuditLog.h"

#include <QWidget>

class QTreeWidget;
class ServerLink;

// The audit log: every admin action (time, action, target, reason), newest first, as kept in
// the database, with new entries added live.
class AuditLogTab final : public QWidget
{
    Q_OBJECT
public:
    explicit AuditLogTab(ServerLink *link, QWidget *parent = nullptr);

    void reload();
    int entryCount() const;
    // Newest first.
    AuditEntry entryAt(int row) const;

private:
    void prepend(const AuditEntry &entry);

    ServerLink *m_link;
    QTreeWidget *m_list;
};
