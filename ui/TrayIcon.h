#pragma once

#include <QObject>
#include <QIcon>

class QAction;
class QMenu;
class QSystemTrayIcon;

// The system tray icon: the session count on the icon and in the tooltip, a menu to show the
// window or quit. With it, closing the window leaves the server running.
class TrayIcon final : public QObject
{
    Q_OBJECT
public:
    explicit TrayIcon(QObject *parent = nullptr);
    ~TrayIcon() override;

    static bool isAvailable();
    bool isVisible() const;
    void show();
    void setSessionCount(int count);
    int sessionCount() const { return m_count; }
    void showMessage(const QString &title, const QString &text);
    QString toolTip() const;

    // The tray icon of the server's state (resources/tray) with the session count.
    static QIcon makeIcon(int count);
    // The application icon (resources/icons): the window's, the desktop entry's.
    static QIcon applicationIcon();

Q_SIGNALS:
    void showWindowRequested();
    void quitRequested();

private:
    QSystemTrayIcon *m_icon;
    QMenu *m_menu;
    int m_count = -1;
};
