// The console's Rooms tab against a real embedded server (its own thread, port 0, a temporary
// data dir) and real slixmpp clients (tests/integration/console_client.py) in a group chat room
// (XEP-0045): the tab lists the room with its occupants, updated in place; the session details
// list the session's rooms; a kick from the console reaches the client as status 307; destroy
// removes the room. Renders docs/rooms.png (into the build tree under CTest, see
// scripts/update-screenshot.sh).

#include "ConsoleClient.h"
#include "ConsoleServer.h"
#include "MainWindow.h"
#include "RoomActionDialog.h"
#include "RoomOccupantsModel.h"
#include "RoomsModel.h"
#include "RoomsTab.h"
#include "ServerLink.h"
#include "SessionDetailsPane.h"
#include "SessionTableModel.h"

#include <QAbstractItemModelTester>
#include <QApplication>
#include <QJsonArray>
#include <QLineEdit>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeView>
#include <QTreeWidget>
#include <memory>

using namespace Qt::StringLiterals;
using console_test::Client;
using console_test::Timeout;

namespace {
const QString Room = u"plans@conference.localhost"_s;

// The first room presence event from `from` whose status codes hold `code`.
bool hasRoomPresence(const Client *c, const QString &from, const QString &type, const QString &code)
{
    for (const QJsonObject &e : c->all(u"presence"_s)) {
        if (e.value(u"from"_s).toString() != from || e.value(u"type"_s).toString() != type)
            continue;
        if (code.isEmpty() || e.value(u"codes"_s).toArray().contains(QJsonValue(code)))
            return true;
    }
    return false;
}

// Answers the next RoomActionDialog: the reason, then the confirm button (or Cancel).
void answerNextDialog(const QString &reason, bool confirm)
{
    QTimer::singleShot(50, qApp, [reason, confirm] {
        auto *dialog = qobject_cast<RoomActionDialog *>(QApplication::activeModalWidget());
        if (!dialog) {
            answerNextDialog(reason, confirm);   // not shown yet
            return;
        }
        dialog->setReason(reason);
        if (confirm)
            dialog->accept();
        else
            dialog->reject();
    });
}
} // namespace

class tst_ConsoleRooms : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void roomsTabKickAndDestroy();

private:
    Client *client(const QString &jid)
    {
        const QString user = jid.section(u'@', 0, 0);
        m_clients.push_back(std::make_unique<Client>(jid, user + u"-secret"_s, m_port));
        return m_clients.back().get();
    }

    QTemporaryDir m_dataDir;
    QTemporaryDir m_settingsDir;
    ServerLink m_link;
    std::unique_ptr<MainWindow> m_window;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<Client>> m_clients;
};

void tst_ConsoleRooms::initTestCase()
{
    QVERIFY(m_dataDir.isValid());
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
    ServerConfig config = console_test::loopbackConfig(m_dataDir.path());
    QString error;
    QVERIFY2(m_link.start(config, &error), qPrintable(error));
    m_port = m_link.serverInfo().c2sPort;
    for (const QString &user : {u"alice"_s, u"bob"_s, u"carol"_s})
        QCOMPARE(m_link.addAccount(user, user + u"-secret"_s), QString());
    m_window = std::make_unique<MainWindow>(&m_link);
    m_window->resize(1300, 760);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void tst_ConsoleRooms::cleanupTestCase()
{
    m_clients.clear();
    m_window.reset();
    m_link.shutdown();
}

void tst_ConsoleRooms::roomsTabKickAndDestroy()
{
    RoomsTab *tab = m_window->roomsTab();
    QVERIFY(tab);
    m_window->tabs()->setCurrentWidget(tab);
    RoomsModel *rooms = tab->roomsModel();
    RoomOccupantsModel *occupants = tab->occupantsModel();
    QAbstractItemModelTester roomsTester(rooms, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester occupantsTester(occupants, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(rooms->rowCount(), 0);
    QSignalSpy resets(rooms, &QAbstractItemModel::modelReset);

    Client *alice = client(u"alice@localhost/laptop"_s);
    Client *bob = client(u"bob@localhost/phone"_s);
    Client *carol = client(u"carol@localhost/desk"_s);
    for (Client *c : {alice, bob, carol})
        QTRY_VERIFY2_WITH_TIMEOUT(c->isOnline(), qPrintable(c->log()), Timeout);

    // alice creates the room and accepts the default configuration; bob and carol join.
    alice->send(u"join %1/Alice"_s.arg(Room));
    QTRY_VERIFY2_WITH_TIMEOUT(hasRoomPresence(alice, Room + u"/Alice"_s, u"available"_s, u"110"_s),
                              qPrintable(alice->log()), Timeout);
    if (hasRoomPresence(alice, Room + u"/Alice"_s, u"available"_s, u"201"_s)) {
        alice->send(u"instant %1"_s.arg(Room));
        QTRY_VERIFY2_WITH_TIMEOUT(alice->has(u"room_configured"_s), qPrintable(alice->log()), Timeout);
    }
    bob->send(u"join %1/Bob"_s.arg(Room));
    carol->send(u"join %1/Carol"_s.arg(Room));
    for (auto [c, nick] : {std::pair{bob, u"Bob"_s}, std::pair{carol, u"Carol"_s}})
        QTRY_VERIFY2_WITH_TIMEOUT(hasRoomPresence(c, Room + u'/' + nick, u"available"_s, u"110"_s),
                                  qPrintable(c->log()), Timeout);

    // The tab: one room with three occupants, updated in place (no reset).
    QTRY_COMPARE_WITH_TIMEOUT(rooms->rowCount(), 1, Timeout);
    QCOMPARE(rooms->index(0, RoomsModel::RoomColumn).data().toString(), Room);
    QTRY_COMPARE_WITH_TIMEOUT(rooms->index(0, RoomsModel::OccupantsColumn).data().toInt(), 3, Timeout);
    QVERIFY(!rooms->index(0, RoomsModel::PersistentColumn).data().toString().isEmpty());
    QVERIFY(!rooms->index(0, RoomsModel::MembersOnlyColumn).data().toString().isEmpty());
    QVERIFY(tab->selectRoom(Room));
    QTRY_COMPARE_WITH_TIMEOUT(occupants->rowCount(), 3, Timeout);
    const int bobRow = occupants->rowOf(u"Bob"_s);
    QVERIFY(bobRow >= 0);
    QCOMPARE(occupants->index(bobRow, RoomOccupantsModel::RealJidColumn).data().toString(), bob->jid());
    QCOMPARE(occupants->index(bobRow, RoomOccupantsModel::RoleColumn).data().toString(), u"participant"_s);
    const int aliceRow = occupants->rowOf(u"Alice"_s);
    QCOMPARE(occupants->index(aliceRow, RoomOccupantsModel::AffiliationColumn).data().toString(), u"owner"_s);
    QCOMPARE(occupants->index(aliceRow, RoomOccupantsModel::RoleColumn).data().toString(), u"moderator"_s);

    // The session details of alice's session list the room.
    QVERIFY(m_window->selectSession([&] {
        SessionTableModel *table = m_window->sessionModel();
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->snapshotAt(row)->fullJid == alice->jid())
                return table->snapshotAt(row)->id;
        return quint64(0);
    }()));
    const QTreeWidget *sessionRooms = m_window->detailsPane()->roomsList();
    QTRY_COMPARE_WITH_TIMEOUT(sessionRooms->topLevelItemCount(), 1, Timeout);
    QCOMPARE(sessionRooms->topLevelItem(0)->text(0), Room);
    QCOMPARE(sessionRooms->topLevelItem(0)->text(1), u"Alice"_s);
    // A subject (§8.1) shows in the tab.
    alice->send(u"subject %1 Quarterly plans: drafts due Friday"_s.arg(Room));
    QTRY_COMPARE_WITH_TIMEOUT(rooms->index(0, RoomsModel::SubjectColumn).data().toString(),
                              u"Quarterly plans: drafts due Friday"_s, Timeout);
    m_window->tabs()->setCurrentWidget(tab);
    QVERIFY(tab->selectOccupant(u"Bob"_s));
    console_test::saveScreenshot(m_window.get(), u"rooms.png"_s);

    // Cancel does nothing; confirm kicks: bob's client hears 307 (XEP-0045 §8.2).
    QVERIFY(tab->selectOccupant(u"Bob"_s));
    answerNextDialog(u"not now"_s, false);
    tab->kickSelected();
    QTest::qWait(300);
    QCOMPARE(occupants->rowCount(), 3);
    answerNextDialog(u"Off topic"_s, true);
    tab->kickSelected();
    QTRY_VERIFY2_WITH_TIMEOUT(hasRoomPresence(bob, Room + u"/Bob"_s, u"unavailable"_s, u"307"_s),
                              qPrintable(bob->log()), Timeout);
    QTRY_VERIFY2_WITH_TIMEOUT(hasRoomPresence(alice, Room + u"/Bob"_s, u"unavailable"_s, u"307"_s),
                              qPrintable(alice->log()), Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(occupants->rowCount(), 2, Timeout);
    QCOMPARE(occupants->rowOf(u"Bob"_s), -1);
    QTRY_COMPARE_WITH_TIMEOUT(rooms->index(0, RoomsModel::OccupantsColumn).data().toInt(), 2, Timeout);
    QVERIFY2(tab->message().contains(u"kicked"_s), qPrintable(tab->message()));

    // Destroy: the occupants are told (§10.9), and the room leaves the tab.
    QVERIFY(tab->selectRoom(Room));
    answerNextDialog(u"Project finished"_s, true);
    tab->destroySelected();
    for (Client *c : {alice, carol}) {
        QTRY_VERIFY2_WITH_TIMEOUT([c] {
            for (const QJsonObject &e : c->all(u"presence"_s))
                if (e.value(u"from"_s).toString().startsWith(Room) && e.value(u"destroyed"_s).toBool())
                    return true;
            return false;
        }(), qPrintable(c->log()), Timeout);
    }
    QTRY_COMPARE_WITH_TIMEOUT(rooms->rowCount(), 0, Timeout);
    QTRY_COMPARE_WITH_TIMEOUT(occupants->rowCount(), 0, Timeout);
    QCOMPARE(resets.count(), 0);

    // Each action is in the audit log as the console's (the console is the actor that gets no
    // "(by …)" suffix, core/AdminService).
    const QList<AuditEntry> audit = m_link.auditLog();
    const auto logged = [&](const QString &what) {
        for (const AuditEntry &e : audit)
            if (e.action.startsWith(u"muc "_s) && e.reason.contains(what) && !e.reason.contains(u"(by "_s))
                return true;
        return false;
    };
    QVERIFY2(logged(u"Off topic"_s), "the kick is not in the audit log");
    QVERIFY2(logged(u"Project finished"_s), "the destroy is not in the audit log");
}

QTEST_MAIN(tst_ConsoleRooms)
#include "tst_consolerooms.moc"
