#include "CommandLine.h"
#include "ControlServer.h"
#include "MainWindow.h"
#include "ServerLink.h"
#include "TrayIcon.h"
#include "UnixSignals.h"
#include "core/Server.h"

#include <QApplication>
#include <QMessageBox>
#include <QTextStream>

using namespace Qt::StringLiterals;

// The console: the server in its own thread (with the control socket beside it, so that
// `switchboard sessions|kick|close` work as in headless mode), the main window, and the tray
// icon that keeps the server running while the window is closed.
int runConsole(const CommandLine &commandLine)
{
    QApplication::setQuitOnLastWindowClosed(false);
    QApplication::setApplicationDisplayName(u"Switchboard"_s);
    // Desktops match the window to switchboard.desktop (its icon, its name in the task bar).
    QApplication::setDesktopFileName(u"switchboard"_s);
    QApplication::setWindowIcon(TrayIcon::applicationIcon());

    ServerLink link;
    QObject::connect(&link, &ServerLink::listening, [](const QString &name, const QHostAddress &address, quint16 port) {
        // The same lines as headless mode: scripts read the chosen ports from them.
        QTextStream out(stdout);
        out << "listening " << name << ' ' << address.toString() << ':' << port << Qt::endl;
    });
    const QString dataDir = commandLine.config.dataDir;
    QString error;
    const bool started = link.start(commandLine.config, &error, [dataDir](Server *server, QString *failure) {
        // In the server's thread: the control socket calls the server directly.
        auto *control = new ControlServer(server, server);
        return control->listen(dataDir, failure);
    });
    if (!started) {
        QTextStream(stderr) << "switchboard: " << error << Qt::endl;
        QMessageBox::critical(nullptr, u"Switchboard"_s, u"The server could not start:\n\n%1"_s.arg(error));
        return 1;
    }

    MainWindow window(&link);
    TrayIcon tray;
    if (TrayIcon::isAvailable()) {
        tray.show();
        window.setTrayIcon(&tray);
    }
    window.show();

    UnixSignals signals;
    QObject::connect(&signals, &UnixSignals::terminationRequested, &window, &MainWindow::quitGracefully);
    const int code = QApplication::exec();
    link.shutdown();   // no-op after quitGracefully()
    return code;
}
