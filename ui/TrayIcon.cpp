#include "TrayIcon.h"

#include <QAction>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QSystemTrayIcon>

using namespace Qt::StringLiterals;

TrayIcon::TrayIcon(QObject *parent)
    : QObject(parent)
    , m_icon(new QSystemTrayIcon(this))
    , m_menu(new QMenu)
{
    QAction *show = m_menu->addAction(tr("&Show Switchboard"));
    connect(show, &QAction::triggered, this, &TrayIcon::showWindowRequested);
    m_menu->addSeparator();
    QAction *quit = m_menu->addAction(tr("&Quit…"));
    connect(quit, &QAction::triggered, this, &TrayIcon::quitRequested);
    m_icon->setContextMenu(m_menu);
    connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            Q_EMIT showWindowRequested();
    });
    setSessionCount(0);
}

TrayIcon::~TrayIcon()
{
    delete m_menu;
}

bool TrayIcon::isAvailable()
{
    return QSystemTrayIcon::isSystemTrayAvailable();
}

bool TrayIcon::isVisible() const
{
    return m_icon->isVisible();
}

void TrayIcon::show()
{
    if (isAvailable())
        m_icon->show();
}

QIcon TrayIcon::makeIcon(int count)
{
    QIcon icon;
    for (int size : {16, 22, 32, 64}) {
        QPixmap pixmap(size, size);
        pixmap.fill(Qt::transparent);
        QPainter p(&pixmap);
        p.setRenderHint(QPainter::Antialiasing);
        // A patch panel: two rows of jacks on a dark plate.
        p.setBrush(QColor(0x26, 0x32, 0x38));
        p.setPen(Qt::NoPen);
        p.drawRoundedRect(QRectF(0, 0, size, size), size * 0.18, size * 0.18);
        p.setBrush(QColor(0x4c, 0xaf, 0x50));
        const double r = size * 0.09;
        for (int row = 0; row < 2; ++row)
            for (int col = 0; col < 3; ++col)
                p.drawEllipse(QPointF(size * (0.25 + 0.25 * col), size * (0.3 + 0.4 * row)), r, r);
        if (count > 0 && size >= 22) {
            const QString text = count > 999 ? u"999+"_s : QString::number(count);
            QFont font = p.font();
            font.setPixelSize(int(size * 0.42));
            font.setBold(true);
            p.setFont(font);
            const QRectF badge(size * 0.35, size * 0.5, size * 0.65, size * 0.5);
            p.setBrush(QColor(0xd3, 0x2f, 0x2f));
            p.drawRoundedRect(badge, size * 0.12, size * 0.12);
            p.setPen(Qt::white);
            p.drawText(badge, Qt::AlignCenter, text);
        }
        p.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

void TrayIcon::setSessionCount(int count)
{
    if (count == m_count)
        return;
    m_count = count;
    m_icon->setIcon(makeIcon(count));
    m_icon->setToolTip(toolTip());
}

QString TrayIcon::toolTip() const
{
    return tr("Switchboard: %n session(s)", nullptr, qMax(0, m_count));
}

void TrayIcon::showMessage(const QString &title, const QString &text)
{
    if (m_icon->isVisible())
        m_icon->showMessage(title, text, QSystemTrayIcon::Information, 4000);
}
