#include "AuditLogTab.h"

#include "ServerLink.h"

#include <QHeaderView>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
enum LogColumn { TimeColumn, ActionColumn, TargetColumn, ReasonColumn };
constexpr int Limit = 5000;
constexpr int EntryRole = Qt::UserRole;

QTreeWidgetItem *itemFor(const AuditEntry &entry)
{
    auto *item = new QTreeWidgetItem(QStringList{entry.time.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s),
                                                 entry.action, entry.target, entry.reason});
    item->setData(TimeColumn, EntryRole, QVariant::fromValue(entry));
    item->setToolTip(ReasonColumn, entry.reason);
    return item;
}
} // namespace

AuditLogTab::AuditLogTab(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_list(new QTreeWidget(this))
{
    setObjectName(u"auditLogTab"_s);
    auto *layout = new QVBoxLayout(this);
    m_list->setObjectName(u"auditLog"_s);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->setHeaderLabels({tr("Time"), tr("Action"), tr("Target"), tr("Reason")});
    m_list->header()->setStretchLastSection(true);
    layout->addWidget(m_list);
    connect(m_link, &ServerLink::auditAppended, this, &AuditLogTab::prepend);
    reload();
}

void AuditLogTab::reload()
{
    m_list->clear();
    const QList<AuditEntry> entries = m_link->auditLog(Limit);
    QList<QTreeWidgetItem *> items;
    items.reserve(entries.size());
    for (const AuditEntry &entry : entries)
        items.append(itemFor(entry));
    m_list->addTopLevelItems(items);
    for (int c = TimeColumn; c < ReasonColumn; ++c)
        m_list->resizeColumnToContents(c);
}

void AuditLogTab::prepend(const AuditEntry &entry)
{
    // The initial load may already hold it (the reload raced the signal).
    if (entry.id && m_list->topLevelItemCount()
        && m_list->topLevelItem(0)->data(TimeColumn, EntryRole).value<AuditEntry>().id >= entry.id)
        return;
    m_list->insertTopLevelItem(0, itemFor(entry));
    while (m_list->topLevelItemCount() > Limit)
        delete m_list->takeTopLevelItem(m_list->topLevelItemCount() - 1);
}

int AuditLogTab::entryCount() const
{
    return m_list->topLevelItemCount();
}

AuditEntry AuditLogTab::entryAt(int row) const
{
    const QTreeWidgetItem *item = m_list->topLevelItem(row);
    return item ? item->data(TimeColumn, EntryRole).value<AuditEntry>() : AuditEntry();
}
