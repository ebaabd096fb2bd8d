#include "ConsoleServer.h"
#include "ServerLink.h"
#include "UploadsView.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace {
QString script()
{
    QString source = qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR");
    if (source.isEmpty())
        source = QFileInfo(QStringLiteral(__FILE__)).absolutePath() + u"/../.."_s;
    return QDir(source).filePath(u"tests/integration/upload_client.py"_s);
}
} // namespace

// The console's Uploads view against a real server: a slixmpp client uploads two files as alice
// (XEP-0363 over the server's HTTPS listener); the view shows her usage against the quota and
// the files; deleting one removes its bytes and row and is audited.
class tst_UploadsView : public QObject
{
    Q_OBJECT

    QString upload(const QString &name, int size, const QString &type)
    {
        QProcess client;
        client.setProcessChannelMode(QProcess::SeparateChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PYTHONDONTWRITEBYTECODE"_s, u"1"_s);
        env.insert(u"PYTHONPATH"_s, QFileInfo(script()).absolutePath());
        client.setProcessEnvironment(env);
        client.start(u"/usr/bin/python3"_s, {script(), u"--jid"_s, u"alice@localhost"_s, u"--password"_s,
                                              u"alice-secret"_s, u"--port"_s, QString::number(m_c2sPort),
                                              u"--name"_s, name, u"--size"_s, QString::number(size),
                                              u"--type"_s, type});
        if (!client.waitForFinished(60000) || client.exitCode() != 0) {
            qWarning() << client.readAllStandardError();
            return {};
        }
        return QString::fromUtf8(client.readAllStandardOutput()).trimmed();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dataDir.isValid());
        QStandardPaths::setTestModeEnabled(true);
        ServerConfig config = console_test::loopbackConfig(m_dataDir.path());
        config.moduleOptions.insert(u"upload_quota"_s, QString::number(1000 * 1000));
        connect(&m_link, &ServerLink::listening, this, [this](const QString &name, const QHostAddress &, quint16 port) {
            if (name == u"c2s")
                m_c2sPort = port;
        });
        QString error;
        QVERIFY2(m_link.start(config, &error), qPrintable(error));
        QTRY_VERIFY(m_c2sPort != 0);
        QCOMPARE(m_link.addAccount(u"alice"_s, u"alice-secret"_s), QString());
    }
    void cleanupTestCase() { m_link.shutdown(); }

    void showsUsageAndDeletes()
    {
        UploadsView view(&m_link);
        view.refresh();
        QVERIFY(view.usageLines().isEmpty());
        QVERIFY(view.fileIds().isEmpty());

        const QString first = upload(u"report.pdf"_s, 250000, u"application/pdf"_s);
        QVERIFY2(first.startsWith(u"https://localhost:"_s), qPrintable(first));
        const QString second = upload(u"cat.png"_s, 50000, u"image/png"_s);
        QVERIFY(!second.isEmpty());

        view.resize(900, 600);
        view.show();   // refreshes
        QCOMPARE(view.fileIds().size(), 2);
        const QStringList usage = view.usageLines();
        QCOMPARE(usage.size(), 1);
        QVERIFY2(usage.first().startsWith(u"alice: 2 file(s), "_s), qPrintable(usage.first()));
        QVERIFY2(usage.first().contains(u"30% of"_s), qPrintable(usage.first()));   // 300,000 of 1,000,000 bytes

        const QString id = QUrl(second).path().section(u'/', 2, 2);
        QVERIFY(view.fileIds().contains(id));
        const QString path = QDir(m_dataDir.path()).filePath(u"uploads/"_s + id);
        QVERIFY(QFile::exists(path));
        QVERIFY(view.deleteUpload(id, false));
        QVERIFY2(view.message().contains(u"cat.png"_s), qPrintable(view.message()));
        QVERIFY(!QFile::exists(path));
        QCOMPARE(view.fileIds().size(), 1);
        QVERIFY2(view.usageLines().first().contains(u"25% of"_s), qPrintable(view.usageLines().first()));
        QVERIFY(!view.deleteUpload(id, false));   // gone already: the server says so

        bool audited = false;
        for (const AuditEntry &entry : m_link.auditLog(20))
            audited |= entry.action == u"delete upload" && entry.target == u"alice@localhost" && entry.reason.contains(u"cat.png"_s);
        QVERIFY(audited);

        QDir().mkpath(m_screenshots);
        view.grab().save(QDir(m_screenshots).filePath(u"uploads.png"_s));
    }

private:
    QTemporaryDir m_dataDir;
    ServerLink m_link;
    quint16 m_c2sPort = 0;
    QString m_screenshots = qEnvironmentVariable("SWITCHBOARD_SCREENSHOT_DIR", QDir::tempPath());
};

QTEST_MAIN(tst_UploadsView)
#include "tst_uploadsview.moc"
