#include "CommandLine.h"
#include "HeadlessMode.h"
#include "InviteCommand.h"
#include "SystemMode.h"
#include "UserCommand.h"
#include "core/EpollEventDispatcher.h"

#include <QApplication>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>
#include <memory>
#include <sys/resource.h>

int runConsole(const CommandLine &commandLine);
int runControlCommand(const CommandLine &commandLine);

namespace {
// Every client is a file descriptor: take the whole hard limit so that max_connections, not the
// usual soft limit of 1024, is what bounds the server.
void raiseOpenFileLimit()
{
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}
} // namespace

int main(int argc, char **argv)
{
    raiseOpenFileLimit();
    QCoreApplication::setApplicationName(QStringLiteral("switchboard"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SWITCHBOARD_VERSION));
    // Per-connection debug lines are for whoever asks (QT_LOGGING_RULES), not the default log.
    if (!qEnvironmentVariableIsSet("QT_LOGGING_RULES"))
        QLoggingCategory::setFilterRules(QStringLiteral("switchboard.*.debug=false"));

    // The mode decides which application object we need, so parse with a plain one first.
    CommandLine commandLine;
    int exitCode = 0;
    {
        QStringList arguments;
        for (int i = 0; i < argc; ++i)
            arguments.append(QString::fromLocal8Bit(argv[i]));
        std::unique_ptr<QCoreApplication> probe;
        probe = std::make_unique<QCoreApplication>(argc, argv);
        if (!CommandLine::parse(arguments, &commandLine, &exitCode))
            return exitCode;
        QString error;
        if (commandLine.system && !SystemMode::becomeServiceUser(&error)) {
            QTextStream(stderr) << "switchboard: " << error << "\n";
            return 1;
        }
    }

    switch (commandLine.mode) {
    case CommandLine::Mode::Console: {
        QApplication app(argc, argv);
        return runConsole(commandLine);
    }
    case CommandLine::Mode::Headless: {
        // The server's thread is the main thread here: epoll keeps a loop turn O(ready sockets).
        if (EpollEventDispatcher::wanted())
            QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
        QCoreApplication app(argc, argv);
        return runHeadless(commandLine);
    }
    case CommandLine::Mode::User: {
        QCoreApplication app(argc, argv);
        return runUserCommand(commandLine);
    }
    case CommandLine::Mode::Invite: {
        QCoreApplication app(argc, argv);
        return runInviteCommand(commandLine);
    }
    case CommandLine::Mode::Announce:
    case CommandLine::Mode::Sessions:
    case CommandLine::Mode::Kick:
    case CommandLine::Mode::Close:
    case CommandLine::Mode::Lag:
    case CommandLine::Mode::Timeline: {
        QCoreApplication app(argc, argv);
        return runControlCommand(commandLine);
    }
    }
    return 0;
}
