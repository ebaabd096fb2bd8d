#include "ControlServer.h"

#include "SessionJson.h"
#include "core/AdminService.h"
#include "core/Server.h"
#include "session/SessionManager.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalServer>
#include <QLocalSocket>

using namespace Qt::StringLiterals;

ControlServer::ControlServer(Server *server, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_local(new QLocalServer(this))
{
    m_local->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_local, &QLocalServer::newConnection, this, &ControlServer::onNewConnection);
}

QString ControlServer::socketPath(const QString &dataDir)
{
    return QDir(dataDir).filePath(u"control.sock"_s);
}

bool ControlServer::listen(const QString &dataDir, QString *error)
{
    const QString path = socketPath(dataDir);
    if (!QDir().mkpath(dataDir)) {
        *error = u"cannot create the data directory %1"_s.arg(dataDir);
        return false;
    }
    // A socket file left by a crashed instance: remove it only if nobody answers on it.
    QLocalSocket probe;
    probe.connectToServer(path);
    if (probe.waitForConnected(200)) {
        *error = u"another Switchboard is already running with the data directory %1"_s.arg(dataDir);
        return false;
    }
    QLocalServer::removeServer(path);
    if (!m_local->listen(path)) {
        *error = u"cannot open the control socket %1: %2"_s.arg(path, m_local->errorString());
        return false;
    }
    return true;
}

void ControlServer::onNewConnection()
{
    while (QLocalSocket *socket = m_local->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            while (socket->canReadLine())
                socket->write(handle(socket->readLine().trimmed()) + '\n');
        });
    }
}

QByteArray ControlServer::handle(const QByteArray &requestLine)
{
    QJsonParseError parseError;
    const QJsonObject request = QJsonDocument::fromJson(requestLine, &parseError).object();
    QJsonObject response;
    const QString command = request.value(u"command"_s).toString();
    if (parseError.error != QJsonParseError::NoError) {
        response.insert(u"error"_s, u"malformed request: "_s + parseError.errorString());
    } else if (command == u"sessions") {
        QJsonArray sessions;
        const auto snapshots = m_server->sessionManager()->snapshots();
        for (const SessionSnapshot &s : snapshots)
            sessions.append(SessionJson::toJson(s));
        response.insert(u"sessions"_s, sessions);
    } else if (command == u"kick" || command == u"close") {
        const QString jid = request.value(u"jid"_s).toString();
        if (Jid::parse(jid).isNull()) {
            response.insert(u"error"_s, u"'%1' is not a valid JID"_s.arg(jid));
        } else if (command == u"kick" && request.value(u"keep_out"_s).toInteger() != 0) {
            // A kick that keeps the account out (AdminService::endSessions, as the console's).
            const QString reason = request.value(u"reason"_s).toString(u"Kicked by the administrator"_s);
            QString error;
            const int count = m_server->admin()->endSessions(jid, int(request.value(u"keep_out"_s).toInteger()), reason,
                                                             u"cli"_s, &error);
            if (count < 0)
                response.insert(u"error"_s, error);
            else
                response.insert(u"count"_s, count);
        } else if (command == u"kick") {
            const QString reason = request.value(u"reason"_s).toString(u"Kicked by the administrator"_s);
            response.insert(u"count"_s, m_server->kickJid(jid, StreamError::Condition::PolicyViolation, reason));
        } else {
            response.insert(u"count"_s, m_server->closeJid(jid));
        }
    } else if (command == u"announce") {
        const QString body = request.value(u"body"_s).toString();
        if (body.trimmed().isEmpty()) {
            response.insert(u"error"_s, u"nothing to announce"_s);
        } else {
            response.insert(u"count"_s, m_server->admin()->announce(request.value(u"subject"_s).toString(), body,
                                                                    request.value(u"everyone"_s).toBool(), u"cli"_s));
        }
    } else if (command == u"timeline") {
        const QString jid = request.value(u"jid"_s).toString();
        if (Jid::parse(jid).isNull()) {
            response.insert(u"error"_s, u"'%1' is not a valid JID"_s.arg(jid));
        } else {
            QJsonArray timelines;
            const auto found = m_server->sessionTimelines(jid);
            for (const SessionTimeline &t : found)
                timelines.append(SessionJson::toJson(t));
            response.insert(u"timelines"_s, timelines);
        }
    } else if (command == u"delete-user") {
        // Through the running server, so that the account's sessions close and its modules forget
        // it (AdminService, audited as the console's deletions are).
        const QString error = m_server->admin()->deleteAccount(request.value(u"jid"_s).toString(), u"cli"_s);
        if (error.isEmpty())
            response.insert(u"deleted"_s, true);
        else
            response.insert(u"error"_s, error);
    } else if (command == u"lag") {
        const EventLoopLag::Summary lag = m_server->eventLoopLag(request.value(u"reset"_s).toBool());
        response.insert(u"samples"_s, lag.samples);
        response.insert(u"p50_ms"_s, lag.p50Ms);
        response.insert(u"p99_ms"_s, lag.p99Ms);
        response.insert(u"max_ms"_s, lag.maxMs);
    } else {
        response.insert(u"error"_s, u"unknown command '%1'"_s.arg(command));
    }
    return QJsonDocument(response).toJson(QJsonDocument::Compact);
}
