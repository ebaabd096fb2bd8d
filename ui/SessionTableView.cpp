#include "SessionTableView.h"

#include "SessionCellDelegate.h"

#include <QHeaderView>
#include <QPaintEvent>

SessionTableView::SessionTableView(QWidget *parent)
    : QTreeView(parent)
{
    setRootIsDecorated(false);
    setItemsExpandable(false);
    setUniformRowHeights(true);
    setAllColumnsShowFocus(true);
    setItemDelegate(new SessionCellDelegate(this));
}

void SessionTableView::paintEvent(QPaintEvent *event)
{
    QTreeView::paintEvent(event);
    // The layout is current here (painting needed it), so these cost no relayout.
    const QModelIndex first = indexAt(QPoint(0, 0));
    if (!first.isValid()) {
        m_firstPainted = m_lastPainted = -1;
        return;
    }
    const QModelIndex last = indexAt(QPoint(0, viewport()->height() - 1));
    const QRect firstRect = visualRect(first);
    m_firstPainted = first.row();
    m_lastPainted = last.isValid() ? last.row() : (model() ? model()->rowCount() - 1 : first.row());
    m_firstTop = firstRect.top();
    m_rowHeight = firstRect.height();
    if (m_rowHeight <= 0)
        m_firstPainted = m_lastPainted = -1;
}

void SessionTableView::scrollContentsBy(int dx, int dy)
{
    // The pixels move without a paint of what they show: forget the geometry until next paint.
    m_firstPainted = m_lastPainted = -1;
    QTreeView::scrollContentsBy(dx, dy);
}

void SessionTableView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                                   const QList<int> &roles)
{
    // (No indexAt() or visualRect() here: both would force a pending relayout, for every range.)
    if (m_firstPainted < 0 || !topLeft.isValid() || !bottomRight.isValid() || topLeft.parent().isValid()) {
        QTreeView::dataChanged(topLeft, bottomRight, roles);
        return;
    }
    if (bottomRight.row() < m_firstPainted || topLeft.row() > m_lastPainted)
        return;   // off screen

    int left = std::numeric_limits<int>::max();
    int right = std::numeric_limits<int>::min();
    for (int column = topLeft.column(); column <= bottomRight.column(); ++column) {
        if (header()->isSectionHidden(column))
            continue;
        const int x = columnViewportPosition(column);
        left = qMin(left, x);
        right = qMax(right, x + columnWidth(column));
    }
    if (left >= right)
        return;   // only hidden columns changed
    // Uniform row heights: the rows sit where the last paint put them (anything that moved them
    // since has a full repaint pending, or reset the geometry).
    const int top = m_firstTop + (qMax(topLeft.row(), m_firstPainted) - m_firstPainted) * m_rowHeight;
    const int bottom = m_firstTop + (qMin(bottomRight.row(), m_lastPainted) - m_firstPainted + 1) * m_rowHeight;
    viewport()->update(QRect(left, top, right - left, bottom - top));
}
