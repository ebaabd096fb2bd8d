#pragma once

// A slixmpp client in a Python process (tests/integration/console_client.py, driven over
// stdin) for console tests against a real embedded server; its JSON events are collected.

#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

namespace console_test {

using namespace Qt::StringLiterals;

constexpr int Timeout = 30000;   // ms, for anything that crosses the network or starts Python

QString clientScript()
{
    QString source = qEnvironmentVariable("SWITCHBOARD_SOURCE_DIR");
    if (source.isEmpty())
        source = QFileInfo(QStringLiteral(__FILE__)).absolutePath() + u"/../.."_s;
    return QDir(source).filePath(u"tests/integration/console_client.py"_s);
}

// One slixmpp client in a Python process; its JSON events are collected as they arrive.
class Client
{
public:
    Client(const QString &jid, const QString &password, quint16 port, const QStringList &options = {})
        : m_jid(jid)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"PYTHONDONTWRITEBYTECODE"_s, u"1"_s);
        env.insert(u"PYTHONUNBUFFERED"_s, u"1"_s);
        m_process.setProcessEnvironment(env);
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process, [this] { read(); });
        QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process,
                         [this] { m_stderr += m_process.readAllStandardError(); });
        m_process.start(u"/usr/bin/python3"_s, QStringList{clientScript(), u"--jid"_s, jid, u"--password"_s, password,
                                                          u"--port"_s, QString::number(port), u"--lifetime"_s, u"110"_s}
                                                   + options);
    }
    ~Client()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.write("quit\n");
            m_process.closeWriteChannel();
            if (!m_process.waitForFinished(3000)) {
                m_process.kill();
                m_process.waitForFinished(3000);
            }
        }
    }

    void send(const QString &command) { m_process.write(command.toUtf8() + '\n'); }

    // The first event named `event` whose fields all match.
    QJsonObject find(const QString &event, const QJsonObject &fields = {}) const
    {
        for (const QJsonObject &e : m_events) {
            if (e.value(u"event"_s).toString() != event)
                continue;
            bool all = true;
            for (auto it = fields.begin(); it != fields.end() && all; ++it)
                all = e.value(it.key()) == it.value();
            if (all)
                return e;
        }
        return {};
    }
    bool has(const QString &event, const QJsonObject &fields = {}) const { return !find(event, fields).isEmpty(); }
    // Every event named `event`, in arrival order.
    QList<QJsonObject> all(const QString &event) const
    {
        QList<QJsonObject> found;
        for (const QJsonObject &e : m_events)
            if (e.value(u"event"_s).toString() == event)
                found.append(e);
        return found;
    }
    bool isOnline() const { return has(u"online"_s); }
    bool isGone() const { return has(u"disconnected"_s); }
    QString jid() const { return m_jid; }
    QString log() const
    {
        QStringList lines;
        for (const QJsonObject &e : m_events)
            lines.append(QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact)));
        return m_jid + u": "_s + lines.join(u"\n  "_s) + u"\n  stderr: "_s
            + QString::fromUtf8(m_stderr.right(2000));
    }

private:
    void read()
    {
        while (m_process.canReadLine()) {
            const QByteArray line = m_process.readLine().trimmed();
            const QJsonDocument doc = QJsonDocument::fromJson(line);
            if (doc.isObject())
                m_events.append(doc.object());
        }
    }

    QString m_jid;
    QProcess m_process;
    QList<QJsonObject> m_events;
    QByteArray m_stderr;
};

} // namespace console_test
