#include "ManPage.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace {
// Text to roff: backslashes and hyphens escaped, no line may start with a control character.
QString escape(const QString &text)
{
    QString out = text;
    out.replace(u'\\', u"\\e"_s).replace(u'-', u"\\-"_s);
    if (out.startsWith(u'.') || out.startsWith(u'\''))
        out.prepend(u"\\&"_s);
    return out;
}

QString optionSynopsis(const QCommandLineOption &option)
{
    QStringList names;
    for (const QString &name : option.names())
        names.append(u"\\fB%1%2\\fR"_s.arg(name.size() == 1 ? u"\\-"_s : u"\\-\\-"_s, escape(name)));
    QString synopsis = names.join(u", "_s);
    if (!option.valueName().isEmpty())
        synopsis += u" \\fI%1\\fR"_s.arg(escape(option.valueName()));
    return synopsis;
}
} // namespace

QString ManPage::render(const QString &description, const QList<QCommandLineOption> &options,
                        const QStringList &configKeys, const QString &systemConfigFile, const QString &systemDataDir)
{
    const QString version = QCoreApplication::applicationVersion();
    QString man;
    man += u".TH SWITCHBOARD 1 \"\" \"switchboard %1\" \"User Commands\"\n"_s.arg(version);
    man += u".SH NAME\nswitchboard \\- XMPP server for a small office with a live admin console\n"_s;
    man += u".SH SYNOPSIS\n"_s;
    man += u".B switchboard\n[\\fIOPTIONS\\fR] [\\fIcommand\\fR [\\fIarguments\\fR]]\n"_s;

    // The description: a first paragraph, then "Commands:" with one "  name   text" per line.
    const QStringList paragraphs = description.split(u"\n\n"_s);
    man += u".SH DESCRIPTION\n"_s + escape(paragraphs.value(0)) + u'\n';
    man += u"Without a command it starts the server: with the console window when a display is "
           "available, otherwise (or with \\fB\\-\\-headless\\fR) without.\n"_s;
    man += u".SH COMMANDS\n"_s;
    const QStringList lines = paragraphs.mid(1).join(u"\n"_s).split(u'\n');
    for (const QString &line : lines) {
        if (line.trimmed().isEmpty() || line.endsWith(u':'))
            continue;
        const QString text = line.trimmed();
        if (line.startsWith(u"  ") && !line.startsWith(u"    ")) {
            const qsizetype gap = text.indexOf(u"  "_s);
            man += u".TP\n\\fB%1\\fR\n%2\n"_s.arg(escape(text.left(gap).trimmed()),
                                                  escape(gap < 0 ? QString() : text.mid(gap).trimmed()));
        } else {
            man += escape(text) + u'\n';
        }
    }

    man += u".SH OPTIONS\n"_s;
    for (const QCommandLineOption &option : options) {
        if (option.flags() & QCommandLineOption::HiddenFromHelp)
            continue;
        man += u".TP\n"_s + optionSynopsis(option) + u'\n' + escape(option.description()) + u'\n';
    }
    man += u".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nPrint the options and commands.\n"_s;
    man += u".TP\n\\fB\\-\\-help\\-all\\fR\nThe same, with Qt's own options.\n"_s;
    man += u".TP\n\\fB\\-v\\fR, \\fB\\-\\-version\\fR\nPrint the version.\n"_s;

    man += u".SH CONFIGURATION\n"_s;
    man += u"The file given with \\fB\\-\\-config\\fR is INI: top\\-level keys or a [server] section. "
           "Keys are the option names, with \\- or _ alike; options on the command line win over the "
           "file. An unknown key or a bad value stops the start with FILE:LINE and what is wrong. "
           "The keys:\n.PP\n"_s;
    for (qsizetype i = 0; i < configKeys.size(); ++i)
        man += u"\\fB%1\\fR%2\n"_s.arg(escape(configKeys.at(i)), i + 1 < configKeys.size() ? u","_s : u"."_s);
    man += u".PP\nThe packaged file lists each with its default, commented out.\n"_s;

    man += u".SH FILES\n"_s;
    man += u".TP\n.I %1\nThe service's configuration (\\fB\\-\\-system\\fR).\n"_s.arg(escape(systemConfigFile));
    man += u".TP\n.I %1\nThe service's data directory: the database, the certificate and the control "
           "socket.\n"_s.arg(escape(systemDataDir));
    man += u".TP\n.I ~/.local/share/switchboard\nThe data directory of a user's own server.\n"_s;
    man += u".SH NOTES\n"_s;
    man += u"A data directory serves one XMPP domain: the first start (or the first \\fBuser\\fR command) "
           "records it, \\fBuser\\fR commands use it, and a start with another \\fB\\-\\-domain\\fR stops "
           "with an error naming both.\n"_s;
    man += u".SH EXAMPLES\n.nf\nsudo switchboard \\-\\-system user add alice@example.org   # password on stdin\n"
           "switchboard \\-\\-data\\-dir DIR user list\n.fi\n"_s;
    return man;
}
