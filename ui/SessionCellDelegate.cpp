#include "SessionCellDelegate.h"

#include <QApplication>
#include <QPainter>
#include <QStyle>
#include <QtMath>

SessionCellDelegate::SessionCellDelegate(QObject *parent)
    : QStyledItemDelegate(parent)
{
}

namespace {
QStaticText prepared(const QString &text, const QFont &font)
{
    QStaticText shaped(text);
    shaped.setTextFormat(Qt::PlainText);
    shaped.setPerformanceHint(QStaticText::AggressiveCaching);
    shaped.prepare(QTransform(), font);
    return shaped;
}
} // namespace

const QStaticText &SessionCellDelegate::shaped(const QString &text, const QStyleOptionViewItem &option,
                                               int width) const
{
    if (option.font != m_font) {
        m_shaped.clear();
        m_font = option.font;
    }
    auto it = m_shaped.find(text);
    if (it == m_shaped.end()) {
        if (m_shaped.size() >= CacheLimit)
            m_shaped.clear();
        it = m_shaped.insert(text, Shaped{prepared(text, option.font), -1, QStaticText()});
    }
    if (it->text.size().width() <= width || option.textElideMode == Qt::ElideNone)
        return it->text;
    if (it->elidedWidth != width) {
        it->elided = prepared(option.fontMetrics.elidedText(text, option.textElideMode, width), option.font);
        it->elidedWidth = width;
    }
    return it->elided;
}

void SessionCellDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QVariant value = index.data(Qt::DisplayRole);
    const QString text = value.isValid() ? displayText(value, option.locale) : QString();
    const bool oneLine = !text.contains(QLatin1Char('\n')) && !text.contains(QChar::LineSeparator);
    if ((option.state & QStyle::State_HasFocus) || !oneLine) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }

    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    // Background and selection, as QCommonStyle's CE_ItemViewItem starts.
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &option, painter, widget);
    if (text.isEmpty())
        return;

    // The same text rectangle, elision and alignment as QCommonStyle's item text.
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    const QRect textRect = option.rect.adjusted(margin, 0, -margin, 0);
    const QVariant alignmentValue = index.data(Qt::TextAlignmentRole);
    const Qt::Alignment alignment =
        alignmentValue.isValid() ? alignmentValue.value<Qt::Alignment>() : option.displayAlignment;
    const QStaticText &line = shaped(text, option, textRect.width());
    const QSize size(qCeil(line.size().width()), option.fontMetrics.height());
    const QRect placed = QStyle::alignedRect(option.direction, alignment, size, textRect);

    QPalette::ColorGroup group = option.state & QStyle::State_Enabled ? QPalette::Normal : QPalette::Disabled;
    if (group == QPalette::Normal && !(option.state & QStyle::State_Active))
        group = QPalette::Inactive;
    painter->save();
    painter->setClipRect(textRect, Qt::IntersectClip);
    painter->setFont(option.font);
    painter->setPen(option.palette.color(
        group, option.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text));
    painter->drawStaticText(placed.topLeft(), line);
    painter->restore();
}
