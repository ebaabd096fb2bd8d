#pragma once

#include <QTreeView>
#include <vector>

// The session table's view: a flat QTreeView with uniform row heights that repaints only what
// changed on screen. Under 500 logins/s of churn every batch inserts and removes rows, and Qt's
// view answers each with a relayout that repaints the whole viewport, and the proxy reports
// re-sorted rows as one range spanning the table; yet with ten thousand rows most changes are
// off screen. So this view remembers, for each row slot its last paint showed, which session
// it showed and that row's revision (SessionTableModel::RevisionRole). After a relayout, and
// for a changed range, it repaints just the slots whose session or revision differ (a changed
// range: only its columns). Scrolling, resizing and anything else it does not know still
// repaint by Qt's own rules, and a model without revisions gets Qt's behaviour. Cells are
// painted by SessionCellDelegate (text shaped once, not per cell and frame).
class SessionTableView : public QTreeView
{
    Q_OBJECT
public:
    explicit SessionTableView(QWidget *parent = nullptr);

    void doItemsLayout() override;

protected:
    void dataChanged(const QModelIndex &topLeft, const QModelIndex &bottomRight,
                     const QList<int> &roles = QList<int>()) override;
    void paintEvent(QPaintEvent *event) override;
    void scrollContentsBy(int dx, int dy) override;

private:
    struct Shown
    {
        quint64 id = 0;          // 0: an empty slot
        quint64 revision = 0;
        bool operator==(const Shown &) const = default;
    };
    Shown shownAt(int row) const;   // what row `row` of the model would show now
    void forgetPainted() { m_firstPainted = -1; m_shown.clear(); }
    QRect slotRect(int slot) const;

    // What the last paints left on screen: slot i is model row m_firstPainted + i, at
    // m_firstTop + i * m_rowHeight. m_firstPainted is -1 when that is not known (before the
    // first paint, after a scroll, until the next full paint).
    int m_firstPainted = -1;
    int m_firstTop = 0;
    int m_rowHeight = 0;
    std::vector<Shown> m_shown;
};
