#pragma once

#include "base/ServerConfig.h"

#include <QHash>
#include <QString>

// Reads the INI config file (QSettings' format, top-level keys or a [server] section) after
// checking every line itself, so that a mistake is reported as "FILE:LINE: what is wrong".
// Keys are the command-line option names; '-' and '_' are interchangeable.
class ConfigFile
{
public:
    // Applies the file's settings onto *config. Returns false with *error naming the line.
    static bool load(const QString &path, ServerConfig *config, QString *error);

    // Applies one key/value (shared with the command line); returns an error text or empty.
    static QString apply(const QString &key, const QString &value, ServerConfig *config);
    static QStringList knownKeys();
};
