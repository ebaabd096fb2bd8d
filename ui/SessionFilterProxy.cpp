#include "SessionFilterProxy.h"

#include "SessionTableModel.h"

using namespace Qt::StringLiterals;

SessionFilterProxy::SessionFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(SessionTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void SessionFilterProxy::setSourceModel(QAbstractItemModel *model)
{
    m_sessions = qobject_cast<SessionTableModel *>(model);
    QSortFilterProxyModel::setSourceModel(model);
}

QString SessionFilterProxy::setFilterName(SetFilter filter)
{
    switch (filter) {
    case SetFilter::All: return tr("All sessions");
    case SetFilter::Unauthenticated: return tr("Unauthenticated");
    case SetFilter::Authenticated: return tr("Authenticated, not bound");
    case SetFilter::Connected: return tr("Connected resources");
    case SetFilter::Available: return tr("Available resources");
    case SetFilter::Interested: return tr("Interested resources");
    }
    return QString();
}

void SessionFilterProxy::setFilterText(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (trimmed == m_text)
        return;
    m_text = trimmed;
    invalidateRowsFilter();
}

void SessionFilterProxy::setSetFilter(SetFilter filter)
{
    if (filter == m_set)
        return;
    m_set = filter;
    invalidateRowsFilter();
}

bool SessionFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (sourceParent.isValid() || !m_sessions)
        return true;
    const SessionSnapshot *s = m_sessions->snapshotAt(sourceRow);
    if (!s)
        return false;
    const bool bound = s->type == SessionSnapshot::Type::Bound;
    switch (m_set) {
    case SetFilter::All: break;
    case SetFilter::Unauthenticated:
        if (s->type != SessionSnapshot::Type::Unauthenticated)
            return false;
        break;
    case SetFilter::Authenticated:
        if (s->type != SessionSnapshot::Type::Authenticated)
            return false;
        break;
    case SetFilter::Connected:
        if (!bound)
            return false;
        break;
    case SetFilter::Available:
        if (!bound || !s->available)
            return false;
        break;
    case SetFilter::Interested:
        if (!bound || !s->interested)
            return false;
        break;
    }
    if (m_text.isEmpty())
        return true;
    const auto matches = [this](const QString &field) { return field.contains(m_text, Qt::CaseInsensitive); };
    return matches(s->fullJid) || matches(s->username) || matches(s->peerAddress.toString())
        || matches(s->clientSoftware) || matches(s->presenceStatus) || matches(s->presenceShow);
}

bool SessionFilterProxy::lessThan(const QModelIndex &sourceLeft, const QModelIndex &sourceRight) const
{
    if (m_sessions && sortRole() == SessionTableModel::SortRole && sourceLeft.column() == sourceRight.column()) {
        const SessionSnapshot *left = m_sessions->snapshotAt(sourceLeft.row());
        const SessionSnapshot *right = m_sessions->snapshotAt(sourceRight.row());
        if (left && right) {
            const auto a = SessionTableModel::numericSortKey(*left, sourceLeft.column());
            const auto b = SessionTableModel::numericSortKey(*right, sourceRight.column());
            if (a && b)
                return *a < *b;
        }
    }
    return QSortFilterProxyModel::lessThan(sourceLeft, sourceRight);
}

Qt::ItemFlags SessionFilterProxy::flags(const QModelIndex &index) const
{
    if (!m_sessions || !index.isValid() || index.model() != this)
        return QSortFilterProxyModel::flags(index);
    return m_sessions->flags(m_sessions->index(0, 0));
}
