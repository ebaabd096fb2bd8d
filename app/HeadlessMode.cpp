#include "HeadlessMode.h"

#include "CommandLine.h"
#include "ControlServer.h"
#include "UnixSignals.h"
#include "core/Server.h"

#include <QCoreApplication>
#include <QTextStream>
#include <QTimer>

int runHeadless(const CommandLine &commandLine)
{
    Server server(commandLine.config);
    QObject::connect(&server, &Server::listening, [](const QString &name, const QHostAddress &address, quint16 port) {
        // Scripts and tests read these lines to find the chosen ports.
        QTextStream out(stdout);
        out << "listening " << name << ' ' << address.toString() << ':' << port << Qt::endl;
    });
    QString error;
    ControlServer control(&server);
    if (!control.listen(commandLine.config.dataDir, &error) || !server.start(&error)) {
        QTextStream(stderr) << "switchboard: " << error << Qt::endl;
        return 1;
    }
    UnixSignals signals;
    QObject::connect(&signals, &UnixSignals::terminationRequested, &server, [&server] {
        server.stop();
        // Give the sockets one turn of the event loop to send the closing bytes.
        QTimer::singleShot(200, qApp, &QCoreApplication::quit);
    });
    return QCoreApplication::exec();
}
