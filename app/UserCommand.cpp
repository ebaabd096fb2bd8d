#include "UserCommand.h"

#include "CommandLine.h"
#include "ControlClient.h"
#include "core/AccountService.h"
#include "storage/AccountStore.h"
#include "storage/Database.h"
#include "storage/DomainRecord.h"
#include "storage/RosterStore.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QSet>

#include <QTextStream>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace {
// One line from stdin without its line ending; prompts only when a person is typing.
QString readPassword(bool *ok)
{
    QTextStream in(stdin);
    QString line = in.readLine();
    *ok = !line.isNull();
    return line;
}
// The lines of FILE ("-" for standard input) that carry something: blank lines and lines
// starting with '#' are skipped. Each comes with "FILE:LINE" for error messages.
bool readLines(const QString &path, QList<std::pair<QString, QString>> *lines, QString *error)
{
    QFile file;
    if (path == u"-") {
        if (!file.open(stdin, QIODevice::ReadOnly | QIODevice::Text)) {
            *error = u"cannot read standard input"_s;
            return false;
        }
    } else {
        file.setFileName(path);
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
            *error = u"cannot read %1: %2"_s.arg(path, file.errorString());
            return false;
        }
    }
    const QString name = path == u"-" ? u"stdin"_s : path;
    int number = 0;
    while (!file.atEnd()) {
        ++number;
        QString line = QString::fromUtf8(file.readLine());
        if (line.endsWith(u'\n'))
            line.chop(1);
        if (line.endsWith(u'\r'))
            line.chop(1);
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith(u'#'))
            continue;
        lines->append({u"%1:%2"_s.arg(name).arg(number), line});
    }
    return true;
}

// `user import FILE`: one account per line, "user:password" (user may be a bare JID of our
// domain; the password is everything after the first ':', spaces included).
int importUsers(AccountService &accounts, const QString &path, QTextStream &out, QTextStream &err)
{
    QList<std::pair<QString, QString>> lines;
    QString error;
    if (!readLines(path, &lines, &error)) {
        err << "switchboard: " << error << "\n";
        return 1;
    }
    QList<AccountService::NewUser> users;
    users.reserve(lines.size());
    for (const auto &[where, line] : std::as_const(lines)) {
        const qsizetype colon = line.indexOf(u':');
        if (colon <= 0) {
            err << "switchboard: " << where << ": expected user:password\n";
            return 1;
        }
        users.append({line.left(colon).trimmed(), line.mid(colon + 1), where});
    }
    QElapsedTimer timer;
    timer.start();
    const int created = accounts.importUsers(users, &error);
    if (created < 0) {
        err << "switchboard: " << error << " (nothing imported)\n";
        return 1;
    }
    out << "imported " << created << " accounts in " << timer.elapsed() << " ms\n";
    return 0;
}

// `user import-roster FILE`: one mutual subscription per line, "user contact" (names or bare
// JIDs of our domain, both existing accounts): each gets the other with subscription "both".
// All lines in one transaction.
int importRoster(AccountService &accounts, Database *database, const QString &path, QTextStream &out,
                 QTextStream &err)
{
    QList<std::pair<QString, QString>> lines;
    QString error;
    if (!readLines(path, &lines, &error)) {
        err << "switchboard: " << error << "\n";
        return 1;
    }
    const QSet<QString> known = [&] {
        const QStringList names = accounts.usernames();
        return QSet<QString>(names.begin(), names.end());
    }();
    QList<RosterStore::Write> writes;
    writes.reserve(lines.size() * 2);
    QSet<std::pair<QString, QString>> pairs;
    for (const auto &[where, line] : std::as_const(lines)) {
        const QStringList words = line.split(u' ', Qt::SkipEmptyParts);
        if (words.size() != 2) {
            err << "switchboard: " << where << ": expected 'user contact'\n";
            return 1;
        }
        QString names[2];
        for (int i = 0; i < 2; ++i) {
            names[i] = accounts.prepareUsername(words.at(i), &error);
            if (names[i].isEmpty() || !known.contains(names[i])) {
                err << "switchboard: " << where << ": "
                    << (names[i].isEmpty() ? error : u"no account %1"_s.arg(words.at(i))) << "\n";
                return 1;
            }
        }
        if (names[0] == names[1] || pairs.contains({names[0], names[1]}))
            continue;
        pairs.insert({names[0], names[1]});
        pairs.insert({names[1], names[0]});
        for (int i = 0; i < 2; ++i) {
            RosterStore::Item item;
            item.jid = Jid::fromParts(names[1 - i], accounts.domain());
            item.subscription = u"both"_s;
            writes.append(RosterStore::Write::putItem(names[i], item));
        }
    }
    RosterStore rosters(database);
    if (!rosters.apply(writes, &error)) {
        err << "switchboard: " << error << " (nothing imported)\n";
        return 1;
    }
    out << "imported " << writes.size() / 2 << " mutual subscriptions\n";
    return 0;
}

// While a server runs on this data directory, the deletion goes through it: its sessions of
// the account close and its modules forget what they hold in memory. Without one, the rows go
// directly (everything else of the account goes with them, ON DELETE CASCADE).
bool deleteUser(const QString &dataDir, AccountService &accounts, const QString &jid, QString *error)
{
    if (accounts.prepareUsername(jid, error).isEmpty())
        return false;
    const ControlAnswer answer = askControlSocket(dataDir, {{u"command"_s, u"delete-user"_s}, {u"jid"_s, jid}});
    switch (answer.status) {
    case ControlAnswer::Status::NoServer:
        return accounts.deleteUser(jid, error);
    case ControlAnswer::Status::NoAnswer:
        *error = u"the running server did not answer; nothing was deleted"_s;
        return false;
    case ControlAnswer::Status::Answered:
        break;
    }
    if (answer.response.value(u"deleted"_s).toBool())
        return true;
    *error = answer.response.value(u"error"_s).toString(u"the running server refused"_s);
    return false;
}

} // namespace

QString openDataDirectory(const CommandLine &commandLine, Database *database, QTextStream &err)
{
    QString error;
    if (!database->open(commandLine.config.dataDir, &error)) {
        err << "switchboard: " << error << "\n";
        return QString();
    }
    // The data directory's own domain; recorded here if this is the first program to open it.
    const QString domain = DomainRecord(database).claim(commandLine.config.domain, &error);
    if (domain.isEmpty()) {
        err << "switchboard: " << error << "\n";
        return QString();
    }
    if (domain != commandLine.config.domain && !commandLine.domainSource.isEmpty()) {
        err << "switchboard: " << DomainRecord::mismatch(commandLine.config.dataDir, domain, commandLine.config.domain);
        if (commandLine.domainSource != u"--domain")
            err << " [" << commandLine.config.domain << " is set in " << commandLine.domainSource << "]";
        err << "\n";
        return QString();
    }
    return domain;
}

int runUserCommand(const CommandLine &commandLine)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList &args = commandLine.arguments;
    const QString action = args.value(0);
    const bool needsJid = action == u"add" || action == u"passwd" || action == u"delete";
    const bool needsFile = action == u"import" || action == u"import-roster";
    if ((needsJid && args.size() != 2) || (needsFile && args.size() != 2) || (action == u"list" && args.size() != 1)
        || (!needsJid && !needsFile && action != u"list")) {
        err << "usage: switchboard [--data-dir DIR] user add|passwd|delete JID | user list\n"
               "       switchboard [--data-dir DIR] user import FILE          (lines user:password)\n"
               "       switchboard [--data-dir DIR] user import-roster FILE   (lines user contact)\n";
        return 2;
    }

    Database database;
    const QString domain = openDataDirectory(commandLine, &database, err);
    if (domain.isEmpty())
        return 1;
    QString error;
    AccountStore store(&database);
    AccountService accounts(&store, domain, commandLine.config.scramIterations);

    if (action == u"import")
        return importUsers(accounts, args.value(1), out, err);
    if (action == u"import-roster")
        return importRoster(accounts, &database, args.value(1), out, err);
    if (action == u"list") {
        const QStringList names = accounts.usernames();
        for (const QString &name : names)
            out << name << '@' << domain << "\n";
        return 0;
    }
    const QString jid = args.value(1);
    bool ok = true;
    if (action == u"add" || action == u"passwd") {
        const QString password = readPassword(&ok);
        if (!ok || password.isEmpty()) {
            err << "switchboard: no password on standard input\n";
            return 1;
        }
        ok = action == u"add" ? accounts.addUser(jid, password, &error) : accounts.setPassword(jid, password, &error);
    } else {
        ok = deleteUser(commandLine.config.dataDir, accounts, jid, &error);
    }
    if (!ok) {
        err << "switchboard: " << error << "\n";
        return 1;
    }
    const QString verb = action == u"add" ? u"created"_s : action == u"passwd" ? u"password changed"_s : u"deleted"_s;
    out << verb << ' ' << accounts.prepareUsername(jid, &error) << '@' << domain << "\n";
    return 0;
}
