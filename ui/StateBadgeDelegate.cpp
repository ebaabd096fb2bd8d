#include "StateBadgeDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

StateBadgeDelegate::StateBadgeDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

QColor StateBadgeDelegate::colorFor(SessionTableModel::State state)
{
    switch (state) {
    case SessionTableModel::State::Unauthenticated: return QColor(0x8a, 0x8f, 0x98);   // grey
    case SessionTableModel::State::Authenticated: return QColor(0xd9, 0x8c, 0x1f);     // amber
    case SessionTableModel::State::Connected: return QColor(0x2f, 0x6f, 0xc4);         // blue
    case SessionTableModel::State::Available: return QColor(0x2e, 0x9e, 0x4f);         // green
    case SessionTableModel::State::Interested: return QColor(0x7b, 0x4f, 0xc2);        // violet
    }
    return QColor(Qt::gray);
}

void StateBadgeDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    // Selection and focus background from the style, then the badge on top.
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QVariant stateValue = index.data(SessionTableModel::StateRole);
    if (!stateValue.isValid() || text.isEmpty())
        return;
    const auto state = SessionTableModel::State(stateValue.toInt());
    const QFontMetrics metrics(opt.font);
    const int padding = 6;
    const int height = qMin(opt.rect.height() - 4, metrics.height() + 2);
    // A little slack: elidedText() may cut a text given exactly its own advance.
    const int textWidth = metrics.horizontalAdvance(text) + 2;
    const int width = qMin(opt.rect.width() - 4, textWidth + 2 * padding);
    const QRect badge(opt.rect.left() + 2, opt.rect.top() + (opt.rect.height() - height) / 2, width, height);
    const QString shown = width - 2 * padding >= textWidth
        ? text
        : metrics.elidedText(text, Qt::ElideRight, width - 2 * padding);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing, true);
    QPainterPath path;
    path.addRoundedRect(QRectF(badge), height / 2.0, height / 2.0);
    painter->fillPath(path, colorFor(state));
    painter->setPen(Qt::white);
    painter->setFont(opt.font);
    painter->drawText(badge, Qt::AlignCenter, shown);
    painter->restore();
}

QSize StateBadgeDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.rwidth() += 16;
    size.setHeight(qMax(size.height(), option.fontMetrics.height() + 6));
    return size;
}
