#pragma once

#include "session/SessionTimeline.h"

#include <QTreeWidget>

// One session's lifecycle in the details pane: a row per step (local time with milliseconds,
// the step, what it says), the closing step in bold. A handful of rows, refreshed with the
// details (at most once a second), and kept after the session closes.
class TimelineView final : public QTreeWidget
{
    Q_OBJECT
public:
    explicit TimelineView(QWidget *parent = nullptr);

    void setTimeline(const SessionTimeline &timeline);
    const SessionTimeline &timeline() const { return m_timeline; }
    // "kind: detail" per row, for tests and copying.
    QStringList lines() const;

private:
    SessionTimeline m_timeline;
};
