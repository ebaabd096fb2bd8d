#pragma once

#include <QList>
#include <QString>
#include <QStringList>

// A config key a module declares (its class's static options(), collected by
// StandardModules::options()). The config file accepts exactly the server's own keys and the
// declared ones, checks the value's type here, and hands the module the value through
// ModuleHost::option*; any other key is still refused with FILE:LINE.
struct ModuleOption
{
    enum class Type { String, Integer, Boolean, JidList, Duration };

    QString key;                 // lower case, '_' between words, as in the config file
    Type type = Type::String;
    qint64 min = 0;              // Integer only
    qint64 max = 0;
    QStringList choices;         // String only: when not empty, the value must be one of these
    // JidList: comma-separated bare JIDs, normalised to prepared JIDs joined by ","
    // Duration: seconds, or a number with s, m, h, d or w ("30d", "60s"), normalised to
    // seconds and checked against min/max (in seconds)

    // Empty when `value` fits; *normalised is what the module will read ("true"/"false" for a
    // boolean, the decimal number for an integer).
    QString check(const QString &value, QString *normalised) const;
};

using ModuleOptions = QList<ModuleOption>;
