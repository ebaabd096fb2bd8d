#include "CommandLine.h"
#include "ControlClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

using namespace Qt::StringLiterals;

namespace {
QString column(const QJsonObject &o, const QString &key)
{
    const QJsonValue v = o.value(key);
    return v.isString() ? v.toString() : QString::number(v.toDouble(), 'f', 0);
}

// One header per session, then one line per step: ISO time (UTC, milliseconds), kind, detail.
int printTimelines(QTextStream &out, QTextStream &err, const QJsonObject &response, bool json)
{
    const QJsonArray timelines = response.value(u"timelines"_s).toArray();
    if (json) {
        out << QJsonDocument(timelines).toJson(QJsonDocument::Indented);
        return 0;
    }
    if (timelines.isEmpty()) {
        err << "switchboard: no live or recently closed session of that JID\n";
        return 1;
    }
    for (const QJsonValue &v : timelines) {
        const QJsonObject t = v.toObject();
        const QString jid = t.value(u"jid"_s).toString();
        out << "session " << t.value(u"id"_s).toInteger() << "  " << (jid.isEmpty() ? u"-"_s : jid) << "  "
            << t.value(u"peer"_s).toString() << (t.value(u"closed"_s).toBool() ? "  (closed)" : "  (live)") << "\n";
        const QJsonArray steps = t.value(u"steps"_s).toArray();
        for (const QJsonValue &s : steps) {
            const QJsonObject step = s.toObject();
            out << "  " << step.value(u"time"_s).toString() << "  "
                << step.value(u"kind"_s).toString().leftJustified(16) << "  " << step.value(u"detail"_s).toString() << "\n";
        }
    }
    return 0;
}
} // namespace

// `switchboard sessions [--json]`, `timeline JID [--json]`, `kick JID [--reason TEXT] [--keep-out T]`,
// `close JID`, `lag [--reset]`, `announce [--everyone] [--subject S] TEXT`: one request to the
// running instance's control socket.
int runControlCommand(const CommandLine &commandLine)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    QJsonObject request;
    switch (commandLine.mode) {
    case CommandLine::Mode::Sessions:
        request.insert(u"command"_s, u"sessions"_s);
        break;
    case CommandLine::Mode::Kick:
    case CommandLine::Mode::Close:
        if (commandLine.arguments.size() != 1) {
            err << "usage: switchboard kick JID [--reason TEXT] | switchboard close JID\n";
            return 2;
        }
        request.insert(u"command"_s, commandLine.mode == CommandLine::Mode::Kick ? u"kick"_s : u"close"_s);
        request.insert(u"jid"_s, commandLine.arguments.constFirst());
        if (!commandLine.reason.isEmpty())
            request.insert(u"reason"_s, commandLine.reason);
        if (commandLine.mode == CommandLine::Mode::Kick && commandLine.keepOutSeconds != 0)
            request.insert(u"keep_out"_s, commandLine.keepOutSeconds);
        break;
    case CommandLine::Mode::Announce:
        if (commandLine.arguments.isEmpty()) {
            err << "usage: switchboard announce [--everyone] [--subject TEXT] TEXT\n";
            return 2;
        }
        request.insert(u"command"_s, u"announce"_s);
        request.insert(u"body"_s, commandLine.arguments.join(u' '));
        request.insert(u"subject"_s, commandLine.subject);
        request.insert(u"everyone"_s, commandLine.everyone);
        break;
    case CommandLine::Mode::Timeline:
        if (commandLine.arguments.size() != 1) {
            err << "usage: switchboard timeline JID [--json]\n";
            return 2;
        }
        request.insert(u"command"_s, u"timeline"_s);
        request.insert(u"jid"_s, commandLine.arguments.constFirst());
        break;
    case CommandLine::Mode::Lag:
        request.insert(u"command"_s, u"lag"_s);
        request.insert(u"reset"_s, commandLine.reset);
        break;
    default:
        return 2;
    }

    const ControlAnswer answer = askControlSocket(commandLine.config.dataDir, request);
    if (answer.status != ControlAnswer::Status::Answered) {
        err << "switchboard: " << answer.problem << "\n";
        return 1;
    }
    const QJsonObject &response = answer.response;
    if (response.contains(u"error"_s)) {
        err << "switchboard: " << response.value(u"error"_s).toString() << "\n";
        return 1;
    }
    if (commandLine.mode == CommandLine::Mode::Lag) {
        if (commandLine.json) {
            out << QJsonDocument(response).toJson(QJsonDocument::Compact) << "\n";
            return 0;
        }
        out << "event-loop lag: p50 " << response.value(u"p50_ms"_s).toDouble() << " ms, p99 "
            << response.value(u"p99_ms"_s).toDouble() << " ms, max " << response.value(u"max_ms"_s).toDouble()
            << " ms (" << response.value(u"samples"_s).toInt() << " samples)\n";
        return 0;
    }
    if (commandLine.mode == CommandLine::Mode::Announce) {
        const int count = response.value(u"count"_s).toInt();
        out << "announced to " << count << (count == 1 ? " user\n" : " users\n");
        return 0;
    }
    if (commandLine.mode == CommandLine::Mode::Timeline)
        return printTimelines(out, err, response, commandLine.json);
    if (commandLine.mode != CommandLine::Mode::Sessions) {
        const int count = response.value(u"count"_s).toInt();
        out << (commandLine.mode == CommandLine::Mode::Kick ? "kicked " : "closed ") << count
            << (count == 1 ? " session\n" : " sessions\n");
        return count > 0 ? 0 : 1;
    }
    const QJsonArray sessions = response.value(u"sessions"_s).toArray();
    if (commandLine.json) {
        out << QJsonDocument(sessions).toJson(QJsonDocument::Indented);
        return 0;
    }
    const QStringList keys{u"id"_s, u"jid"_s, u"state"_s, u"address"_s, u"tls_protocol"_s, u"sasl_mechanism"_s,
                           u"show"_s, u"priority"_s, u"stanzas_in"_s, u"stanzas_out"_s};
    QList<QStringList> rows{keys};
    for (const QJsonValue &v : sessions) {
        const QJsonObject o = v.toObject();
        QStringList row;
        for (const QString &key : keys)
            row.append(key == u"jid" && o.value(key).toString().isEmpty() ? u"-"_s : column(o, key));
        rows.append(row);
    }
    QList<qsizetype> widths(keys.size(), 0);
    for (const QStringList &row : rows)
        for (qsizetype i = 0; i < row.size(); ++i)
            widths[i] = qMax(widths[i], row[i].size());
    for (const QStringList &row : rows) {
        for (qsizetype i = 0; i < row.size(); ++i)
            out << row[i].leftJustified(widths[i] + 2);
        out << "\n";
    }
    out << sessions.size() << (sessions.size() == 1 ? " session\n" : " sessions\n");
    return 0;
}
