// The console's people view, client column, RTT and session timeline against a real embedded
// server (its own thread, port 0, a temporary data dir, server pings every 2 s) and real
// slixmpp clients (tests/integration/console_client.py); renders docs/people.png and
// docs/timeline.png (into the build tree under CTest, see scripts/update-screenshot.sh).

#include "ConsoleClient.h"
#include "ConsoleServer.h"
#include "MainWindow.h"
#include "PeopleModel.h"
#include "PeopleView.h"
#include "ServerLink.h"
#include "SessionDetailsPane.h"
#include "SessionTableModel.h"
#include "TimelineView.h"

#include <QAction>
#include <QApplication>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace Qt::StringLiterals;
using console_test::Client;
using console_test::Timeout;

class tst_ConsolePeople : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void peopleClientRttAndTimeline();

private:
    Client *client(const QString &jid, const QStringList &options = {})
    {
        const QString user = jid.section(u'@', 0, 0);
        m_clients.push_back(std::make_unique<Client>(jid, user + u"-secret"_s, m_port, options));
        return m_clients.back().get();
    }

    QTemporaryDir m_dataDir;
    QTemporaryDir m_settingsDir;
    ServerLink m_link;
    std::unique_ptr<MainWindow> m_window;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<Client>> m_clients;
};

void tst_ConsolePeople::initTestCase()
{
    QVERIFY(m_dataDir.isValid());
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    ServerConfig config = console_test::loopbackConfig(m_dataDir.path());
    config.moduleOptions.insert(u"client_ping_interval"_s, u"2"_s);
    QString error;
    QVERIFY2(m_link.start(config, &error), qPrintable(error));
    m_port = m_link.serverInfo().c2sPort;
    for (const QString &user : {u"alice"_s, u"bob"_s})
        QCOMPARE(m_link.addAccount(user, user + u"-secret"_s), QString());
    m_window = std::make_unique<MainWindow>(&m_link);
    m_window->resize(1500, 820);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_ConsolePeople::cleanupTestCase()
{
    m_clients.clear();
    m_window.reset();
    m_link.shutdown();
}

void tst_ConsolePeople::peopleClientRttAndTimeline()
{
    // Alice on two devices (one announcing a nickname), Bob on one; every client answers
    // XEP-0092 and XEP-0199 as slixmpp does.
    Client *laptop = client(u"alice@localhost/laptop"_s, {u"--caps"_s, u"--nick"_s, u"Alice Liddell"_s,
                                                          u"--mechanism"_s, u"SCRAM-SHA-256"_s});
    Client *phone = client(u"alice@localhost/phone"_s, {u"--caps"_s});
    Client *bob = client(u"bob@localhost/desk"_s);
    for (Client *c : {laptop, phone, bob})
        QTRY_VERIFY2_WITH_TIMEOUT(c->isOnline(), qPrintable(c->log()), Timeout);
    laptop->send(u"presence - Writing the quarterly report"_s);
    phone->send(u"presence away On the train"_s);
    bob->send(u"presence dnd In a meeting"_s);
    for (Client *c : {laptop, phone, bob})
        QTRY_VERIFY2_WITH_TIMEOUT(c->has(u"presence_sent"_s), qPrintable(c->log()), Timeout);
    laptop->send(u"roster"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(laptop->has(u"roster"_s), qPrintable(laptop->log()), Timeout);

    // The people tree: alice with her two devices, by her nickname.
    PeopleModel *people = m_window->peopleModel();
    QTRY_COMPARE_WITH_TIMEOUT(people->rowCount(), 2, Timeout);
    const auto alice = [people] { return people->indexOfAccount(u"alice"_s); };
    QTRY_COMPARE_WITH_TIMEOUT(people->rowCount(alice()), 2, Timeout);
    QTRY_VERIFY_WITH_TIMEOUT(alice().data().toString().startsWith(u"Alice Liddell (alice)"_s), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(alice().siblingAtColumn(PeopleModel::PresenceColumn).data().toString(),
                              u"best Online, worst Away"_s, Timeout);
    // What the client answered to XEP-0092, in the people view and the table.
    SessionTableModel *table = m_window->sessionModel();
    const auto idOf = [table](Client *c) {
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->snapshotAt(row)->fullJid == c->jid())
                return table->snapshotAt(row)->id;
        return quint64(0);
    };
    const quint64 laptopId = idOf(laptop);
    const quint64 phoneId = idOf(phone);
    QVERIFY(laptopId && phoneId);
    const auto device = [people](quint64 id, int column) {
        return people->indexOfSession(id).siblingAtColumn(column).data().toString();
    };
    QTRY_COMPARE_WITH_TIMEOUT(device(laptopId, PeopleModel::ClientColumn), u"Slixmpp 1.8.3"_s, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(device(phoneId, PeopleModel::ClientColumn), u"Slixmpp 1.8.3"_s, Timeout);
    QCOMPARE(device(laptopId, PeopleModel::PresenceColumn), u"Online \u2014 Writing the quarterly report"_s);
    QCOMPARE(device(phoneId, PeopleModel::PresenceColumn), u"Away \u2014 On the train"_s);
    // A round trip from the server's ping (every 2 s here).
    QTRY_VERIFY_WITH_TIMEOUT(device(laptopId, PeopleModel::RttColumn).endsWith(u" ms"_s), Timeout);
    const int laptopRow = table->rowOf(laptopId);
    QVERIFY(laptopRow >= 0);
    QCOMPARE(table->index(laptopRow, SessionTableModel::ClientColumn).data().toString(), u"Slixmpp 1.8.3"_s);
    QCOMPARE(table->index(laptopRow, SessionTableModel::ShowColumn).data().toString(), u"Online"_s);
    QTRY_VERIFY_WITH_TIMEOUT(table->index(laptopRow, SessionTableModel::RttColumn).data().toString().endsWith(u" ms"_s),
                             Timeout);

    // The People view with the laptop selected.
    m_window->tabs()->setCurrentIndex(0);
    m_window->sessionViewTabs()->setCurrentWidget(m_window->peopleView());
    QVERIFY(m_window->peopleView()->selectSession(laptopId));
    QTRY_COMPARE_WITH_TIMEOUT(m_window->detailsPane()->sessionId(), laptopId, Timeout);
    console_test::saveScreenshot(m_window.get(), u"people.png"_s);

    // Kicked: the timeline keeps every step, down to who closed it and why.
    m_link.kickSession(laptopId, StreamError::Condition::PolicyViolation, u"Time to go home"_s);
    QTRY_VERIFY2_WITH_TIMEOUT(laptop->isGone(), qPrintable(laptop->log()), Timeout);
    TimelineView *timeline = m_window->detailsPane()->timelineView();
    QTRY_VERIFY2_WITH_TIMEOUT(timeline->timeline().closed,
                              qPrintable(u"details show session %1 (the laptop was %2); timeline of %3:\n%4"_s
                                             .arg(m_window->detailsPane()->sessionId())
                                             .arg(laptopId)
                                             .arg(timeline->timeline().id)
                                             .arg(timeline->lines().join(u"\n"_s))),
                              Timeout);
    QStringList kinds;
    for (const TimelineStep &step : timeline->timeline().steps)
        kinds.append(step.kind);
    const QStringList expected{u"connected"_s, u"tls"_s, u"authenticated"_s, u"bound"_s, u"initial presence"_s,
                               u"roster"_s, u"closed"_s};
    qsizetype at = 0;   // in this order; other steps (unavailable on close) may come between
    for (const QString &kind : kinds)
        if (at < expected.size() && kind == expected.at(at))
            ++at;
    QVERIFY2(at == expected.size(), qPrintable(timeline->lines().join(u"\n"_s)));
    const QString all = timeline->lines().join(u"\n"_s);
    QVERIFY2(all.contains(u"authenticated: SCRAM-SHA-256 as alice, 0 failed attempts before"_s), qPrintable(all));
    QVERIFY2(all.contains(u"bound: laptop"_s), qPrintable(all));
    QVERIFY2(all.contains(u"tls: TLS 1."_s), qPrintable(all));
    QVERIFY2(all.contains(u"initial presence: available \u201cWriting the quarterly report\u201d"_s), qPrintable(all));
    QVERIFY2(all.contains(u"closed: by administrator: policy-violation \u2014 Time to go home"_s), qPrintable(all));
    m_window->detailsPane()->showTimeline();
    if (auto *splitter = m_window->findChild<QSplitter *>(u"sessionSplitter"_s))
        splitter->setSizes({760, 740});   // room for the details of each step
    console_test::saveScreenshot(m_window.get(), u"timeline.png"_s);
    // The person still has the phone.
    QTRY_COMPARE_WITH_TIMEOUT(people->rowCount(alice()), 1, Timeout);
}

QTEST_MAIN(tst_ConsolePeople)
#include "tst_consolepeople.moc"
