#pragma once

#include "base/ServerConfig.h"

#include <QStringList>

// The command line (QCommandLineParser) merged with the config file: options win over the file,
// the file over the embedded defaults.
struct CommandLine
{
    enum class Mode { Console, Headless, User, Sessions, Kick, Close, Lag };

    Mode mode = Mode::Console;
    ServerConfig config;
    QStringList arguments;   // the subcommand's own words, e.g. {"add", "alice@localhost"}
    QString reason;          // kick --reason
    bool json = false;       // sessions --json, lag --json
    bool reset = false;      // lag --reset

    // Parses argv; on error or --help/--version prints and returns the exit code in *exitCode.
    static bool parse(const QStringList &argv, CommandLine *out, int *exitCode);
    static bool displayAvailable();
};
