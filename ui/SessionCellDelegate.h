#pragma once

#include <QFont>
#include <QHash>
#include <QStaticText>
#include <QStyledItemDelegate>

// Paints the session table's text cells. QStyledItemDelegate (through QCommonStyle) builds a
// QTextLayout for every cell twice a frame, once to size the text and once to draw it, and
// shapes the text with HarfBuzz each time: at 10,000 sessions under churn that was two thirds
// of a frame (perf). The table's cells hold one line of plain text and most of them read the
// same from one frame to the next, so this delegate keeps each shaped string as a QStaticText
// and draws it directly, aligned and elided as the style would. The style still paints the
// background and the selection; the focused cell, and any text that is not one line, go
// through QStyledItemDelegate unchanged.
class SessionCellDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit SessionCellDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    struct Shaped
    {
        QStaticText text;
        int elidedWidth = -1;   // the width `elided` was cut for
        QStaticText elided;
    };
    // The text shaped, or cut to `width` if it does not fit.
    const QStaticText &shaped(const QString &text, const QStyleOptionViewItem &option, int width) const;

    // Shaped strings of the current font; a frame shows a few hundred, the cap keeps changing
    // counters from growing it without bound.
    static constexpr qsizetype CacheLimit = 4096;
    mutable QHash<QString, Shaped> m_shaped;
    mutable QFont m_font;
};
