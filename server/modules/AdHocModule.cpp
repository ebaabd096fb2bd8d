#include "modules/AdHocModule.h"

#include "host/AdminActions.h"
#include "host/ModuleHost.h"
#include "stanza/Jid.h"
#include "stanza/StanzaError.h"
#include "storage/InviteStore.h"

using namespace Qt::StringLiterals;

namespace {
const QString CommandsNs = u"http://jabber.org/protocol/commands"_s;
const QString DataNs = u"jabber:x:data"_s;
const QString DiscoInfoNs = u"http://jabber.org/protocol/disco#info"_s;
const QString DiscoItemsNs = u"http://jabber.org/protocol/disco#items"_s;
const QString AdminNs = u"http://jabber.org/protocol/admin"_s;
const QString InviteNode = u"urn:xmpp:invite#invite"_s;
constexpr int MaxSessions = 1000;

QString adminNode(const QString &name)
{
    return AdminNs + u'#' + name;
}

AdHocModule::Field field(const QString &var, const QString &type, const QString &label, bool required = true)
{
    AdHocModule::Field f;
    f.var = var;
    f.type = type;
    f.label = label;
    f.required = required;
    return f;
}

XmlElement formElement(const QString &type, const QString &title, const QString &instructions,
                       const QList<AdHocModule::Field> &fields)
{
    XmlElement x(u"x"_s, DataNs);
    x.setAttribute(u"type"_s, type);
    if (!title.isEmpty())
        x.appendTextElement(u"title"_s, title, DataNs);
    if (!instructions.isEmpty())
        x.appendTextElement(u"instructions"_s, instructions, DataNs);
    XmlElement formType(u"field"_s, DataNs);
    formType.setAttribute(u"var"_s, u"FORM_TYPE"_s);
    formType.setAttribute(u"type"_s, u"hidden"_s);
    formType.appendTextElement(u"value"_s, AdminNs, DataNs);
    x.appendChild(formType);
    for (const AdHocModule::Field &f : fields) {
        XmlElement e(u"field"_s, DataNs);
        e.setAttribute(u"var"_s, f.var);
        if (type == u"form") {
            e.setAttribute(u"type"_s, f.type);
            if (!f.label.isEmpty())
                e.setAttribute(u"label"_s, f.label);
            if (f.required)
                e.appendChild(XmlElement(u"required"_s, DataNs));
            for (const auto &[label, value] : f.options) {
                XmlElement option(u"option"_s, DataNs);
                option.setAttribute(u"label"_s, label);
                option.appendTextElement(u"value"_s, value, DataNs);
                e.appendChild(option);
            }
        } else if (!f.label.isEmpty()) {
            e.setAttribute(u"label"_s, f.label);
            e.setAttribute(u"type"_s, f.type);
        }
        for (const QString &value : f.values)
            e.appendTextElement(u"value"_s, value, DataNs);
        x.appendChild(e);
    }
    return x;
}

AdHocModule::Values submittedValues(const XmlElement &command)
{
    AdHocModule::Values values;
    const XmlElement x = command.firstChildElement(u"x"_s, DataNs);
    if (x.isNull() || x.attribute(u"type"_s) != u"submit")
        return values;
    const auto fields = x.childElements();
    for (const XmlElement &f : fields) {
        if (f.name() != u"field" || f.xmlns() != DataNs)
            continue;
        QStringList list;
        const auto children = f.childElements();
        for (const XmlElement &v : children) {
            if (v.name() == u"value")
                list.append(v.text());
        }
        values.insert(f.attribute(u"var"_s), list);
    }
    return values;
}

QString first(const AdHocModule::Values &values, const QString &var)
{
    return values.value(var).value(0).trimmed();
}

// Text-multi fields come as one value per line.
QString lines(const AdHocModule::Values &values, const QString &var)
{
    return values.value(var).join(u'\n');
}
} // namespace

AdHocModule::AdHocModule() = default;
AdHocModule::~AdHocModule() = default;

bool AdHocModule::isAdmin(const QString &bareJid) const
{
    return m_admins.contains(bareJid);
}

void AdHocModule::load(ModuleHost &host)
{
    m_host = &host;
    if (!host.admin())
        return;   // no server administration to run commands against (unit tests)
    const QStringList admins = host.option(u"admins"_s).split(u',', Qt::SkipEmptyParts);
    for (const QString &jid : admins)
        m_admins.insert(jid.trimmed());
    m_userInvites = host.optionBool(u"allow_user_invites"_s, false);
    if (host.database())
        m_invites = std::make_unique<InviteStore>(host.database());
    registerCommands();

    host.addFeature(CommandsNs);
    host.hookIq(false, Target::Host, DiscoItemsNs, u"query"_s, [this](StanzaEvent &e) { return handleItems(e); }, 10);
    host.hookIq(false, Target::Host, DiscoInfoNs, u"query"_s, [this](StanzaEvent &e) { return handleInfo(e); }, 10);
    host.hookIq(true, Target::Host, CommandsNs, u"command"_s, [this](StanzaEvent &e) { return handleCommand(e); });
}

bool AdHocModule::handleItems(StanzaEvent &event)
{
    const XmlElement query = event.stanza.firstChildElement(u"query"_s, DiscoItemsNs);
    if (query.attribute(u"node"_s) != CommandsNs)
        return false;   // the disco module answers the domain's own items
    XmlElement reply = StanzaRouter::makeIqResult(event.stanza);
    XmlElement items(u"query"_s, DiscoItemsNs);
    items.setAttribute(u"node"_s, CommandsNs);
    const bool admin = isAdmin(event.from.bareString());
    for (const Command &c : std::as_const(m_commands)) {
        if (c.adminOnly && !admin)
            continue;
        if (c.node == InviteNode && !admin && !m_userInvites)
            continue;
        XmlElement item(u"item"_s, DiscoItemsNs);
        item.setAttribute(u"jid"_s, m_host->domain());
        item.setAttribute(u"node"_s, c.node);
        item.setAttribute(u"name"_s, c.name);
        items.appendChild(item);
    }
    reply.appendChild(items);
    m_host->router().reply(event, reply);
    return true;
}

bool AdHocModule::handleInfo(StanzaEvent &event)
{
    const QString node = event.stanza.firstChildElement(u"query"_s, DiscoInfoNs).attribute(u"node"_s);
    const Command *command = nullptr;
    for (const Command &c : std::as_const(m_commands)) {
        if (c.node == node)
            command = &c;
    }
    if (!command)
        return false;
    // XEP-0050 §2.3: a command node is an automation/command-node identity.
    XmlElement reply = StanzaRouter::makeIqResult(event.stanza);
    XmlElement query(u"query"_s, DiscoInfoNs);
    query.setAttribute(u"node"_s, node);
    XmlElement identity(u"identity"_s, DiscoInfoNs);
    identity.setAttribute(u"category"_s, u"automation"_s);
    identity.setAttribute(u"type"_s, u"command-node"_s);
    identity.setAttribute(u"name"_s, command->name);
    query.appendChild(identity);
    for (const QString &feature : {CommandsNs, DataNs}) {
        XmlElement f(u"feature"_s, DiscoInfoNs);
        f.setAttribute(u"var"_s, feature);
        query.appendChild(f);
    }
    reply.appendChild(query);
    m_host->router().reply(event, reply);
    return true;
}

bool AdHocModule::handleCommand(StanzaEvent &event)
{
    StanzaRouter &router = m_host->router();
    const XmlElement request = event.stanza.firstChildElement(u"command"_s, CommandsNs);
    const QString node = request.attribute(u"node"_s);
    const QString action = request.attribute(u"action"_s, u"execute"_s);
    const Command *command = nullptr;
    for (const Command &c : std::as_const(m_commands)) {
        if (c.node == node)
            command = &c;
    }
    if (!command) {
        router.bounce(event, StanzaError::Condition::ItemNotFound, u"No such command"_s);
        return true;
    }
    const QString actor = event.from.bareString();
    const bool admin = isAdmin(actor);
    if ((command->adminOnly && !admin) || (command->node == InviteNode && !admin && !m_userInvites)) {
        router.bounce(event, StanzaError::Condition::Forbidden, u"You are not an administrator of this server"_s);
        return true;
    }
    QString sessionId = request.attribute(u"sessionid"_s);
    if (!sessionId.isEmpty() && m_sessions.value(sessionId) != event.from.toString()) {
        router.bounce(event, StanzaError::Condition::BadRequest, u"Unknown session"_s);   // §4.6 bad-sessionid
        return true;
    }
    auto respond = [&](const QString &status, const QList<XmlElement> &children) {
        XmlElement reply = StanzaRouter::makeIqResult(event.stanza);
        XmlElement c(u"command"_s, CommandsNs);
        c.setAttribute(u"node"_s, node);
        c.setAttribute(u"sessionid"_s, sessionId);
        c.setAttribute(u"status"_s, status);
        for (const XmlElement &child : children)
            c.appendChild(child);
        reply.appendChild(c);
        router.reply(event, reply);
    };
    if (action == u"cancel") {
        m_sessions.remove(sessionId);
        respond(u"canceled"_s, {});
        return true;
    }
    const Values values = submittedValues(request);
    if (values.isEmpty() && !command->fields.isEmpty()) {
        // Stage one: the form (§3.3).
        if (sessionId.isEmpty()) {
            if (m_sessions.size() >= MaxSessions)
                m_sessions.clear();
            sessionId = u"sb-%1"_s.arg(m_nextSession++);
            m_sessions.insert(sessionId, event.from.toString());
        }
        XmlElement actions(u"actions"_s, CommandsNs);
        actions.setAttribute(u"execute"_s, u"complete"_s);
        actions.appendChild(XmlElement(u"complete"_s, CommandsNs));
        QList<Field> fields = command->fields;
        if (command->prefill)
            command->prefill(&fields);
        respond(u"executing"_s, {actions, formElement(u"form"_s, command->name, command->instructions, fields)});
        return true;
    }
    if (sessionId.isEmpty())
        sessionId = u"sb-%1"_s.arg(m_nextSession++);
    m_sessions.remove(sessionId);
    for (const Field &f : command->fields) {
        if (f.required && first(values, f.var).isEmpty()) {
            router.bounce(event, StanzaError::Condition::BadRequest, u"The field '%1' is required"_s.arg(f.label));
            return true;
        }
    }
    QString error;
    QList<Field> resultFields;
    const QString note = command->run(actor, values, &resultFields, &error);
    if (!error.isEmpty()) {
        XmlElement n(u"note"_s, CommandsNs);
        n.setAttribute(u"type"_s, u"error"_s);
        n.appendText(error);
        respond(u"completed"_s, {n});
        return true;
    }
    QList<XmlElement> children;
    XmlElement n(u"note"_s, CommandsNs);
    n.setAttribute(u"type"_s, u"info"_s);
    n.appendText(note);
    children.append(n);
    if (!resultFields.isEmpty())
        children.append(formElement(u"result"_s, command->name, QString(), resultFields));
    respond(u"completed"_s, children);
    return true;
}

void AdHocModule::registerCommands()
{
    AdminActions *admin = m_host->admin();
    const QString domain = m_host->domain();
    // Every JID field names an account of this domain.
    auto eachAccount = [admin, domain](const QStringList &jids, const std::function<QString(const QString &)> &act,
                                       QString *error) {
        QStringList done;
        for (const QString &text : jids) {
            const Jid jid = Jid::parse(text.trimmed());
            if (jid.isNull() || jid.node().isEmpty() || jid.domain() != domain) {
                *error = u"'%1' is not an account of %2"_s.arg(text, domain);
                return done;
            }
            if (QString problem = act(jid.bareString()); !problem.isEmpty()) {
                *error = problem;
                return done;
            }
            done.append(jid.bareString());
        }
        return done;
    };
    const QList<std::pair<QString, QString>> keepOutOptions{
        {u"No"_s, u"0"_s}, {u"5 minutes"_s, u"300"_s}, {u"1 hour"_s, u"3600"_s}, {u"Until re-enabled"_s, u"-1"_s}};

    Command add{adminNode(u"add-user"_s), u"Add a user"_s, true, u"Create an account."_s,
                {field(u"accountjid"_s, u"jid-single"_s, u"The Jabber ID for the account to be added"_s),
                 field(u"password"_s, u"text-private"_s, u"The password for this account"_s),
                 field(u"password-verify"_s, u"text-private"_s, u"Retype password"_s)}, {}};
    add.run = [admin](const QString &actor, const Values &v, QList<Field> *, QString *error) {
        if (first(v, u"password"_s) != first(v, u"password-verify"_s) && v.contains(u"password-verify"_s)) {
            *error = u"The passwords differ"_s;
            return QString();
        }
        *error = admin->addAccount(first(v, u"accountjid"_s), v.value(u"password"_s).value(0), actor);
        return u"Account created"_s;
    };
    m_commands.append(add);

    Command del{adminNode(u"delete-user"_s), u"Delete a user"_s, true, QString(),
                {field(u"accountjids"_s, u"jid-multi"_s, u"The Jabber ID(s) to delete"_s)}, {}};
    del.run = [admin, eachAccount](const QString &actor, const Values &v, QList<Field> *, QString *error) {
        const QStringList done = eachAccount(v.value(u"accountjids"_s),
                                             [&](const QString &jid) { return admin->deleteAccount(jid, actor); }, error);
        return u"Deleted: %1"_s.arg(done.join(u", "_s));
    };
    m_commands.append(del);

    for (const bool disable : {true, false}) {
        Command c{adminNode(disable ? u"disable-user"_s : u"reenable-user"_s),
                  disable ? u"Disable a user"_s : u"Re-enable a user"_s, true, QString(),
                  {field(u"accountjids"_s, u"jid-multi"_s,
                         disable ? u"The Jabber ID(s) to disable"_s : u"The Jabber ID(s) to re-enable"_s)}, {}};
        c.run = [admin, eachAccount, disable](const QString &actor, const Values &v, QList<Field> *, QString *error) {
            const QStringList done = eachAccount(
                v.value(u"accountjids"_s),
                [&](const QString &jid) { return admin->setAccountDisabled(jid, disable, QString(), actor); }, error);
            return (disable ? u"Disabled: %1"_s : u"Re-enabled: %1"_s).arg(done.join(u", "_s));
        };
        m_commands.append(c);
    }

    Command passwd{adminNode(u"change-user-password"_s), u"Change user password"_s, true, QString(),
                   {field(u"accountjid"_s, u"jid-single"_s, u"The Jabber ID"_s),
                    field(u"password"_s, u"text-private"_s, u"The new password"_s)}, {}};
    passwd.run = [admin](const QString &actor, const Values &v, QList<Field> *, QString *error) {
        *error = admin->setAccountPassword(first(v, u"accountjid"_s), v.value(u"password"_s).value(0), actor);
        return u"Password changed"_s;
    };
    m_commands.append(passwd);

    Field keepOut = field(u"keep-out"_s, u"list-single"_s, u"Keep out for"_s, false);
    keepOut.options = keepOutOptions;
    keepOut.values = {u"0"_s};
    Command end{adminNode(u"end-user-session"_s), u"End user session"_s, true,
                u"Their clients see policy-violation with the reason; while kept out, a reconnection is refused "
                "with account-disabled saying until when."_s,
                {field(u"accountjids"_s, u"jid-multi"_s, u"The Jabber ID(s) whose sessions end"_s),
                 field(u"reason"_s, u"text-single"_s, u"Reason shown to the user"_s, false), keepOut}, {}};
    end.run = [admin](const QString &actor, const Values &v, QList<Field> *, QString *error) {
        const int seconds = first(v, u"keep-out"_s).toInt();
        int total = 0;
        const QStringList jids = v.value(u"accountjids"_s);
        for (const QString &jid : jids) {
            const int n = admin->endSessions(jid.trimmed(), seconds, first(v, u"reason"_s), actor, error);
            if (n < 0)
                break;
            total += n;
        }
        return u"%1 session(s) ended"_s.arg(total);
    };
    m_commands.append(end);

    Command online{adminNode(u"get-online-users-list"_s), u"Get list of online users"_s, true, QString(), {}, {}};
    online.run = [admin](const QString &, const Values &, QList<Field> *result, QString *) {
        Field f = field(u"onlineuserjids"_s, u"jid-multi"_s, u"The list of all online users"_s, false);
        f.values = admin->onlineUsers();
        result->append(f);
        return u"%1 online"_s.arg(f.values.size());
    };
    m_commands.append(online);

    Command onlineCount{adminNode(u"get-online-users-num"_s), u"Get number of online users"_s, true, QString(), {}, {}};
    onlineCount.run = [admin](const QString &, const Values &, QList<Field> *result, QString *) {
        Field f = field(u"onlineusersnum"_s, u"text-single"_s, u"The number of online users"_s, false);
        f.values = {QString::number(admin->onlineUsers().size())};
        result->append(f);
        return f.values.first();
    };
    m_commands.append(onlineCount);

    Command registered{adminNode(u"get-registered-users-num"_s), u"Get number of registered users"_s, true, QString(),
                       {}, {}};
    registered.run = [admin](const QString &, const Values &, QList<Field> *result, QString *) {
        Field f = field(u"registeredusersnum"_s, u"text-single"_s, u"The number of registered users"_s, false);
        f.values = {QString::number(admin->registeredUserCount())};
        result->append(f);
        return f.values.first();
    };
    m_commands.append(registered);

    Field everyone = field(u"everyone"_s, u"boolean"_s, u"Also to users who are offline (at their next login)"_s, false);
    everyone.values = {u"0"_s};
    Command announce{adminNode(u"announce"_s), u"Send announcement to online users"_s, true, QString(),
                     {field(u"subject"_s, u"text-single"_s, u"Subject"_s, false),
                      field(u"announcement"_s, u"text-multi"_s, u"Announcement"_s), everyone}, {}};
    announce.run = [admin](const QString &actor, const Values &v, QList<Field> *, QString *) {
        const QString all = first(v, u"everyone"_s);
        const int n = admin->announce(first(v, u"subject"_s), lines(v, u"announcement"_s),
                                      all == u"1" || all == u"true", actor);
        return u"Sent to %1 user(s)"_s.arg(n);
    };
    m_commands.append(announce);

    Command motd{adminNode(u"edit-motd"_s), u"Edit message of the day"_s, true,
                 u"Sent to users when they log in; empty removes it."_s,
                 {field(u"motd"_s, u"text-multi"_s, u"Message of the day"_s, false)}, {}};
    motd.prefill = [admin](QList<Field> *fields) {
        fields->first().values = admin->messageOfTheDay().split(u'\n');
    };
    motd.run = [admin](const QString &actor, const Values &v, QList<Field> *, QString *error) {
        *error = admin->setMessageOfTheDay(lines(v, u"motd"_s), actor);
        return u"Message of the day saved"_s;
    };
    m_commands.append(motd);

    // XEP-0401 §3: a user asks the server for an invitation for a friend, who becomes the
    // user's contact. Admins may always; users when allow_user_invites is on.
    Command invite{InviteNode, u"Invite a friend"_s, false, QString(), {}, {}};
    invite.run = [this, admin, domain](const QString &actor, const Values &, QList<Field> *result, QString *error) {
        if (!m_invites) {
            *error = u"Invitations are not available"_s;
            return QString();
        }
        Invite spec;
        spec.maxUses = 1;
        spec.expires = QDateTime::currentDateTimeUtc().addDays(7);
        spec.contactOf = Jid::parse(actor).node();
        spec.createdBy = actor;
        if (!m_invites->create(&spec, error))
            return QString();
        admin->audit(u"create invite"_s, spec.token, u"1 use(s), contact of %1"_s.arg(spec.contactOf), actor);
        Field uri = field(u"uri"_s, u"text-single"_s, u"Invitation link"_s, false);
        uri.values = {spec.uri(domain)};
        Field expire = field(u"expire"_s, u"text-single"_s, u"Valid until"_s, false);
        expire.values = {spec.expires.toString(Qt::ISODate)};
        result->append(uri);
        result->append(expire);
        return u"Send this link to your friend"_s;
    };
    m_commands.append(invite);
}
