#pragma once

#include <QCommandLineOption>
#include <QList>
#include <QString>
#include <QStringList>

// switchboard(1) in roff, written from the same option list and config key table the program
// parses with, so the installed manual cannot drift from --help (`switchboard --help-man`).
namespace ManPage {
QString render(const QString &description, const QList<QCommandLineOption> &options, const QStringList &configKeys,
               const QString &systemConfigFile, const QString &systemDataDir);
}
