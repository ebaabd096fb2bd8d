// The console against a real embedded server (its own thread, port 0, a temporary data dir)
// and real slixmpp clients (tests/integration/console_client.py, driven over stdin).

#include "AccountsTab.h"
#include "AuditLogTab.h"
#include "KickDialog.h"
#include "MainWindow.h"
#include "ServerLink.h"
#include "ServerTab.h"
#include "SessionDetailsPane.h"
#include "SessionFilterProxy.h"
#include "SessionTableModel.h"
#include "XmlConsoleBuffer.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include "ConsoleClient.h"
#include "ConsoleServer.h"

#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <functional>
#include <memory>

using namespace Qt::StringLiterals;

// The slixmpp client in a Python process, shared with the people view test.
using namespace console_test;

class tst_MainWindow : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void cleanup();

    void rowsFollowTheClientThroughItsStates();
    void detailsPaneShowsTheSeedFieldsRosterAndTraffic();
    void kickClosesWithPolicyViolationAndReason();
    void closeIsCleanAndContactsSeeUnavailable();
    void hibernatingRowHasItsBadgeAndKickEndsResumption();
    void disableAccountKicksWithNotAuthorized();
    void accountsTabValidates();
    void serverTabShowsIdentityAndChart();
    void columnsAreRemembered();
    void renderScreenshot();

private:
    Client *client(const QString &jid, const QString &password, const QStringList &options = {});
    SessionTableModel *model() const { return m_window->sessionModel(); }
    const SessionSnapshot *sessionOf(const QString &fullJid) const;
    SessionTableModel::State stateOf(const QString &fullJid) const;
    void bringOnline(Client *c, const QString &show = u"-"_s, const QString &status = QString(), bool roster = true);
    void makeContacts(Client *a, Client *b);
    // Runs `act` on the next modal dialog of type T (a nested exec()), polling for at most 10 s.
    template<typename T>
    void whenModal(std::function<void(T *)> act);

    QTemporaryDir m_dataDir;
    QTemporaryDir m_settingsDir;
    ServerLink m_link;
    std::unique_ptr<MainWindow> m_window;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<Client>> m_clients;
};

Client *tst_MainWindow::client(const QString &jid, const QString &password, const QStringList &options)
{
    m_clients.push_back(std::make_unique<Client>(jid, password, m_port, options));
    return m_clients.back().get();
}

template<typename T>
void tst_MainWindow::whenModal(std::function<void(T *)> act)
{
    auto *timer = new QTimer(this);
    auto *elapsed = new QElapsedTimer;
    elapsed->start();
    timer->setInterval(20);
    connect(timer, &QTimer::timeout, this, [timer, elapsed, act] {
        if (auto *dialog = qobject_cast<T *>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            delete elapsed;
            act(dialog);
        } else if (elapsed->elapsed() > 10000) {
            timer->stop();
            timer->deleteLater();
            delete elapsed;
        }
    });
    timer->start();
}

const SessionSnapshot *tst_MainWindow::sessionOf(const QString &fullJid) const
{
    for (int row = 0; row < model()->rowCount(); ++row) {
        const SessionSnapshot *s = model()->snapshotAt(row);
        if (s->fullJid == fullJid)
            return s;
    }
    return nullptr;
}

SessionTableModel::State tst_MainWindow::stateOf(const QString &fullJid) const
{
    const SessionSnapshot *s = sessionOf(fullJid);
    return s ? SessionTableModel::stateOf(*s) : SessionTableModel::State::Unauthenticated;
}

void tst_MainWindow::bringOnline(Client *c, const QString &show, const QString &status, bool roster)
{
    QTRY_VERIFY2_WITH_TIMEOUT(c->isOnline(), qPrintable(c->log()), Timeout);
    if (roster) {
        c->send(u"roster"_s);
        QTRY_VERIFY2_WITH_TIMEOUT(c->has(u"roster"_s), qPrintable(c->log()), Timeout);
    }
    c->send(u"presence %1 %2"_s.arg(show, status).trimmed());
    QTRY_VERIFY2_WITH_TIMEOUT(c->has(u"presence_sent"_s), qPrintable(c->log()), Timeout);
}

void tst_MainWindow::makeContacts(Client *a, Client *b)
{
    // Both run with --accept: b answers a's request and asks back, a answers that.
    const QString bareB = b->jid().section(u'/', 0, 0);
    a->send(u"subscribe "_s + bareB);
    // Each then sees the other's available presence (RFC 6121 §3.1.5 / §4.3).
    QTRY_VERIFY2_WITH_TIMEOUT(a->has(u"presence"_s, {{u"from"_s, b->jid()}, {u"type"_s, u"available"_s}}),
                              qPrintable(a->log()), Timeout);
    QTRY_VERIFY2_WITH_TIMEOUT(b->has(u"presence"_s, {{u"from"_s, a->jid()}, {u"type"_s, u"available"_s}}),
                              qPrintable(b->log()), Timeout);
}

void tst_MainWindow::initTestCase()
{
    QVERIFY(m_dataDir.isValid());
    QVERIFY(m_settingsDir.isValid());
    QVERIFY2(QFileInfo::exists(clientScript()), qPrintable(clientScript()));
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());

    ServerConfig config = console_test::loopbackConfig(m_dataDir.path());
    QString error;
    QVERIFY2(m_link.start(config, &error), qPrintable(error));
    m_port = m_link.serverInfo().c2sPort;
    QVERIFY(m_port != 0);
    for (const QString &user : {u"alice"_s, u"bob"_s, u"carol"_s, u"dave"_s, u"erin"_s})
        QCOMPARE(m_link.addAccount(user, user + u"-secret"_s), QString());

    m_window = std::make_unique<MainWindow>(&m_link);
    m_window->resize(1400, 820);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_MainWindow::cleanup()
{
    m_clients.clear();
    // Every session of the previous test is gone before the next starts.
    QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 0, Timeout);
}

void tst_MainWindow::cleanupTestCase()
{
    m_clients.clear();
    m_window.reset();
    m_link.shutdown();
    QVERIFY(!m_link.isRunning());
}

void tst_MainWindow::rowsFollowTheClientThroughItsStates()
{
    using State = SessionTableModel::State;
    Client *alice = client(u"alice@localhost/desk"_s, u"alice-secret"_s, {u"--gated"_s, u"--caps"_s});

    // Connected, STARTTLS done, waiting before SASL: one unauthenticated row.
    QTRY_VERIFY2_WITH_TIMEOUT(alice->has(u"waiting"_s, {{u"step"_s, u"auth"_s}}), qPrintable(alice->log()), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 1, Timeout);
    const SessionSnapshot *s = model()->snapshotAt(0);
    QCOMPARE(SessionTableModel::stateOf(*s), State::Unauthenticated);
    QCOMPARE(s->peerAddress, QHostAddress(QHostAddress::LocalHost));
    QTRY_VERIFY_WITH_TIMEOUT(model()->snapshotAt(0)->encrypted, Timeout);
    const quint64 id = model()->snapshotAt(0)->id;
    QTRY_VERIFY_WITH_TIMEOUT(m_window->summaryText().contains(u"1 unauthenticated"_s), Timeout);
    const QModelIndex jidCell = model()->index(0, SessionTableModel::JidColumn);
    QVERIFY(jidCell.data().toString().startsWith(u"127.0.0.1:"_s));   // the peer before bind

    // Watch it in the details pane while it authenticates: the SASL payloads are redacted.
    QVERIFY(m_window->selectSession(id));
    QCOMPARE(m_window->detailsPane()->fieldText(u"type"_s), u"c2s_unauthed"_s);
    QTest::qWait(200);   // the watch request reaches the server thread
    alice->send(u"auth"_s);
    QTRY_COMPARE_WITH_TIMEOUT(SessionTableModel::stateOf(*model()->snapshotById(id)), State::Authenticated, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->detailsPane()->console().toText().contains(u"<success"_s), Timeout);
    const QString console = m_window->detailsPane()->console().toText();
    QVERIFY2(console.contains(u"mechanism="_s) && console.contains(u"[redacted]</auth>"_s), qPrintable(console));
    QVERIFY2(console.contains(u"[redacted]</response>"_s), qPrintable(console));
    QVERIFY2(console.contains(u"[redacted]</challenge>"_s), qPrintable(console));
    // SCRAM's client-first message starts "n,," or "y,," ("biws", "eSws" in base64).
    QVERIFY2(!console.contains(u">biws"_s) && !console.contains(u">eSws"_s), qPrintable(console));
    QCOMPARE(model()->snapshotById(id)->username, u"alice"_s);
    QVERIFY(model()->snapshotById(id)->saslMechanism.startsWith(u"SCRAM-"_s));

    alice->send(u"bind"_s);
    QTRY_COMPARE_WITH_TIMEOUT(model()->snapshotById(id)->fullJid, u"alice@localhost/desk"_s, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"alice@localhost/desk"_s), State::Connected, Timeout);
    QTRY_VERIFY2_WITH_TIMEOUT(alice->isOnline(), qPrintable(alice->log()), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->summaryText().contains(u"1 connected"_s), Timeout);

    alice->send(u"presence away Out to lunch"_s);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"alice@localhost/desk"_s), State::Available, Timeout);
    const int row = model()->rowOf(id);
    QCOMPARE(model()->index(row, SessionTableModel::ShowColumn).data().toString(), u"Away"_s);
    QCOMPARE(model()->index(row, SessionTableModel::StatusColumn).data().toString(), u"Out to lunch"_s);
    // The client software, from the XEP-0115 caps node of its presence.
    QTRY_VERIFY_WITH_TIMEOUT(model()->snapshotById(id)->clientSoftware.contains(u"slixmpp"_s), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->summaryText().contains(u"1 available"_s), Timeout);

    alice->send(u"roster"_s);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(u"alice@localhost/desk"_s), State::Interested, Timeout);
    QCOMPARE(model()->index(model()->rowOf(id), SessionTableModel::InterestedColumn).data().toString(), u"yes"_s);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->summaryText().contains(u"1 interested"_s), Timeout);
    QVERIFY(m_window->summaryText().contains(u"1 connections"_s));

    // The view shows it through the proxy, with the badge's state.
    QTreeView *view = m_window->sessionView();
    QCOMPARE(view->model()->rowCount(), 1);
    QCOMPARE(view->model()->index(0, SessionTableModel::StateColumn).data().toString(), u"interested"_s);
}

void tst_MainWindow::detailsPaneShowsTheSeedFieldsRosterAndTraffic()
{
    Client *bob = client(u"bob@localhost/phone"_s, u"bob-secret"_s, {u"--accept"_s});
    Client *carol = client(u"carol@localhost/laptop"_s, u"carol-secret"_s, {u"--accept"_s});
    Client *carol2 = client(u"carol@localhost/tablet"_s, u"carol-secret"_s);
    bringOnline(bob, u"chat"_s, u"Ready"_s);
    bringOnline(carol);
    bringOnline(carol2, u"-"_s, QString(), false);
    makeContacts(carol, bob);

    QTRY_VERIFY_WITH_TIMEOUT(sessionOf(u"carol@localhost/laptop"_s), Timeout);
    const quint64 id = sessionOf(u"carol@localhost/laptop"_s)->id;
    QVERIFY(m_window->selectSession(id));
    SessionDetailsPane *pane = m_window->detailsPane();
    QCOMPARE(pane->sessionId(), id);
    QTRY_COMPARE_WITH_TIMEOUT(pane->fieldText(u"full_jid"_s), u"carol@localhost/laptop"_s, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(pane->fieldText(u"type"_s), u"c2s"_s, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(pane->fieldText(u"host"_s), u"localhost"_s, Timeout);
    QCOMPARE(pane->fieldText(u"username"_s), u"carol"_s);
    QCOMPARE(pane->fieldText(u"resource"_s), u"laptop"_s);
    QCOMPARE(pane->fieldText(u"notopen"_s), u"nil"_s);
    QCOMPARE(pane->fieldText(u"interested"_s), u"true"_s);
    QVERIFY(pane->fieldText(u"presence"_s).contains(u"<presence"_s));
    QVERIFY(pane->fieldText(u"conn"_s).startsWith(u"127.0.0.1:"_s));
    // The roster with bob, and carol's other session.
    QTRY_COMPARE_WITH_TIMEOUT(pane->rosterItemCount(), 1, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(pane->otherSessionCount(), 1, Timeout);

    // Live traffic: carol changes presence; the console shows it (and bob's presence to her).
    carol->send(u"presence dnd In a meeting"_s);
    auto consoleHas = [pane](const QString &needle) {
        const auto entries = pane->console().entries();
        for (const auto &e : entries) {
            if (e.text.contains(needle))
                return true;
        }
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(consoleHas(u"In a meeting"_s), Timeout);
    QVERIFY(pane->console().toText().contains(u"C→S"_s));
    // Paused: the view stops, the buffer keeps recording; resuming shows everything.
    pane->setPaused(true);
    carol->send(u"presence away Back soon"_s);
    QTRY_VERIFY_WITH_TIMEOUT(consoleHas(u"Back soon"_s), Timeout);
    auto *view = pane->findChild<QPlainTextEdit *>(u"xmlConsole"_s);
    QVERIFY(view);
    QVERIFY(!view->toPlainText().contains(u"Back soon"_s));
    pane->setPaused(false);
    QVERIFY(view->toPlainText().contains(u"Back soon"_s));
    // Copy puts the whole console on the clipboard.
    auto *copy = pane->findChild<QPushButton *>(u"copy"_s);
    QVERIFY(copy);
    copy->click();
    QVERIFY(QApplication::clipboard()->text().contains(u"Back soon"_s));
}

void tst_MainWindow::kickClosesWithPolicyViolationAndReason()
{
    Client *bob = client(u"bob@localhost/kickme"_s, u"bob-secret"_s, {u"--accept"_s});
    Client *carol = client(u"carol@localhost/watcher"_s, u"carol-secret"_s, {u"--accept"_s});
    bringOnline(bob);
    bringOnline(carol);
    makeContacts(carol, bob);

    QTRY_VERIFY_WITH_TIMEOUT(sessionOf(bob->jid()), Timeout);
    const quint64 id = sessionOf(bob->jid())->id;
    QVERIFY(m_window->selectSession(id));
    QVERIFY(m_window->kickAction()->isEnabled());
    const int auditBefore = m_window->auditLogTab()->entryCount();

    // Delete on the table asks the same question; cancelled, nothing happens.
    bool asked = false;
    whenModal<KickDialog>([&asked](KickDialog *dialog) {
        asked = true;
        dialog->reject();
    });
    m_window->sessionView()->setFocus();
    QTest::keyClick(m_window->sessionView(), Qt::Key_Delete);
    QVERIFY(asked);
    QTest::qWait(300);
    QVERIFY(!bob->isGone());

    bool dialogSeen = false;
    whenModal<KickDialog>([&dialogSeen](KickDialog *dialog) {
        dialogSeen = true;
        QVERIFY(dialog->condition() == StreamError::Condition::PolicyViolation);   // the default
        dialog->setReason(u"Disturbing the peace"_s);
        dialog->accept();
    });
    m_window->kickAction()->trigger();
    QVERIFY(dialogSeen);

    QTRY_VERIFY2_WITH_TIMEOUT(bob->isGone(), qPrintable(bob->log()), Timeout);
    const QJsonObject gone = bob->find(u"disconnected"_s);
    QCOMPARE(gone.value(u"stream_errors"_s).toArray(), QJsonArray{u"policy-violation"_s});
    QCOMPARE(gone.value(u"text"_s).toString(), u"Disturbing the peace"_s);
    // Her contact saw bob go.
    QTRY_VERIFY2_WITH_TIMEOUT(carol->has(u"presence"_s, {{u"from"_s, bob->jid()}, {u"type"_s, u"unavailable"_s}}),
                              qPrintable(carol->log()), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(!sessionOf(bob->jid()), Timeout);

    // The audit log has it, newest first.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->auditLogTab()->entryCount(), auditBefore + 1, Timeout);
    const AuditEntry entry = m_window->auditLogTab()->entryAt(0);
    QCOMPARE(entry.action, u"kick (policy-violation)"_s);
    QCOMPARE(entry.target, bob->jid());
    QCOMPARE(entry.reason, u"Disturbing the peace"_s);
    QVERIFY(entry.id > 0);   // written to the database
}

void tst_MainWindow::closeIsCleanAndContactsSeeUnavailable()
{
    Client *bob = client(u"bob@localhost/closeme"_s, u"bob-secret"_s, {u"--accept"_s});
    Client *carol = client(u"carol@localhost/watcher2"_s, u"carol-secret"_s, {u"--accept"_s});
    bringOnline(bob);
    bringOnline(carol);
    makeContacts(carol, bob);

    QTRY_VERIFY_WITH_TIMEOUT(sessionOf(bob->jid()), Timeout);
    QVERIFY(m_window->selectSession(sessionOf(bob->jid())->id));
    m_window->closeAction()->trigger();

    QTRY_VERIFY2_WITH_TIMEOUT(bob->isGone(), qPrintable(bob->log()), Timeout);
    const QJsonObject gone = bob->find(u"disconnected"_s);
    QCOMPARE(gone.value(u"stream_errors"_s).toArray(), QJsonArray());
    QCOMPARE(gone.value(u"reason"_s).toString(), u"End of stream"_s);   // </stream:stream>, no error
    QTRY_VERIFY2_WITH_TIMEOUT(carol->has(u"presence"_s, {{u"from"_s, bob->jid()}, {u"type"_s, u"unavailable"_s}}),
                              qPrintable(carol->log()), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(!sessionOf(bob->jid()), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(m_window->auditLogTab()->entryAt(0).action, u"close"_s, Timeout);
}

void tst_MainWindow::hibernatingRowHasItsBadgeAndKickEndsResumption()
{
    using State = SessionTableModel::State;
    Client *erin = client(u"erin@localhost/phone"_s, u"erin-secret"_s, {u"--sm"_s});
    bringOnline(erin);
    QTRY_VERIFY2_WITH_TIMEOUT(erin->has(u"sm_enabled"_s), qPrintable(erin->log()), Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(sessionOf(erin->jid()) && sessionOf(erin->jid())->sm, Timeout);
    const quint64 id = sessionOf(erin->jid())->id;
    QVERIFY(m_window->selectSession(id));
    const auto *smField = m_window->findChild<QLabel *>(u"field_stream management"_s);
    QVERIFY(smField);
    QTRY_VERIFY_WITH_TIMEOUT(smField->text().startsWith(u"on"_s), Timeout);

    // The TCP connection dies without </stream>: the row stays, hibernating, counted apart.
    erin->send(u"cut"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(erin->has(u"cut"_s), qPrintable(erin->log()), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf(erin->jid()), State::Hibernating, Timeout);
    QCOMPARE(sessionOf(erin->jid())->id, id);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->summaryText().contains(u"1 hibernating"_s), Timeout);
    QVERIFY(m_window->summaryText().contains(u"0 connections"_s));
    const int row = model()->rowOf(id);
    const QString badge = model()->index(row, SessionTableModel::StateColumn).data(SessionTableModel::BadgeTextRole).toString();
    QVERIFY2(badge.startsWith(u"hibernating "_s) && badge.contains(u"queued"_s), qPrintable(badge));
    // The time left of the default hour (sm_resume_timeout), counting down.
    QVERIFY2(badge.contains(u"hibernating 59 min"_s) || badge.contains(u"hibernating 1 h 0 min"_s), qPrintable(badge));
    QTRY_VERIFY_WITH_TIMEOUT(smField->text().startsWith(u"on"_s), Timeout);

    // Kicked while hibernating: it ends for good; resuming is refused.
    whenModal<KickDialog>([](KickDialog *dialog) { dialog->accept(); });
    QVERIFY(m_window->selectSession(id));
    m_window->kickAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!sessionOf(erin->jid()) || sessionOf(erin->jid())->id != id, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->summaryText().contains(u"0 hibernating"_s), Timeout);
    erin->send(u"reconnect"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(erin->has(u"sm_failed"_s), qPrintable(erin->log()), Timeout);
    QVERIFY(!erin->has(u"resumed"_s));
}

void tst_MainWindow::disableAccountKicksWithNotAuthorized()
{
    Client *dave = client(u"dave@localhost/pc"_s, u"dave-secret"_s);
    bringOnline(dave);
    QTRY_VERIFY_WITH_TIMEOUT(sessionOf(dave->jid()), Timeout);
    QVERIFY(m_window->selectSession(sessionOf(dave->jid())->id));
    QVERIFY(m_window->disableAccountAction()->isEnabled());
    whenModal<QMessageBox>([](QMessageBox *box) { box->button(QMessageBox::Yes)->click(); });
    m_window->disableAccountAction()->trigger();

    QTRY_VERIFY2_WITH_TIMEOUT(dave->isGone(), qPrintable(dave->log()), Timeout);
    QCOMPARE(dave->find(u"disconnected"_s).value(u"stream_errors"_s).toArray(), QJsonArray{u"not-authorized"_s});
    bool disabled = false;
    for (const AccountInfo &account : m_link.accounts())
        disabled |= account.username == u"dave" && account.disabled;
    QVERIFY(disabled);

    // A new login is refused.
    Client *again = client(u"dave@localhost/pc2"_s, u"dave-secret"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(again->has(u"auth_failed"_s) || again->isGone(), qPrintable(again->log()), Timeout);
    QVERIFY2(!again->isOnline(), qPrintable(again->log()));

    // Enabled again from the Accounts tab.
    QVERIFY(m_window->accountsTab()->setDisabled(u"dave"_s, false, false));
    Client *back = client(u"dave@localhost/pc3"_s, u"dave-secret"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(back->isOnline(), qPrintable(back->log()), Timeout);
}

void tst_MainWindow::accountsTabValidates()
{
    AccountsTab *tab = m_window->accountsTab();
    QVERIFY(tab->usernames().contains(u"alice"_s));
    QVERIFY(!tab->addAccount(u""_s, u"x"_s, u"x"_s));
    QCOMPARE(tab->message(), u"Enter a user name"_s);
    QVERIFY(!tab->addAccount(u"frank"_s, u"one"_s, u"two"_s));
    QCOMPARE(tab->message(), u"The two passwords differ"_s);
    QVERIFY(!tab->addAccount(u"fr ank"_s, u"pw"_s, u"pw"_s));
    QVERIFY2(tab->message().contains(u"not a valid user name"_s), qPrintable(tab->message()));
    QVERIFY(!tab->addAccount(u"frank@elsewhere.example"_s, u"pw"_s, u"pw"_s));
    QVERIFY2(tab->message().contains(u"domain"_s), qPrintable(tab->message()));
    QVERIFY(!tab->addAccount(u"alice"_s, u"pw"_s, u"pw"_s));
    QVERIFY2(tab->message().contains(u"already exists"_s), qPrintable(tab->message()));

    QVERIFY(tab->addAccount(u"frank"_s, u"pw"_s, u"pw"_s));
    QTRY_VERIFY_WITH_TIMEOUT(tab->usernames().contains(u"frank"_s), Timeout);
    QVERIFY(tab->resetPassword(u"frank"_s, u"new-pw"_s, u"new-pw"_s));
    QVERIFY(tab->deleteAccount(u"frank"_s, false));
    QTRY_VERIFY_WITH_TIMEOUT(!tab->usernames().contains(u"frank"_s), Timeout);
    // Each change is in the audit log.
    QTRY_COMPARE_WITH_TIMEOUT(m_window->auditLogTab()->entryAt(0).action, u"delete account"_s, Timeout);
    QCOMPARE(m_window->auditLogTab()->entryAt(1).action, u"reset password"_s);
    QCOMPARE(m_window->auditLogTab()->entryAt(2).action, u"add account"_s);
    QCOMPARE(m_window->auditLogTab()->entryAt(2).target, u"frank@localhost"_s);
    for (int row = 0; row < 3; ++row)
        QVERIFY(m_window->auditLogTab()->entryAt(row).id > 0);   // kept in the database
    // As the database has them (a fresh load of the tab reads them back).
    m_window->auditLogTab()->reload();
    QCOMPARE(m_window->auditLogTab()->entryAt(0).action, u"delete account"_s);
    QCOMPARE(m_window->auditLogTab()->entryAt(0).reason, QString());
}

void tst_MainWindow::serverTabShowsIdentityAndChart()
{
    ServerTab *tab = m_window->serverTab();
    QCOMPARE(tab->fieldText(u"domain"_s), u"localhost"_s);
    QVERIFY(tab->fieldText(u"listening"_s).contains(QString::number(m_port)));
    QVERIFY(tab->fieldText(u"subject"_s).contains(u"localhost"_s));
    // SHA-256: 32 bytes as colon-separated hex.
    QCOMPARE(tab->fieldText(u"fingerprint"_s).count(u':'), 31);
    QVERIFY(!tab->fieldText(u"expiry"_s).isEmpty());
    QVERIFY(!tab->fieldText(u"uptime"_s).isEmpty());
    // The live chart gets a point a second.
    const int points = tab->chartPointCount();
    QTRY_VERIFY_WITH_TIMEOUT(tab->chartPointCount() >= points + 2, 10000);
}

void tst_MainWindow::columnsAreRemembered()
{
    QVERIFY(m_window->isColumnVisible(SessionTableModel::TlsColumn));
    m_window->setColumnVisible(SessionTableModel::TlsColumn, false);
    m_window->setColumnVisible(SessionTableModel::BytesInColumn, true);
    QHeaderView *header = m_window->sessionView()->header();
    // The state badge moves to the front.
    header->moveSection(header->visualIndex(SessionTableModel::StateColumn), 0);
    m_window->saveSettings();

    MainWindow second(&m_link);
    QVERIFY(!second.isColumnVisible(SessionTableModel::TlsColumn));
    QVERIFY(second.isColumnVisible(SessionTableModel::BytesInColumn));
    QCOMPARE(second.sessionView()->header()->visualIndex(SessionTableModel::StateColumn), 0);
    // The columns menu agrees with the header.
    for (QAction *action : second.columnsMenu()->actions()) {
        if (action->data().toInt() == SessionTableModel::TlsColumn)
            QVERIFY(!action->isChecked());
    }

    // Back to the defaults for the screenshot.
    m_window->setColumnVisible(SessionTableModel::TlsColumn, true);
    m_window->setColumnVisible(SessionTableModel::BytesInColumn, false);
    header->moveSection(header->visualIndex(SessionTableModel::StateColumn), SessionTableModel::StateColumn);
    m_window->saveSettings();
}

void tst_MainWindow::renderScreenshot()
{
    // A few sessions in every state: the session model's sets at a glance.
    Client *alice = client(u"alice@localhost/desk"_s, u"alice-secret"_s, {u"--accept"_s, u"--caps"_s});
    Client *bob = client(u"bob@localhost/phone"_s, u"bob-secret"_s, {u"--accept"_s, u"--caps"_s});
    Client *carol = client(u"carol@localhost/laptop"_s, u"carol-secret"_s, {u"--caps"_s});
    Client *carol2 = client(u"carol@localhost/tablet"_s, u"carol-secret"_s);
    Client *erin = client(u"erin@localhost/web"_s, u"erin-secret"_s, {u"--gated"_s});
    Client *dave = client(u"dave@localhost/pc"_s, u"dave-secret"_s, {u"--gated"_s});
    bringOnline(alice, u"-"_s, u"Writing the quarterly report"_s);
    bringOnline(bob, u"away"_s, u"Lunch"_s);
    bringOnline(carol, u"dnd"_s, u"In a meeting"_s, false);
    QTRY_VERIFY2_WITH_TIMEOUT(carol2->isOnline(), qPrintable(carol2->log()), Timeout);
    makeContacts(alice, bob);
    QTRY_VERIFY2_WITH_TIMEOUT(erin->has(u"waiting"_s, {{u"step"_s, u"auth"_s}}), qPrintable(erin->log()), Timeout);
    QTRY_VERIFY2_WITH_TIMEOUT(dave->has(u"waiting"_s, {{u"step"_s, u"auth"_s}}), qPrintable(dave->log()), Timeout);
    dave->send(u"auth"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(dave->has(u"waiting"_s, {{u"step"_s, u"bind"_s}}), qPrintable(dave->log()), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(model()->rowCount(), 6, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(model()->counts().available, 3, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(model()->counts().unauthenticated, 1, Timeout);

    QVERIFY(m_window->selectSession(sessionOf(alice->jid())->id));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->detailsPane()->rosterItemCount(), 1, Timeout);
    m_window->tabs()->setCurrentIndex(0);
    m_window->resize(1500, 820);
    console_test::saveScreenshot(m_window.get(), u"screenshot.png"_s);   // the chart ticks meanwhile
    if (qEnvironmentVariable("SWITCHBOARD_SCREENSHOT_DIR").isEmpty())
        QSKIP("SWITCHBOARD_SCREENSHOT_DIR is not set (run through ctest)");
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
