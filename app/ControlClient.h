#pragma once

#include <QJsonObject>
#include <QString>

#include <optional>

// One request to the running instance's control socket (ControlServer) and its answer.
struct ControlAnswer
{
    enum class Status { Answered, NoServer, NoAnswer };
    Status status = Status::NoServer;
    QJsonObject response;   // when Answered; an "error" key holds the server's refusal
    QString problem;        // otherwise, for the operator
};

ControlAnswer askControlSocket(const QString &dataDir, const QJsonObject &request, int connectTimeoutMs = 3000);
