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
    case SessionTableModel::State::Hibernating: return QColor(0x4a, 0x5a, 0x6a);       // slate
    }
    return QColor(Qt::gray);
}

QPixmap StateBadgeDelegate::badge(SessionTableModel::State state, const QStyleOptionViewItem &option,
                                  const QString &badgeText) const
{
    if (option.font != m_font) {
        m_badges.clear();
        m_font = option.font;
    }
    const qreal ratio = option.widget ? option.widget->devicePixelRatioF() : qApp->devicePixelRatio();
    const QSize cell = option.rect.size();
    const quint64 key = quint64(state) << 56 | quint64(cell.width() & 0xffffff) << 32
        | quint64(cell.height() & 0xffff) << 16 | quint64(qRound(ratio * 100) & 0xffff);
    // A hibernating badge counts down (its text changes every second): drawn each time, the
    // few such rows are cheap.
    const bool cached = state != SessionTableModel::State::Hibernating;
    if (const auto it = m_badges.constFind(key); cached && it != m_badges.cend())
        return *it;

    const QString text = cached || badgeText.isEmpty() ? SessionTableModel::stateName(state) : badgeText;
    const QFontMetrics metrics(option.font);
    const int padding = 6;
    const int height = qMin(cell.height() - 4, metrics.height() + 2);
    // A little slack: elidedText() may cut a text given exactly its own advance.
    const int textWidth = metrics.horizontalAdvance(text) + 2;
    const int width = qMin(cell.width() - 4, textWidth + 2 * padding);
    QPixmap pixmap(QSize(qMax(1, width), qMax(1, height)) * ratio);
    pixmap.setDevicePixelRatio(ratio);
    pixmap.fill(Qt::transparent);
    if (width > 0 && height > 0) {
        const QRect badge(0, 0, width, height);
        const QString shown = width - 2 * padding >= textWidth
            ? text
            : metrics.elidedText(text, Qt::ElideRight, width - 2 * padding);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing, true);
        QPainterPath path;
        path.addRoundedRect(QRectF(badge), height / 2.0, height / 2.0);
        painter.fillPath(path, colorFor(state));
        painter.setPen(Qt::white);
        painter.setFont(option.font);
        painter.drawText(badge, Qt::AlignCenter, shown);
    }
    if (cached)
        m_badges.insert(key, pixmap);
    return pixmap;
}

void StateBadgeDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant stateValue = index.data(SessionTableModel::StateRole);
    if (option.state & QStyle::State_HasFocus) {
        // The focused cell keeps the style's focus frame (one cell a frame: the slow path is fine).
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        opt.text.clear();
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    } else {
        // Selection and background from the style, then the badge on top.
        const QWidget *widget = option.widget;
        QStyle *style = widget ? widget->style() : QApplication::style();
        style->drawPrimitive(QStyle::PE_PanelItemViewItem, &option, painter, widget);
    }
    if (!stateValue.isValid())
        return;
    const auto state = SessionTableModel::State(stateValue.toInt());
    const QPixmap pixmap = badge(state, option,
                                 state == SessionTableModel::State::Hibernating
                                     ? index.data(SessionTableModel::BadgeTextRole).toString()
                                     : QString());
    const QSize size = pixmap.deviceIndependentSize().toSize();
    painter->drawPixmap(option.rect.left() + 2, option.rect.top() + (option.rect.height() - size.height()) / 2,
                        pixmap);
}

QSize StateBadgeDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize size = QStyledItemDelegate::sizeHint(option, index);
    size.rwidth() += 16;
    size.setHeight(qMax(size.height(), option.fontMetrics.height() + 6));
    return size;
}
