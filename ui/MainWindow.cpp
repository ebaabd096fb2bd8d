#include "MainWindow.h"

#include "AccountsTab.h"
#include "AnnounceDialog.h"
#include "InvitesTab.h"
#include "AuditLogTab.h"
#include "KickDialog.h"
#include "PeopleModel.h"
#include "PeopleView.h"
#include "SecurityAlerts.h"
#include "ServerLink.h"
#include "ServerTab.h"
#include "SessionDetailsPane.h"
#include "SessionFilterProxy.h"
#include "SessionTableView.h"
#include "StateBadgeDelegate.h"
#include "TrayIcon.h"
#include "UploadsView.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QRegularExpression>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {

QSettings consoleSettings()
{
    return QSettings(u"switchboard"_s, u"console"_s);
}

// Columns hidden until the operator asks for them.
constexpr SessionTableModel::Column HiddenByDefault[] = {
    SessionTableModel::StatusColumn, SessionTableModel::BytesInColumn, SessionTableModel::BytesOutColumn};

} // namespace

MainWindow::MainWindow(ServerLink *link, QWidget *parent)
    : QMainWindow(parent)
    , m_link(link)
    , m_model(new SessionTableModel(this))
    , m_proxy(new SessionFilterProxy(this))
{
    setObjectName(u"mainWindow"_s);
    setWindowIcon(TrayIcon::applicationIcon());
    const ServerInfo info = m_link->serverInfo();
    m_domain = info.domain;
    m_proxy->setSourceModel(m_model);

    buildActions();
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(u"tabs"_s);
    buildSessionsTab();
    m_accounts = new AccountsTab(m_link, this);
    m_tabs->addTab(m_accounts, tr("&Accounts"));
    m_tabs->addTab(new InvitesTab(m_link, this), tr("&Invites"));
    m_server = new ServerTab(m_link, this);
    m_tabs->addTab(m_server, tr("Se&rver"));
    m_log = new AuditLogTab(m_link, this);
    m_tabs->addTab(m_log, tr("&Log"));
    m_tabs->addTab(new UploadsView(m_link, this), tr("&Uploads"));   // XEP-0363 files
    setCentralWidget(m_tabs);
    buildMenus();

    QString listening = tr("Serving %1 on %2:%3").arg(info.domain, info.bindAddress).arg(info.c2sPort);
    if (info.c2sTlsPort)
        listening += tr(" and %1 (direct TLS)").arg(info.c2sTlsPort);
    auto *serving = new QLabel(listening, this);
    serving->setObjectName(u"serving"_s);
    statusBar()->addPermanentWidget(serving);

    connect(m_model, &SessionTableModel::countsChanged, this, &MainWindow::updateSummary);
    connect(m_model, &SessionTableModel::sessionsChanged, this, &MainWindow::onSessionsChanged);
    connect(m_model, &SessionTableModel::sessionsClosed, this, &MainWindow::onSessionsClosed);
    connect(m_link, &ServerLink::sessionsUpdated, m_model, &SessionTableModel::applyBatch);
    connect(m_link, &ServerLink::sessionsUpdated, m_people, &PeopleModel::applyBatch);
    m_alerts = new SecurityAlerts(this);
    connect(m_link, &ServerLink::authLocksChanged, m_alerts, &SecurityAlerts::locksChanged);
    connect(m_link, &ServerLink::statistics, m_alerts, &SecurityAlerts::statistics);
    connect(m_alerts, &SecurityAlerts::alert, this, [this](const QString &title, const QString &text) {
        if (m_tray && m_alertsAction->isChecked())
            m_tray->showMessage(title, text);
    });
    loadSessions();

    m_idleTimer = new QTimer(this);
    connect(m_idleTimer, &QTimer::timeout, m_model, [this] { m_model->refreshIdle(); });
    m_idleTimer->start(1000);

    restoreSettings();
    updateActions();
    updateSummary(m_model->counts());
}

MainWindow::~MainWindow()
{
    saveSettings();
}

void MainWindow::loadSessions()
{
    const QList<SessionSnapshot> sessions = m_link->sessions();
    // Batches the server sent before that snapshot are older than it: let them pass first,
    // then the snapshot replaces whatever they did.
    QCoreApplication::sendPostedEvents(m_link, QEvent::MetaCall);
    m_model->setSnapshots(sessions);
    m_people->setSnapshots(sessions);
}

void MainWindow::buildActions()
{
    m_closeAction = new QAction(tr("&Close"), this);
    m_closeAction->setObjectName(u"closeSession"_s);
    m_closeAction->setToolTip(tr("Close the selected sessions cleanly (unavailable presence, then "
                                 "</stream:stream>) — Shift+Delete"));
    m_closeAction->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_Delete));
    m_closeAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_closeAction, &QAction::triggered, this, &MainWindow::closeSelected);

    m_kickAction = new QAction(tr("&Kick…"), this);
    m_kickAction->setObjectName(u"kickSession"_s);
    m_kickAction->setToolTip(tr("Disconnect the selected sessions with a stream error and a reason — Delete"));
    m_kickAction->setShortcut(QKeySequence::Delete);
    m_kickAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(m_kickAction, &QAction::triggered, this, &MainWindow::kickSelected);

    m_kickUserAction = new QAction(tr("Kick all sessions of the &user…"), this);
    m_kickUserAction->setObjectName(u"kickUser"_s);
    connect(m_kickUserAction, &QAction::triggered, this, &MainWindow::kickUsersOfSelected);

    m_disableAction = new QAction(tr("&Disable account…"), this);
    m_disableAction->setObjectName(u"disableAccount"_s);
    m_disableAction->setToolTip(tr("Refuse new logins and kick the user's sessions with not-authorized"));
    connect(m_disableAction, &QAction::triggered, this, &MainWindow::disableAccountsOfSelected);

    m_quitAction = new QAction(tr("&Quit…"), this);
    m_quitAction->setObjectName(u"quit"_s);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setToolTip(tr("Stop the server (clients get system-shutdown) and quit"));
    connect(m_quitAction, &QAction::triggered, this, &MainWindow::requestQuit);
}

void MainWindow::buildSessionsTab()
{
    auto *page = new QWidget(this);
    auto *layout = new QVBoxLayout(page);
    layout->setContentsMargins(4, 4, 4, 4);

    // Filter row and the summary bar.
    auto *top = new QHBoxLayout;
    m_filter = new QLineEdit(page);
    m_filter->setObjectName(u"filter"_s);
    m_filter->setPlaceholderText(tr("Filter: JID, user, address, client, status"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &SessionFilterProxy::setFilterText);
    m_setFilter = new QComboBox(page);
    m_setFilter->setObjectName(u"setFilter"_s);
    for (auto set : {SessionFilterProxy::SetFilter::All, SessionFilterProxy::SetFilter::Unauthenticated,
                     SessionFilterProxy::SetFilter::Authenticated, SessionFilterProxy::SetFilter::Connected,
                     SessionFilterProxy::SetFilter::Available, SessionFilterProxy::SetFilter::Interested})
        m_setFilter->addItem(SessionFilterProxy::setFilterName(set), int(set));
    connect(m_setFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setSetFilter(SessionFilterProxy::SetFilter(m_setFilter->currentData().toInt()));
    });
    top->addWidget(m_filter, 2);
    top->addWidget(m_setFilter);
    top->addSpacing(12);
    const std::pair<const char *, SessionTableModel::State> counters[] = {
        {"connections", SessionTableModel::State::Unauthenticated},
        {"unauthenticated", SessionTableModel::State::Unauthenticated},
        {"connected", SessionTableModel::State::Connected},
        {"available", SessionTableModel::State::Available},
        {"interested", SessionTableModel::State::Interested},
        {"hibernating", SessionTableModel::State::Hibernating},
    };
    for (const auto &[name, state] : counters) {
        auto *label = new QLabel(page);
        label->setObjectName(u"summary_"_s + QLatin1StringView(name));
        label->setTextFormat(Qt::RichText);
        label->setProperty("color", name == std::string_view("connections")
                                        ? QColor(0x26, 0x32, 0x38).name()
                                        : StateBadgeDelegate::colorFor(state).name());
        top->addWidget(label);
        m_summary.append(label);
    }
    layout->addLayout(top);

    m_view = new SessionTableView(page);
    m_view->setObjectName(u"sessions"_s);
    m_view->setModel(m_proxy);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SessionTableModel::ConnectedSinceColumn, Qt::AscendingOrder);
    m_view->setItemDelegateForColumn(SessionTableModel::StateColumn, new StateBadgeDelegate(m_view));
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QWidget::customContextMenuRequested, this, &MainWindow::showSessionMenu);
    m_view->addActions({m_closeAction, m_kickAction});
    QHeaderView *header = m_view->header();
    header->setSectionsMovable(true);
    header->setFirstSectionMovable(true);
    header->setStretchLastSection(false);
    header->setContextMenuPolicy(Qt::CustomContextMenu);
    const std::pair<SessionTableModel::Column, int> widths[] = {
        {SessionTableModel::JidColumn, 230},        {SessionTableModel::StateColumn, 150},
        {SessionTableModel::ShowColumn, 70},        {SessionTableModel::StatusColumn, 160},
        {SessionTableModel::PriorityColumn, 60},    {SessionTableModel::InterestedColumn, 75},
        {SessionTableModel::RosterColumn, 60},      {SessionTableModel::ClientColumn, 150},
        {SessionTableModel::AddressColumn, 130},    {SessionTableModel::TlsColumn, 230},
        {SessionTableModel::SaslColumn, 120},       {SessionTableModel::ConnectedSinceColumn, 120},
        {SessionTableModel::IdleColumn, 90},        {SessionTableModel::StanzasInColumn, 80},
        {SessionTableModel::StanzasOutColumn, 85},  {SessionTableModel::BytesInColumn, 80},
        {SessionTableModel::BytesOutColumn, 80},     {SessionTableModel::RttColumn, 60},
    };
    for (const auto &[column, width] : widths)
        header->resizeSection(column, width);
    connect(header, &QHeaderView::customContextMenuRequested, this,
            [this, header](const QPoint &pos) { m_columnsMenu->popup(header->mapToGlobal(pos)); });
    connect(header, &QHeaderView::sectionMoved, this, [this] { saveSettings(); });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::updateActions);
    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::onCurrentRowChanged);

    m_details = new SessionDetailsPane(m_link, page);
    connect(m_details, &SessionDetailsPane::sessionActivated, this, [this](quint64 id) {
        if (!selectSession(id)) {
            m_filter->clear();
            m_setFilter->setCurrentIndex(0);
            selectSession(id);
        }
    });

    m_splitter = new QSplitter(Qt::Horizontal, page);
    m_splitter->setObjectName(u"sessionSplitter"_s);
    // The flat table and the people tree share the details pane.
    m_people = new PeopleModel(this);
    m_peopleView = new PeopleView(m_people, page);
    connect(m_peopleView, &PeopleView::sessionSelected, this, [this](quint64 id) {
        m_details->showSession(id, m_model->snapshotById(id));
    });
    m_sessionViews = new QTabWidget(page);
    m_sessionViews->setObjectName(u"sessionViews"_s);
    m_sessionViews->setDocumentMode(true);
    m_sessionViews->addTab(m_view, tr("&Table"));
    m_sessionViews->addTab(m_peopleView, tr("&People"));
    connect(m_sessionViews, &QTabWidget::currentChanged, this, [this] {
        if (m_sessionViews->currentWidget() == m_peopleView)
            m_details->showSession(m_peopleView->currentSessionId(), m_model->snapshotById(m_peopleView->currentSessionId()));
        else
            onCurrentRowChanged();
    });
    m_splitter->addWidget(m_sessionViews);
    m_splitter->addWidget(m_details);
    m_splitter->setStretchFactor(0, 3);
    m_splitter->setStretchFactor(1, 2);
    layout->addWidget(m_splitter, 1);
    m_tabs->addTab(page, tr("&Sessions"));

    // Columns: shown, hidden and reordered; remembered in the settings.
    m_columnsMenu = new QMenu(tr("&Columns"), this);
    m_columnsMenu->setObjectName(u"columnsMenu"_s);
    for (int c = 0; c < SessionTableModel::ColumnCount; ++c) {
        const auto column = SessionTableModel::Column(c);
        QAction *action = m_columnsMenu->addAction(SessionTableModel::columnName(column));
        action->setCheckable(true);
        action->setChecked(true);
        action->setData(c);
        if (column == SessionTableModel::JidColumn)
            action->setEnabled(false);   // something must identify the row
        connect(action, &QAction::toggled, this, [this, column](bool visible) {
            setColumnVisible(column, visible);
        });
        m_columnActions.append(action);
    }
    for (auto column : HiddenByDefault)
        setColumnVisible(column, false);
}

void MainWindow::buildMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_quitAction);
    QMenu *session = menuBar()->addMenu(tr("&Session"));
    session->addActions({m_closeAction, m_kickAction});
    session->addSeparator();
    session->addActions({m_kickUserAction, m_disableAction});
    // Broadcast from the server's domain (AdminService::announce, as `switchboard announce`).
    QAction *announce = menuBar()->addMenu(tr("&Broadcast"))->addAction(tr("&Message everyone online\u2026"));
    announce->setObjectName(u"announce"_s);
    connect(announce, &QAction::triggered, this, [this] {
        AnnounceDialog dialog(this);
        if (dialog.exec() != QDialog::Accepted || dialog.body().isEmpty())
            return;
        const int reached = m_link->announce(dialog.subject(), dialog.body(), dialog.everyone());
        statusBar()->showMessage(tr("Sent to %n user(s)", nullptr, reached), 5000);
    });
    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addMenu(m_columnsMenu);
    view->addSeparator();
    m_alertsAction = view->addAction(tr("Tray &notifications for lock-outs and failed-login bursts"));
    m_alertsAction->setObjectName(u"securityAlerts"_s);
    m_alertsAction->setCheckable(true);
    m_alertsAction->setChecked(consoleSettings().value(u"notifications/security"_s, false).toBool());
    connect(m_alertsAction, &QAction::toggled, this,
            [](bool on) { consoleSettings().setValue(u"notifications/security"_s, on); });

    QToolBar *toolbar = addToolBar(tr("Actions"));
    toolbar->setObjectName(u"actionsToolbar"_s);
    toolbar->setMovable(false);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addActions({m_closeAction, m_kickAction, m_kickUserAction, m_disableAction});
    toolbar->addSeparator();
    toolbar->addAction(m_quitAction);
}

void MainWindow::setTrayIcon(TrayIcon *tray)
{
    m_tray = tray;
    if (!tray)
        return;
    tray->setSessionCount(m_model->counts().connections);
    connect(tray, &TrayIcon::showWindowRequested, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    connect(tray, &TrayIcon::quitRequested, this, [this] {
        showNormal();
        requestQuit();
    });
}

void MainWindow::setColumnVisible(SessionTableModel::Column column, bool visible)
{
    if (column == SessionTableModel::JidColumn)
        visible = true;
    m_view->header()->setSectionHidden(column, !visible);
    if (QAction *action = m_columnActions.value(column)) {
        const QSignalBlocker blocker(action);
        action->setChecked(visible);
    }
    saveSettings();
}

bool MainWindow::isColumnVisible(SessionTableModel::Column column) const
{
    return !m_view->header()->isSectionHidden(column);
}

void MainWindow::saveSettings() const
{
    if (!m_settingsLoaded)
        return;   // still being built: do not overwrite what restoreSettings() will read
    QSettings settings = consoleSettings();
    settings.setValue(u"sessions/header"_s, m_view->header()->saveState());
    settings.setValue(u"sessions/splitter"_s, m_splitter->saveState());
    settings.setValue(u"window/geometry"_s, saveGeometry());
}

void MainWindow::restoreSettings()
{
    QSettings settings = consoleSettings();
    const QByteArray header = settings.value(u"sessions/header"_s).toByteArray();
    if (!header.isEmpty() && m_view->header()->restoreState(header)) {
        for (int c = 0; c < SessionTableModel::ColumnCount; ++c) {
            const QSignalBlocker blocker(m_columnActions[c]);
            m_columnActions[c]->setChecked(!m_view->header()->isSectionHidden(c));
        }
        m_view->header()->setSectionHidden(SessionTableModel::JidColumn, false);
    }
    const QByteArray splitter = settings.value(u"sessions/splitter"_s).toByteArray();
    if (splitter.isEmpty() || !m_splitter->restoreState(splitter))
        m_splitter->setSizes({1000, 430});
    const QByteArray geometry = settings.value(u"window/geometry"_s).toByteArray();
    if (geometry.isEmpty() || !restoreGeometry(geometry))
        resize(1280, 760);
    m_settingsLoaded = true;
}

QString MainWindow::summaryText() const
{
    QStringList parts;
    for (const QLabel *label : m_summary)
        parts.append(QString(label->text()).remove(QRegularExpression(u"<[^>]*>"_s)));
    return parts.join(u"  "_s);
}

void MainWindow::updateSummary(const SessionTableModel::Counts &counts)
{
    const std::pair<QString, int> values[] = {
        {tr("connections"), counts.connections},   {tr("unauthenticated"), counts.unauthenticated},
        {tr("connected"), counts.connected},       {tr("available"), counts.available},
        {tr("interested"), counts.interested},
        {tr("hibernating"), counts.hibernating},
    };
    for (qsizetype i = 0; i < m_summary.size(); ++i) {
        const QString color = m_summary[i]->property("color").toString();
        m_summary[i]->setText(u"<span style='color:%1'>●</span> <b>%2</b> %3"_s.arg(color)
                                  .arg(values[i].second)
                                  .arg(values[i].first));
    }
    if (m_tray)
        m_tray->setSessionCount(counts.connections);
    setWindowTitle(tr("Switchboard — %1 — %n session(s)", nullptr, counts.connections).arg(m_domain));
}

QList<quint64> MainWindow::selectedSessionIds() const
{
    QList<quint64> ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        ids.append(index.data(SessionTableModel::SessionIdRole).toULongLong());
    return ids;
}

QStringList MainWindow::selectedUsernames() const
{
    QStringList users;
    const QList<quint64> ids = selectedSessionIds();
    for (quint64 id : ids) {
        const SessionSnapshot *s = m_model->snapshotById(id);
        if (s && !s->username.isEmpty() && !users.contains(s->username))
            users.append(s->username);
    }
    return users;
}

QString MainWindow::describe(quint64 id) const
{
    const SessionSnapshot *s = m_model->snapshotById(id);
    if (!s)
        return tr("session %1").arg(id);
    return m_model->data(m_model->index(m_model->rowOf(id), SessionTableModel::JidColumn)).toString();
}

bool MainWindow::selectSession(quint64 id)
{
    const int row = m_model->rowOf(id);
    if (row < 0)
        return false;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid())
        return false;
    m_view->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_view->scrollTo(index);
    return true;
}

void MainWindow::updateActions()
{
    const bool any = m_view->selectionModel()->hasSelection();
    m_closeAction->setEnabled(any);
    m_kickAction->setEnabled(any);
    const bool users = any && !selectedUsernames().isEmpty();
    m_kickUserAction->setEnabled(users);
    m_disableAction->setEnabled(users);
}

void MainWindow::onCurrentRowChanged()
{
    const QModelIndex current = m_view->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_details->showSession(0);
        return;
    }
    const quint64 id = current.data(SessionTableModel::SessionIdRole).toULongLong();
    m_details->showSession(id, m_model->snapshotById(id));
}

void MainWindow::onSessionsChanged(const QList<quint64> &ids)
{
    const quint64 shown = m_details->sessionId();
    if (shown && ids.contains(shown)) {
        if (const SessionSnapshot *s = m_model->snapshotById(shown))
            m_details->sessionChanged(*s);
    }
    updateActions();
}

void MainWindow::onSessionsClosed(const QList<quint64> &ids)
{
    const quint64 shown = m_details->sessionId();
    if (shown && ids.contains(shown))
        m_details->sessionClosed();
}

void MainWindow::showSessionMenu(const QPoint &pos)
{
    QMenu menu(this);
    menu.addActions({m_closeAction, m_kickAction});
    menu.addSeparator();
    menu.addActions({m_kickUserAction, m_disableAction});
    menu.exec(m_view->viewport()->mapToGlobal(pos));
}

void MainWindow::closeSelected()
{
    const QList<quint64> ids = selectedSessionIds();
    for (quint64 id : ids)
        m_link->closeSession(id);
    if (!ids.isEmpty())
        statusBar()->showMessage(tr("Closing %n session(s)", nullptr, int(ids.size())), 5000);
}

void MainWindow::kickSelected()
{
    const QList<quint64> ids = selectedSessionIds();
    if (ids.isEmpty())
        return;
    QStringList targets;
    for (quint64 id : ids)
        targets.append(describe(id));
    KickDialog dialog(targets, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    if (dialog.keepOutSeconds() != 0) {
        // Keeping out is about the account: every session of each selected user.
        const QStringList users = selectedUsernames();
        for (const QString &user : users) {
            const QString error = m_link->kickKeepOut(user + u'@' + m_domain, dialog.keepOutSeconds(), dialog.reason());
            if (!error.isEmpty())
                statusBar()->showMessage(error, 8000);
        }
        return;
    }
    for (quint64 id : ids)
        m_link->kickSession(id, dialog.condition(), dialog.reason());
    statusBar()->showMessage(tr("Kicking %n session(s)", nullptr, int(ids.size())), 5000);
}

void MainWindow::kickUsersOfSelected()
{
    const QStringList users = selectedUsernames();
    if (users.isEmpty())
        return;
    QStringList targets;
    for (const QString &user : users)
        targets.append(tr("every session of %1@%2").arg(user, m_domain));
    KickDialog dialog(targets, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    for (const QString &user : users) {
        if (dialog.keepOutSeconds() != 0)
            m_link->kickKeepOut(user + u'@' + m_domain, dialog.keepOutSeconds(), dialog.reason());
        else
            m_link->kickJid(user + u'@' + m_domain, dialog.condition(), dialog.reason());
    }
}

void MainWindow::disableAccountsOfSelected()
{
    const QStringList users = selectedUsernames();
    if (users.isEmpty())
        return;
    QStringList jids;
    for (const QString &user : users)
        jids.append(user + u'@' + m_domain);
    if (QMessageBox::question(this, tr("Disable account"),
                              tr("Disable %1?\n\nNew logins are refused and the sessions are kicked with "
                                 "not-authorized. Enable the account again in the Accounts tab.")
                                  .arg(jids.join(u", "_s)))
        != QMessageBox::Yes)
        return;
    QStringList errors;
    for (const QString &user : users) {
        const QString error = m_link->setAccountDisabled(user, true, tr("Disabled by the administrator"));
        if (!error.isEmpty())
            errors.append(error);
    }
    if (!errors.isEmpty())
        QMessageBox::warning(this, tr("Disable account"), errors.join(u'\n'));
}

bool MainWindow::requestQuit()
{
    const int sessions = m_model->counts().connections;
    const QString question = sessions
        ? tr("Stop the server and quit? %n connected client(s) will be disconnected (system-shutdown).", nullptr,
             sessions)
        : tr("Stop the server and quit?");
    if (QMessageBox::question(this, tr("Quit Switchboard"), question) != QMessageBox::Yes)
        return false;
    quitGracefully();
    return true;
}

void MainWindow::quitGracefully()
{
    if (m_quitting)
        return;
    m_quitting = true;
    saveSettings();
    m_details->showSession(0);
    m_link->shutdown();
    QCoreApplication::quit();
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    saveSettings();
    if (m_quitting) {
        event->accept();
        return;
    }
    if (m_tray && m_tray->isVisible()) {
        // The server keeps running; the tray brings the window back.
        hide();
        event->ignore();
        if (!m_toldAboutTray) {
            m_toldAboutTray = true;
            m_tray->showMessage(tr("Switchboard is still running"),
                                tr("The server keeps serving. Use the tray icon to show the console or quit."));
        }
        return;
    }
    if (requestQuit())
        event->accept();
    else
        event->ignore();
}
