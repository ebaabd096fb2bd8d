#include "ControlClient.h"
#include "ControlServer.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QLocalSocket>

using namespace Qt::StringLiterals;

ControlAnswer askControlSocket(const QString &dataDir, const QJsonObject &request, int connectTimeoutMs)
{
    ControlAnswer answer;
    const QString path = ControlServer::socketPath(dataDir);
    QLocalSocket socket;
    socket.connectToServer(path);
    if (!socket.waitForConnected(connectTimeoutMs)) {
        answer.problem = u"no running server at %1 (%2)"_s.arg(path, socket.errorString());
        return answer;
    }
    socket.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
    while (!socket.canReadLine()) {
        if (!socket.waitForReadyRead(10000)) {
            answer.status = ControlAnswer::Status::NoAnswer;
            answer.problem = u"the server did not answer"_s;
            return answer;
        }
    }
    answer.status = ControlAnswer::Status::Answered;
    answer.response = QJsonDocument::fromJson(socket.readLine()).object();
    return answer;
}
