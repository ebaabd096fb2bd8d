#pragma once

#include <QSortFilterProxyModel>

class SessionTableModel;

// Sorts the session table on the model's raw sort role and filters it by free text (JID, user,
// peer address, client, status) and by the session model's sets. Numeric columns compare the snapshots'
// numbers directly: every re-sorted row costs a binary search of the ten thousand, and two
// QVariants per comparison were most of that.
class SessionFilterProxy final : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    // A set filter: sessions in that set (connected ⊇ available, connected ⊇ interested).
    enum class SetFilter { All, Unauthenticated, Authenticated, Connected, Available, Interested };
    Q_ENUM(SetFilter)

    explicit SessionFilterProxy(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *model) override;

    QString filterText() const { return m_text; }
    void setFilterText(const QString &text);
    SetFilter setFilter() const { return m_set; }
    void setSetFilter(SetFilter filter);

    static QString setFilterName(SetFilter filter);

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &sourceLeft, const QModelIndex &sourceRight) const override;

public:
    // The model's flags are the same for every session; answered without mapping the index,
    // because QTreeView asks every row twice on each relayout (once per batch under churn).
    Qt::ItemFlags flags(const QModelIndex &index) const override;

private:
    SessionTableModel *m_sessions = nullptr;
    QString m_text;
    SetFilter m_set = SetFilter::All;
};
