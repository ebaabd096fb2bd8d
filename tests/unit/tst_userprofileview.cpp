#include "ConsoleServer.h"
#include "AccountsTab.h"
#include "AuditLogTab.h"
#include "ServerLink.h"
#include "UserProfileView.h"

#include <QApplication>
#include <QBuffer>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

using namespace Qt::StringLiterals;

namespace {
QString script()
{
    QString source = qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR");
    if (source.isEmpty())
        source = QFileInfo(QStringLiteral(__FILE__)).absolutePath() + u"/../.."_s;
    return QDir(source).filePath(u"tests/integration/pep_publish_client.py"_s);
}
} // namespace

// The console's view of what a user publishes: a real slixmpp client publishes a nickname, an
// avatar and OMEMO keys through PEP on a real server; the profile view shows them, the Accounts
// tab shows the avatar, and deleting a node asks first, removes it and is audited.
class tst_UserProfileView : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        ServerConfig config = console_test::loopbackConfig(m_dataDir.path());
        QString error;
        QVERIFY2(m_link.start(config, &error), qPrintable(error));
        QCOMPARE(m_link.addAccount(u"alice"_s, u"alice-secret"_s), QString());
        QCOMPARE(m_link.addAccount(u"bob"_s, u"bob-secret"_s), QString());
    }
    void cleanupTestCase() { m_link.shutdown(); }

    void showsWhatTheUserPublished()
    {
        // A 2x3 red PNG as the avatar.
        QImage image(2, 3, QImage::Format_RGB32);
        image.fill(Qt::red);
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(image.save(&buffer, "PNG"));
        const QString pngPath = m_dataDir.filePath(u"avatar.png"_s);
        QFile file(pngPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(png);
        file.close();

        UserProfileView view(&m_link);
        view.showUser(u"alice"_s);
        QCOMPARE(view.nodeCount(), 0);
        QVERIFY(!view.hasAvatar());
        QVERIFY(view.omemoText().contains(u"no device list"_s));

        QProcess client;
        client.setProcessChannelMode(QProcess::MergedChannels);
        client.start(u"/usr/bin/python3"_s, {script(), u"--jid"_s, u"alice@localhost/desk"_s, u"--password"_s,
                                             u"alice-secret"_s, u"--port"_s, QString::number(m_link.serverInfo().c2sPort),
                                             u"--png"_s, pngPath});
        QVERIFY(client.waitForFinished(60000));
        QVERIFY2(client.exitCode() == 0, client.readAll().constData());

        view.refresh();
        QCOMPARE(view.nicknameText(), u"Wonder Alice"_s);
        QVERIFY(view.hasAvatar());
        QCOMPARE(view.nodeCount(), 5);
        QVERIFY2(view.omemoText().contains(u"device list readable by contacts"_s), qPrintable(view.omemoText()));
        QVERIFY2(view.omemoText().contains(u"1 bundle"_s), qPrintable(view.omemoText()));

        // The Accounts tab shows alice's avatar, not bob's (he has none).
        AccountsTab accounts(&m_link);
        auto *list = accounts.findChild<QTreeWidget *>();
        QVERIFY(list);
        int withIcon = 0;
        for (int i = 0; i < list->topLevelItemCount(); ++i) {
            if (!list->topLevelItem(i)->icon(0).isNull()) {
                ++withIcon;
                QVERIFY(list->topLevelItem(i)->text(0).startsWith(u"alice@"_s));
            }
        }
        QCOMPARE(withIcon, 1);

        // Deleting a node: cancelled first, then confirmed; the audit log records it.
        auto *nodes = view.findChild<QTreeWidget *>(u"pepNodes"_s);
        auto *remove = view.findChild<QPushButton *>(u"deleteNode"_s);
        QVERIFY(nodes && remove);
        const QList<QTreeWidgetItem *> found = nodes->findItems(u"http://jabber.org/protocol/nick"_s, Qt::MatchExactly);
        QCOMPARE(found.size(), 1);
        nodes->setCurrentItem(found.first());
        answerNextQuestion(QMessageBox::No);
        remove->click();
        QCOMPARE(view.nodeCount(), 5);
        nodes->setCurrentItem(nodes->findItems(u"http://jabber.org/protocol/nick"_s, Qt::MatchExactly).first());
        answerNextQuestion(QMessageBox::Yes);
        remove->click();
        QCOMPARE(view.nodeCount(), 4);
        QVERIFY(nodes->findItems(u"http://jabber.org/protocol/nick"_s, Qt::MatchExactly).isEmpty());
        QCOMPARE(view.nicknameText(), u"(none)"_s);
        bool audited = false;
        for (const AuditEntry &entry : m_link.auditLog(20))
            audited = audited || (entry.action == u"delete PEP node" && entry.reason == u"http://jabber.org/protocol/nick");
        QVERIFY(audited);
    }

private:
    void answerNextQuestion(QMessageBox::StandardButton button)
    {
        QTimer::singleShot(50, this, [button] {
            if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget()))
                box->button(button)->click();
        });
    }

    QTemporaryDir m_dataDir;
    ServerLink m_link;
};

QTEST_MAIN(tst_UserProfileView)
#include "tst_userprofileview.moc"
