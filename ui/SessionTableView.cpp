#include "SessionTableView.h"

#include "SessionCellDelegate.h"
#include "SessionTableModel.h"

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

SessionTableView::Shown SessionTableView::shownAt(int row) const
{
    const QModelIndex index = model() ? model()->index(row, 0) : QModelIndex();
    if (!index.isValid())
        return {};
    return {index.data(SessionTableModel::SessionIdRole).toULongLong(),
            index.data(SessionTableModel::RevisionRole).toULongLong()};
}

QRect SessionTableView::slotRect(int slot) const
{
    return QRect(0, m_firstTop + slot * m_rowHeight, viewport()->width(), m_rowHeight);
}

void SessionTableView::paintEvent(QPaintEvent *event)
{
    QTreeView::paintEvent(event);
    // The layout is current here (painting needed it), so these cost no relayout.
    const QModelIndex first = indexAt(QPoint(0, 0));
    if (!first.isValid() || !first.data(SessionTableModel::RevisionRole).isValid()) {
        forgetPainted();
        return;
    }
    const QRect firstRect = visualRect(first);
    const int rowHeight = firstRect.height();
    if (rowHeight <= 0) {
        forgetPainted();
        return;
    }
    const int slots = (viewport()->height() - firstRect.top() + rowHeight - 1) / rowHeight;
    const bool sameSlots = m_firstPainted == first.row() && m_firstTop == firstRect.top()
        && m_rowHeight == rowHeight && int(m_shown.size()) == slots;
    const QRegion &painted = event->region();
    if (!sameSlots) {
        // Only a paint of every slot tells what each one shows.
        if (!painted.contains(viewport()->rect())) {
            forgetPainted();
            return;
        }
        m_firstPainted = first.row();
        m_firstTop = firstRect.top();
        m_rowHeight = rowHeight;
        m_shown.assign(size_t(slots), Shown());
    }
    for (int slot = 0; slot < slots; ++slot) {
        if (!sameSlots || painted.intersects(slotRect(slot)))
            m_shown[size_t(slot)] = shownAt(m_firstPainted + slot);
    }
}

void SessionTableView::scrollContentsBy(int dx, int dy)
{
    // The pixels move without a paint of what they show: forget the slots until a full paint.
    forgetPainted();
    QTreeView::scrollContentsBy(dx, dy);
}

void SessionTableView::doItemsLayout()
{
    if (m_firstPainted < 0 || !isVisible()) {
        QTreeView::doItemsLayout();
        return;
    }
    // QAbstractItemView::doItemsLayout() ends by repainting the whole viewport and the header:
    // let it lay out with updates off, then repaint the slots that show something else.
    QWidget *port = viewport();
    QWidget *headerPort = header()->viewport();
    const int columns = header()->count();
    const bool headerWasQuiet = headerPort->testAttribute(Qt::WA_UpdatesDisabled);
    port->setAttribute(Qt::WA_UpdatesDisabled, true);
    headerPort->setAttribute(Qt::WA_UpdatesDisabled, true);
    QTreeView::doItemsLayout();
    port->setAttribute(Qt::WA_UpdatesDisabled, false);
    headerPort->setAttribute(Qt::WA_UpdatesDisabled, headerWasQuiet);
    if (header()->count() != columns)
        headerPort->update();
    if (m_firstPainted < 0) {
        port->update();   // it scrolled (fewer rows than before below the top one)
        return;
    }
    for (int slot = 0; slot < int(m_shown.size()); ++slot) {
        if (!(shownAt(m_firstPainted + slot) == m_shown[size_t(slot)]))
            port->update(slotRect(slot));
    }
}

void SessionTableView::dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                                   const QList<int> &roles)
{
    // (No indexAt() or visualRect() here: both would force a pending relayout, for every range.)
    if (m_firstPainted < 0 || !topLeft.isValid() || !bottomRight.isValid() || topLeft.parent().isValid()) {
        QTreeView::dataChanged(topLeft, bottomRight, roles);
        return;
    }
    const int first = qMax(topLeft.row(), m_firstPainted);
    const int last = qMin(bottomRight.row(), m_firstPainted + int(m_shown.size()) - 1);
    if (first > last)
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
    // The proxy reports re-sorted rows as one range from the first to the last: repaint only the
    // slots whose session or revision moved, and only these columns where the session is the
    // same. (Rows moved by a re-sort also get a relayout, which checks every slot.)
    for (int row = first; row <= last; ++row) {
        const int slot = row - m_firstPainted;
        const Shown now = shownAt(row);
        const Shown &was = m_shown[size_t(slot)];
        if (now == was)
            continue;
        const QRect rect = slotRect(slot);
        viewport()->update(now.id == was.id ? QRect(left, rect.top(), right - left, rect.height()) : rect);
    }
}
