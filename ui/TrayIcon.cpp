#include "TrayIcon.h"

#include <QAction>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QFont>
#include <QIcon>
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

// The resources live in this static library: register them before the first use. (Outside any
// namespace: Q_INIT_RESOURCE declares a global function.)
static void initResources()
{
    static const bool done = [] {
        Q_INIT_RESOURCE(switchboard);
        return true;
    }();
    Q_UNUSED(done);
}

QIcon TrayIcon::applicationIcon()
{
    initResources();
    QIcon icon;
    for (int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(u":/icons/%1x%1/switchboard.png"_s.arg(size), QSize(size, size));
    return icon;
}

QIcon TrayIcon::makeIcon(int count)
{
    initResources();
    // The state's plate (resources/tray): grey jacks while nobody is connected, green after.
    const QString state = count > 0 ? u"active"_s : u"idle"_s;
    QIcon icon;
    for (int size : {16, 22, 32, 64}) {
        QPixmap pixmap(u":/tray/tray-%1-%2.png"_s.arg(state).arg(size));
        if (pixmap.isNull()) {
            pixmap = QPixmap(size, size);
            pixmap.fill(Qt::transparent);
        }
        if (count > 0 && size >= 22) {
            // The count changes all the time, so it is painted rather than drawn as an asset.
            QPainter p(&pixmap);
            p.setRenderHint(QPainter::Antialiasing);
            p.setPen(Qt::NoPen);
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
