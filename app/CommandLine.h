#pragma once

#include "base/ServerConfig.h"

#include <QStringList>

// The command line (QCommandLineParser) merged with the config file: options win over the file,
// the file over the embedded defaults.
struct CommandLine
{
    enum class Mode { Console, Headless, User, Sessions, Kick, Close, Lag, Timeline };

    Mode mode = Mode::Console;
    ServerConfig config;
    QStringList arguments;   // the subcommand's own words, e.g. {"add", "alice@localhost"}
    QString reason;          // kick --reason
    bool json = false;       // sessions --json, lag --json
    bool reset = false;      // lag --reset
    bool system = false;     // --system: the installed service's config and data (SystemMode.h)
    // Where config.domain came from: "--domain", the config file's path, or empty for the
    // built-in default. A data directory's recorded domain wins over the default only.
    QString domainSource;

    // Parses argv; on error or --help/--version prints and returns the exit code in *exitCode.
    static bool parse(const QStringList &argv, CommandLine *out, int *exitCode);
    static bool displayAvailable();

    // The installed service's files (the Debian package, `--system`).
    static QString systemConfigFile();    // /etc/switchboard/switchboard.ini
    static QString systemDataDir();       // /var/lib/switchboard
};
