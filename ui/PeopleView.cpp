#include "PeopleView.h"

#include "PeopleModel.h"

#include <QHeaderView>

using namespace Qt::StringLiterals;

PeopleView::PeopleView(PeopleModel *model, QWidget *parent)
    : QTreeView(parent)
    , m_model(model)
{
    setObjectName(u"people"_s);
    // Before setModel: the selection model moves the current row away from a row being
    // removed in its own handler of this signal, and this one must see the row first.
    connect(model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex &parent, int first, int last) {
                QModelIndex current = currentIndex().siblingAtColumn(0);
                while (current.isValid() && current.parent() != parent)
                    current = current.parent();
                if (current.isValid() && current.row() >= first && current.row() <= last)
                    m_removingCurrent = true;
            });
    setModel(model);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setIconSize(QSize(24, 24));
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setSelectionMode(QAbstractItemView::SingleSelection);
    header()->setStretchLastSection(true);
    header()->resizeSection(PeopleModel::NameColumn, 300);
    header()->resizeSection(PeopleModel::PresenceColumn, 220);
    header()->resizeSection(PeopleModel::ClientColumn, 150);
    header()->resizeSection(PeopleModel::RttColumn, 60);
    // New people arrive expanded; the initial load expands everyone once.
    connect(model, &QAbstractItemModel::modelReset, this, &QTreeView::expandAll);
    connect(model, &QAbstractItemModel::rowsInserted, this, [this](const QModelIndex &parent, int first, int last) {
        if (parent.isValid())
            return;
        for (int row = first; row <= last; ++row)
            expand(m_model->index(row, 0));
    });
    connect(model, &QAbstractItemModel::rowsRemoved, this, [this] { m_removingCurrent = false; });
    connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        if (!m_removingCurrent)
            Q_EMIT sessionSelected(currentSessionId());
    });
}

quint64 PeopleView::currentSessionId() const
{
    QModelIndex current = currentIndex();
    if (!current.isValid())
        return 0;
    current = current.siblingAtColumn(0);
    if (!current.parent().isValid())
        current = m_model->index(0, 0, current);   // a person: their first device
    return current.data(PeopleModel::SessionIdRole).toULongLong();
}

bool PeopleView::selectSession(quint64 id)
{
    const QModelIndex index = m_model->indexOfSession(id);
    if (!index.isValid())
        return false;
    expand(index.parent());
    setCurrentIndex(index);
    scrollTo(index);
    return true;
}
