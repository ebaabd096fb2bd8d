#include "InviteCommand.h"

#include "CommandLine.h"
#include "UserCommand.h"
#include "core/AccountService.h"
#include "core/AdminService.h"
#include "core/QrCode.h"
#include "storage/AccountStore.h"
#include "storage/AuditLog.h"
#include "storage/Database.h"
#include "storage/DomainRecord.h"
#include "storage/InviteStore.h"

#include <QTextStream>

using namespace Qt::StringLiterals;

namespace {
const QString Actor = u"cli"_s;

void audit(Database *database, const QString &action, const QString &target, const QString &reason)
{
    AuditEntry entry;
    entry.action = action;
    entry.target = target;
    entry.reason = reason.isEmpty() ? u"by %1"_s.arg(Actor) : u"%1 (by %2)"_s.arg(reason, Actor);
    AuditLog(database).append(&entry, nullptr);
}
} // namespace

int runInviteCommand(const CommandLine &commandLine)
{
    QTextStream out(stdout);
    QTextStream err(stderr);
    const QStringList &args = commandLine.arguments;
    const QString action = args.value(0);
    if (!((action == u"create" && args.size() == 1) || (action == u"list" && args.size() == 1)
          || (action == u"revoke" && args.size() == 2))) {
        err << "usage: switchboard [--data-dir DIR] invite create [--uses N] [--expires 7d] [--user NAME]\n"
               "                                             [--contact-of NAME] [--room JID]\n"
               "       switchboard [--data-dir DIR] invite list | invite revoke TOKEN\n";
        return 2;
    }
    Database database;
    const QString domain = openDataDirectory(commandLine, &database, err);
    if (domain.isEmpty())
        return 1;
    QString error;
    InviteStore invites(&database);
    if (!invites.ensureSchema(&error)) {
        err << "switchboard: " << error << "\n";
        return 1;
    }

    if (action == u"list") {
        const QList<Invite> list = invites.list();
        for (const Invite &invite : list) {
            out << invite.token << "  " << Invite::statusText(invite.status()) << "  " << invite.uses << "/"
                << invite.maxUses << "  "
                << (invite.expires.isValid() ? invite.expires.toString(Qt::ISODate) : u"never"_s) << "  "
                << (invite.username.isEmpty() ? u"-"_s : invite.username) << "  "
                << (invite.usedBy.isEmpty() ? u"-"_s : invite.usedBy.join(u','))
                << "\n";
        }
        out << list.size() << (list.size() == 1 ? " invitation\n" : " invitations\n");
        return 0;
    }
    if (action == u"revoke") {
        if (!invites.revoke(args.value(1), &error)) {
            err << "switchboard: " << error << "\n";
            return 1;
        }
        audit(&database, u"revoke invite"_s, args.value(1), QString());
        out << "revoked " << args.value(1) << "\n";
        return 0;
    }

    AccountStore store(&database);
    AccountService accounts(&store, domain, commandLine.config.scramIterations);
    Invite spec;
    spec.maxUses = commandLine.uses;
    if (commandLine.expiresSeconds > 0)
        spec.expires = QDateTime::currentDateTimeUtc().addSecs(commandLine.expiresSeconds);
    spec.username = commandLine.inviteUser;
    spec.contactOf = commandLine.contactOf;
    spec.room = commandLine.room;
    spec.createdBy = Actor;
    if (!AdminService::prepareInvite(&spec, &accounts, &store, &error) || !invites.create(&spec, &error)) {
        err << "switchboard: " << error << "\n";
        return 1;
    }
    audit(&database, u"create invite"_s, spec.token, AdminService::describeInvite(spec));

    // The first line is the xmpp: URI, exactly (scripts read it); the rest is for people.
    const QString uri = spec.uri(domain);
    out << uri << "\n";
    const QString page = AdminService::invitePageBase(commandLine.config);
    if (!page.isEmpty())
        out << page << '?' << spec.token << "\n";
    const QStringList qr = QrCode::encode(uri).terminalLines();
    for (const QString &line : qr)
        out << line << "\n";
    if (spec.expires.isValid())
        out << "valid until " << spec.expires.toString(Qt::ISODate) << ", ";
    out << spec.maxUses << (spec.maxUses == 1 ? " use" : " uses") << "\n";
    return 0;
}
