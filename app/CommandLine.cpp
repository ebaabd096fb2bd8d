#include "CommandLine.h"

#include "ConfigFile.h"
#include "ManPage.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>
#include <QTextStream>

using namespace Qt::StringLiterals;

bool CommandLine::displayAvailable()
{
    if (qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        return true;
    return !qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
}

QString CommandLine::systemConfigFile()
{
    return u"/etc/switchboard/switchboard.ini"_s;
}

QString CommandLine::systemDataDir()
{
    return u"/var/lib/switchboard"_s;
}

bool CommandLine::parse(const QStringList &argv, CommandLine *out, int *exitCode)
{
    QTextStream err(stderr);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Switchboard: an XMPP server with a live admin console.\n\n"
        "Commands:\n"
        "  (none)                     start the console with the embedded server\n"
        "  user add|passwd JID        create an account / set its password (password on stdin)\n"
        "  user delete JID            delete an account\n"
        "  user list                  list the accounts\n"
        "  user import FILE           create many accounts at once: one 'user:password' per\n"
        "                             line ('#' comments; FILE - is stdin), one transaction\n"
        "  user import-roster FILE    mutual subscriptions: one 'user contact' per line\n"
        "  sessions [--json]          list the running server's sessions\n"
        "  kick JID [--reason TEXT]   kick a full JID's session, or all of a bare JID's\n"
        "  close JID                  close them cleanly\n"
        "  lag [--reset] [--json]     the server thread's event-loop lag (p50, p99, max) over\n"
        "                             the last minute or since the last --reset\n"
        "  timeline JID [--json]      the lifecycle of a JID's sessions, live and recently\n"
        "                             closed: one line per step"_s);
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption headless(u"headless"_s, u"Run the server without the console window."_s);
    const QCommandLineOption configFile(u"config"_s, u"Read settings from the INI file FILE."_s, u"FILE"_s);
    const QCommandLineOption dataDir(u"data-dir"_s, u"Keep the database and certificate in DIR."_s, u"DIR"_s);
    const QCommandLineOption domain(u"domain"_s, u"Serve the XMPP domain D (default localhost)."_s, u"D"_s);
    const QCommandLineOption bind(u"bind"_s, u"Listen on ADDR (default 127.0.0.1; * for all)."_s, u"ADDR"_s);
    const QCommandLineOption c2sPort(u"c2s-port"_s, u"Client port, STARTTLS (default 5222; 0 picks one)."_s, u"N"_s);
    const QCommandLineOption c2sTlsPort(u"c2s-tls-port"_s, u"Direct TLS client port (default 5223; 0 picks one)."_s,
                                        u"N"_s);
    const QCommandLineOption json(u"json"_s, u"sessions, lag, timeline: print JSON for scripts."_s);
    const QCommandLineOption reset(u"reset"_s, u"lag: start a new measuring window after this one."_s);
    const QCommandLineOption reason(u"reason"_s, u"kick: the reason sent to the client."_s, u"TEXT"_s);
    const QCommandLineOption system(u"system"_s,
                                    u"Use the installed service's files: --config %1 --data-dir %2, as the "
                                    "'switchboard' user (root switches to it)."_s.arg(systemConfigFile(),
                                                                                     systemDataDir()));
    // Prints the manual page (roff) built from these same options; the build installs it.
    QCommandLineOption helpMan(u"help-man"_s, u"Print the manual page."_s);
    helpMan.setFlags(QCommandLineOption::HiddenFromHelp);
    const QList<QCommandLineOption> options{headless, configFile, dataDir, domain, bind, c2sPort, c2sTlsPort,
                                            system, json, reset, reason, helpMan};
    parser.addOptions(options);
    parser.addPositionalArgument(u"command"_s, u"user, sessions, kick, close or lag (see above)."_s, u"[command]"_s);

    if (!parser.parse(argv)) {
        err << parser.errorText() << "\n";
        *exitCode = 2;
        return false;
    }
    if (parser.isSet(u"help"_s)) {
        QTextStream(stdout) << parser.helpText();
        *exitCode = 0;
        return false;
    }
    if (parser.isSet(helpMan)) {
        QTextStream(stdout) << ManPage::render(parser.applicationDescription(), options, ConfigFile::knownKeys(),
                                               systemConfigFile(), systemDataDir());
        *exitCode = 0;
        return false;
    }
    if (parser.isSet(u"version"_s)) {
        QTextStream(stdout) << "switchboard " << QCoreApplication::applicationVersion() << "\n";
        *exitCode = 0;
        return false;
    }

    ServerConfig config;
    config.dataDir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    out->system = parser.isSet(system);
    if (out->system)
        config.dataDir = systemDataDir();
    const QString configPath =
        parser.isSet(configFile) ? parser.value(configFile) : out->system ? systemConfigFile() : QString();
    QString error;
    // An empty domain before loading tells whether the file names one.
    config.domain.clear();
    if (!configPath.isEmpty() && !ConfigFile::load(configPath, &config, &error)) {
        err << "switchboard: " << error << "\n";
        *exitCode = 2;
        return false;
    }
    if (config.domain.isEmpty())
        config.domain = ServerConfig().domain;
    else
        out->domainSource = configPath;
    if (parser.isSet(domain))
        out->domainSource = u"--domain"_s;
    const QList<std::pair<QCommandLineOption, QString>> overrides{
        {dataDir, u"data_dir"_s}, {domain, u"domain"_s}, {bind, u"bind"_s},
        {c2sPort, u"c2s_port"_s}, {c2sTlsPort, u"c2s_tls_port"_s}};
    for (const auto &[option, key] : overrides) {
        if (!parser.isSet(option))
            continue;
        const QString problem = ConfigFile::apply(key, parser.value(option), &config);
        if (!problem.isEmpty()) {
            err << "switchboard: --" << option.names().constFirst() << ": " << problem << "\n";
            *exitCode = 2;
            return false;
        }
    }
    if (!config.dataDir.isEmpty())
        config.dataDir = QDir(config.dataDir).absolutePath();
    out->config = config;
    out->json = parser.isSet(json);
    out->reset = parser.isSet(reset);
    out->reason = parser.value(reason);

    QStringList words = parser.positionalArguments();
    const QString command = words.isEmpty() ? QString() : words.takeFirst();
    out->arguments = words;
    if (command.isEmpty()) {
        out->mode = (parser.isSet(headless) || !displayAvailable()) ? Mode::Headless : Mode::Console;
    } else if (command == u"user") {
        out->mode = Mode::User;
    } else if (command == u"sessions") {
        out->mode = Mode::Sessions;
    } else if (command == u"kick") {
        out->mode = Mode::Kick;
    } else if (command == u"close") {
        out->mode = Mode::Close;
    } else if (command == u"lag") {
        out->mode = Mode::Lag;
    } else if (command == u"timeline") {
        out->mode = Mode::Timeline;
    } else {
        err << "switchboard: unknown command '" << command << "' (see --help)\n";
        *exitCode = 2;
        return false;
    }
    return true;
}
