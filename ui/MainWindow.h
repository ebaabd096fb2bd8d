#pragma once

#include "SessionTableModel.h"

#include <QMainWindow>
#include <QPointer>

class AccountsTab;
class AuditLogTab;
class PeopleModel;
class PeopleView;
class RoomsTab;
class SecurityAlerts;
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QMenu;
class QSplitter;
class QTabWidget;
class QTimer;
class QTreeView;
class ServerLink;
class ServerTab;
class SessionDetailsPane;
class SessionFilterProxy;
class TrayIcon;

// The admin console: the live session table with its summary bar and details pane, actions
// on the selected sessions (close, kick, kick the user, disable the account), and the
// Accounts, Server and Log tabs. Talks to the server only through the ServerLink.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(ServerLink *link, QWidget *parent = nullptr);
    ~MainWindow() override;

    // The tray icon (console mode): closing the window then only hides it.
    void setTrayIcon(TrayIcon *tray);

    SessionTableModel *sessionModel() const { return m_model; }
    SessionFilterProxy *sessionProxy() const { return m_proxy; }
    QTreeView *sessionView() const { return m_view; }
    SessionDetailsPane *detailsPane() const { return m_details; }
    AccountsTab *accountsTab() const { return m_accounts; }
    ServerTab *serverTab() const { return m_server; }
    AuditLogTab *auditLogTab() const { return m_log; }
    RoomsTab *roomsTab() const { return m_rooms; }
    QTabWidget *tabs() const { return m_tabs; }
    QAction *closeAction() const { return m_closeAction; }
    QAction *kickAction() const { return m_kickAction; }
    QAction *kickUserAction() const { return m_kickUserAction; }
    QAction *disableAccountAction() const { return m_disableAction; }
    QMenu *columnsMenu() const { return m_columnsMenu; }
    // The people tree beside the session table (same batches), and the tab pair holding both.
    PeopleModel *peopleModel() const { return m_people; }
    PeopleView *peopleView() const { return m_peopleView; }
    QTabWidget *sessionViewTabs() const { return m_sessionViews; }
    // Opt-in tray notifications for lock-outs and failed-login bursts (remembered).
    QAction *securityAlertsAction() const { return m_alertsAction; }
    SecurityAlerts *securityAlerts() const { return m_alerts; }
    QString summaryText() const;

    // Makes the session's row the current and only selected one; false if it is not shown.
    bool selectSession(quint64 id);
    QList<quint64> selectedSessionIds() const;

    void setColumnVisible(SessionTableModel::Column column, bool visible);
    bool isColumnVisible(SessionTableModel::Column column) const;
    void saveSettings() const;

public Q_SLOTS:
    void closeSelected();
    void kickSelected();
    void kickUsersOfSelected();
    void disableAccountsOfSelected();
    // Asks, then quitGracefully(); false if the operator changed their mind.
    bool requestQuit();
    // Without asking: the server stops gracefully, then the application quits.
    void quitGracefully();

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void buildSessionsTab();
    void buildMenus();
    void restoreSettings();
    void loadSessions();
    void updateActions();
    void updateSummary(const SessionTableModel::Counts &counts);
    void onCurrentRowChanged();
    void onSessionsChanged(const QList<quint64> &ids);
    void onSessionsClosed(const QList<quint64> &ids);
    void showSessionMenu(const QPoint &pos);
    QStringList selectedUsernames() const;
    QString describe(quint64 id) const;

    ServerLink *m_link;
    QString m_domain;
    SessionTableModel *m_model;
    SessionFilterProxy *m_proxy;
    QTabWidget *m_tabs = nullptr;
    QTreeView *m_view = nullptr;
    QSplitter *m_splitter = nullptr;
    SessionDetailsPane *m_details = nullptr;
    AccountsTab *m_accounts = nullptr;
    ServerTab *m_server = nullptr;
    AuditLogTab *m_log = nullptr;
    RoomsTab *m_rooms = nullptr;        // group chat rooms (XEP-0045)
    QLineEdit *m_filter = nullptr;
    QComboBox *m_setFilter = nullptr;
    QList<QLabel *> m_summary;
    QMenu *m_columnsMenu = nullptr;
    QList<QAction *> m_columnActions;
    QAction *m_closeAction = nullptr;
    QAction *m_kickAction = nullptr;
    QAction *m_kickUserAction = nullptr;
    QAction *m_disableAction = nullptr;
    QAction *m_quitAction = nullptr;
    PeopleModel *m_people = nullptr;
    PeopleView *m_peopleView = nullptr;
    QTabWidget *m_sessionViews = nullptr;
    SecurityAlerts *m_alerts = nullptr;
    QAction *m_alertsAction = nullptr;
    QTimer *m_idleTimer = nullptr;
    QPointer<TrayIcon> m_tray;
    bool m_quitting = false;
    bool m_settingsLoaded = false;
    bool m_toldAboutTray = false;
};
