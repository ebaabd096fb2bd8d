#pragma once

#include "SessionTableModel.h"

#include <QColor>
#include <QFont>
#include <QHash>
#include <QPixmap>
#include <QStyledItemDelegate>

// Paints the state column as a coloured badge (the session model's sets at a glance). A badge depends
// only on the state, the cell's size, the font and the device pixel ratio, so each one is
// drawn once into a pixmap (antialiased path, metrics, text) and then only copied: a frame
// shows dozens of them and redraws ten times a second under churn.
class StateBadgeDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit StateBadgeDelegate(QObject *parent = nullptr);

    static QColor colorFor(SessionTableModel::State state);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    QPixmap badge(SessionTableModel::State state, const QStyleOptionViewItem &option,
                  const QString &badgeText) const;

    mutable QHash<quint64, QPixmap> m_badges;   // by state, cell size and pixel ratio
    mutable QFont m_font;                       // the font they were drawn with
};
