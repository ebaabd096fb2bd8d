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

qint64 CommandLine::parseDuration(const QString &text)
{
    const QString t = text.trimmed().toLower();
    if (t.isEmpty())
        return -1;
    qint64 unit = 1;
    QString number = t;
    const QChar last = t.back();
    if (!last.isDigit()) {
        number.chop(1);
        switch (last.unicode()) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 7 * 86400; break;
        default: return -1;
        }
    }
    bool ok = false;
    const qint64 n = number.toLongLong(&ok);
    if (!ok || n <= 0 || n > 3650LL * 86400 / unit)
        return -1;
    return n * unit;
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
        "  user delete JID            delete an account (its sessions end if the server runs)\n"
        "  user list                  list the accounts\n"
        "  user import FILE           create many accounts at once: one 'user:password' per\n"
        "                             line ('#' comments; FILE - is stdin), one transaction\n"
        "  user import-roster FILE    mutual subscriptions: one 'user contact' per line\n"
        "  sessions [--json]          list the running server's sessions\n"
        "  kick JID [--reason TEXT]   kick a full JID's session, or all of a bare JID's\n"
        "  close JID                  close them cleanly\n"
        "  lag [--reset] [--json]     the server thread's event-loop lag (p50, p99, max) over\n"
        "                             the last minute or since the last --reset\n"
        "  kick JID --keep-out T      also refuse the account's logins for T (5m, 1h, ...) or\n"
        "                             'forever' (until re-enabled: the account is disabled)\n"
        "  invite create [--uses N] [--expires 7d] [--user NAME] [--contact-of NAME] [--room JID]\n"
        "                             an invitation to register: prints the xmpp: link, the\n"
        "                             https page (invite_page_url) and the QR code\n"
        "  invite list | invite revoke TOKEN\n"
        "  announce [--everyone] [--subject S] TEXT\n"
        "                             a message to everyone online (--everyone: offline users\n"
        "                             too, at their next login)\n"
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
    const QCommandLineOption uploadPort(u"upload-port"_s, u"HTTPS port: file upload, invitation pages (default 5281; 0 picks one)."_s,
                                        u"N"_s);
    const QCommandLineOption json(u"json"_s, u"sessions, lag, timeline: print JSON for scripts."_s);
    const QCommandLineOption reset(u"reset"_s, u"lag: start a new measuring window after this one."_s);
    const QCommandLineOption reason(u"reason"_s, u"kick: the reason sent to the client."_s, u"TEXT"_s);
    const QCommandLineOption keepOut(u"keep-out"_s, u"kick: refuse the account's logins for T (5m, 1h) or 'forever'."_s,
                                     u"T"_s);
    const QCommandLineOption uses(u"uses"_s, u"invite create: how many accounts it may create (default 1)."_s, u"N"_s);
    const QCommandLineOption expires(u"expires"_s, u"invite create: valid for T (e.g. 7d, 12h; default never)."_s,
                                     u"T"_s);
    const QCommandLineOption inviteUser(u"user"_s, u"invite create: the account name, fixed."_s, u"NAME"_s);
    const QCommandLineOption contactOf(u"contact-of"_s, u"invite create: the invitee becomes this user's contact."_s,
                                       u"NAME"_s);
    const QCommandLineOption room(u"room"_s, u"invite create: a room the invitee becomes a member of and is invited to (XEP-0249)."_s,
                                  u"JID"_s);
    const QCommandLineOption everyone(u"everyone"_s, u"announce: also to offline users, at their next login."_s);
    const QCommandLineOption subject(u"subject"_s, u"announce: the message's subject."_s, u"TEXT"_s);
    const QCommandLineOption system(u"system"_s,
                                    u"Use the installed service's files: --config %1 --data-dir %2, as the "
                                    "'switchboard' user (root switches to it)."_s.arg(systemConfigFile(),
                                                                                     systemDataDir()));
    // Prints the manual page (roff) built from these same options; the build installs it.
    QCommandLineOption helpMan(u"help-man"_s, u"Print the manual page."_s);
    helpMan.setFlags(QCommandLineOption::HiddenFromHelp);
    const QList<QCommandLineOption> options{headless, configFile, dataDir, domain, bind, c2sPort, c2sTlsPort,
                                            uploadPort, system, json, reset, reason, keepOut, uses, expires, inviteUser,
                                            contactOf, room, everyone, subject, helpMan};
    parser.addOptions(options);
    parser.addPositionalArgument(u"command"_s, u"user, sessions, kick, close, lag, invite or announce (see above)."_s, u"[command]"_s);

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
        {c2sPort, u"c2s_port"_s}, {c2sTlsPort, u"c2s_tls_port"_s},
        {uploadPort, u"upload_port"_s}};
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
    out->everyone = parser.isSet(everyone);
    out->subject = parser.value(subject);
    out->inviteUser = parser.value(inviteUser);
    out->contactOf = parser.value(contactOf);
    out->room = parser.value(room);
    if (parser.isSet(uses)) {
        bool ok = false;
        out->uses = parser.value(uses).toInt(&ok);
        if (!ok || out->uses < 1 || out->uses > 1'000'000) {
            err << "switchboard: --uses: '" << parser.value(uses) << "' is not a number from 1 to 1000000\n";
            *exitCode = 2;
            return false;
        }
    }
    for (const auto &[option, target] : {std::pair{&expires, &out->expiresSeconds}, std::pair{&keepOut, &out->keepOutSeconds}}) {
        if (!parser.isSet(*option))
            continue;
        const QString value = parser.value(*option);
        *target = option == &keepOut && (value == u"forever" || value == u"until-enabled") ? -1 : parseDuration(value);
        if (*target == -1 && option == &expires) {
            err << "switchboard: --expires: '" << value << "' is not a duration (e.g. 30m, 12h, 7d)\n";
            *exitCode = 2;
            return false;
        }
        if (option == &keepOut && *target == -1 && value != u"forever" && value != u"until-enabled") {
            err << "switchboard: --keep-out: '" << value << "' is not a duration (5m, 1h) or 'forever'\n";
            *exitCode = 2;
            return false;
        }
    }

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
    } else if (command == u"invite") {
        out->mode = Mode::Invite;
    } else if (command == u"announce") {
        out->mode = Mode::Announce;
    } else if (command == u"timeline") {
        out->mode = Mode::Timeline;
    } else {
        err << "switchboard: unknown command '" << command << "' (see --help)\n";
        *exitCode = 2;
        return false;
    }
    return true;
}
