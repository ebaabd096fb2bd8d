#pragma once

#include "SessionTableModel.h"

#include <QColor>
#include <QStyledItemDelegate>

// Paints the state column as a coloured badge (the seed's sets at a glance).
class StateBadgeDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit StateBadgeDelegate(QObject *parent = nullptr);

    static QColor colorFor(SessionTableModel::State state);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};
