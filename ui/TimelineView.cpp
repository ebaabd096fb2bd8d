#include "TimelineView.h"

#include <QHeaderView>

using namespace Qt::StringLiterals;

TimelineView::TimelineView(QWidget *parent)
    : QTreeWidget(parent)
{
    setObjectName(u"timeline"_s);
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setHeaderLabels({tr("Time"), tr("Step"), tr("Detail")});
    header()->setStretchLastSection(true);
    setWordWrap(false);
}

void TimelineView::setTimeline(const SessionTimeline &timeline)
{
    if (timeline.id == m_timeline.id && timeline.closed == m_timeline.closed
        && timeline.steps.size() == m_timeline.steps.size())
        return;   // nothing new: keep the selection and the scroll position
    m_timeline = timeline;
    clear();
    QList<QTreeWidgetItem *> rows;
    for (const TimelineStep &step : timeline.steps) {
        auto *row = new QTreeWidgetItem(
            QStringList{step.time.toLocalTime().toString(u"HH:mm:ss.zzz"_s), step.kind, step.detail});
        row->setToolTip(0, step.time.toUTC().toString(Qt::ISODateWithMs));
        row->setToolTip(2, step.detail);
        if (step.kind == u"closed") {
            QFont bold = font();
            bold.setBold(true);
            for (int c = 0; c < 3; ++c)
                row->setFont(c, bold);
        }
        rows.append(row);
    }
    addTopLevelItems(rows);
    resizeColumnToContents(0);
    resizeColumnToContents(1);
}

QStringList TimelineView::lines() const
{
    QStringList result;
    for (const TimelineStep &step : m_timeline.steps)
        result.append(step.kind + u": "_s + step.detail);
    return result;
}
