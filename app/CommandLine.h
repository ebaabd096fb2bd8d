#pragma once

#include "base/ServerConfig.h"

#include <QStringList>

// The command line (QCommandLineParser) merged with the config file: options win over the file,
// the file over the embedded defaults.
struct CommandLine
{
    enum class Mode { Console, Headless, User, Sessions, Kick, Close, Lag, Invite, Announce, Timeline };

    Mode mode = Mode::Console;
    ServerConfig config;
    QStringList arguments;   // the subcommand's own words, e.g. {"add", "alice@localhost"}
    QString reason;          // kick --reason
    bool json = false;       // sessions --json, lag --json
    bool reset = false;      // lag --reset
    // invite create
    int uses = 1;            // --uses N
    qint64 expiresSeconds = 0;   // --expires 7d; 0: never
    QString inviteUser;      // --user NAME (fixed account name)
    QString contactOf;       // --contact-of NAME
    QString room;            // --room JID
    // kick --keep-out 5m|1h|forever: 0 none, > 0 seconds, < 0 until re-enabled
    qint64 keepOutSeconds = 0;
    // announce
    bool everyone = false;   // --everyone: offline users too
    QString subject;         // --subject TEXT
    bool system = false;     // --system: the installed service's config and data (SystemMode.h)
    // Where config.domain came from: "--domain", the config file's path, or empty for the
    // built-in default. A data directory's recorded domain wins over the default only.
    QString domainSource;

    // Parses argv; on error or --help/--version prints and returns the exit code in *exitCode.
    static bool parse(const QStringList &argv, CommandLine *out, int *exitCode);
    static bool displayAvailable();
    // "90s", "5m", "1h", "7d", "2w" (or plain seconds); -1 when not a duration.
    static qint64 parseDuration(const QString &text);

    // The installed service's files (the Debian package, `--system`).
    static QString systemConfigFile();    // /etc/switchboard/switchboard.ini
    static QString systemDataDir();       // /var/lib/switchboard
};
