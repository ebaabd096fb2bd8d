#pragma once

#include <QObject>
#include <QString>

class QLocalServer;
class QLocalSocket;
class Server;

// The running instance's control socket: `switchboard sessions|kick|close` connect to it.
// A QLocalServer at <data-dir>/control.sock, owner-only, speaking one JSON object per line.
// Lives in the server's thread and calls the Server directly.
class ControlServer : public QObject
{
    Q_OBJECT
public:
    explicit ControlServer(Server *server, QObject *parent = nullptr);

    bool listen(const QString &dataDir, QString *error);
    static QString socketPath(const QString &dataDir);

private:
    void onNewConnection();
    QByteArray handle(const QByteArray &requestLine);

    Server *m_server;
    QLocalServer *m_local;
};
