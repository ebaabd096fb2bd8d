#pragma once

#include <QTreeView>

class PeopleModel;

// The people tree beside the session table: accounts expanded to their devices as they
// appear, avatars at the account rows. Selecting a device (or a person: their first device)
// tells which session the details pane should show.
class PeopleView final : public QTreeView
{
    Q_OBJECT
public:
    explicit PeopleView(PeopleModel *model, QWidget *parent = nullptr);

    PeopleModel *peopleModel() const { return m_model; }
    // The session the current row stands for (0: none).
    quint64 currentSessionId() const;
    bool selectSession(quint64 id);

Q_SIGNALS:
    void sessionSelected(quint64 id);

private:
    PeopleModel *m_model;
    // The current row is being removed: the details pane stays on the session that went.
    bool m_removingCurrent = false;
};
