#pragma once

#include <QTreeView>

// The session table's view: a flat QTreeView with uniform row heights that repaints only what
// changed on screen. Qt's view repaints the whole viewport for any multi-cell dataChanged; with
// ten thousand rows and a batch every 100 ms most changes are off screen. This one remembers
// which rows its last paint showed and skips ranges outside them, and repaints only the
// changed cells otherwise. Anything that moves rows on screen (scrolling, sorting,
// inserts, removals, resizing) repaints by itself, so a skipped range is never left stale.
// Its cells are painted by SessionCellDelegate (text shaped once, not per cell and frame).
class SessionTableView : public QTreeView
{
    Q_OBJECT
public:
    explicit SessionTableView(QWidget *parent = nullptr);

protected:
    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;
    void paintEvent(QPaintEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    // Rows shown by the last paint, where the first one was and how tall rows are; -1 before
    // the first paint and after a scroll (until the next paint).
    int m_firstPainted = -1;
    int m_lastPainted = -1;
    int m_firstTop = 0;
    int m_rowHeight = 0;
};
