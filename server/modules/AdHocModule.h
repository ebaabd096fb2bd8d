#pragma once

#include "host/Module.h"

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>

class InviteStore;
class XmlElement;
struct StanzaEvent;

// XEP-0050 Ad-Hoc Commands on the server's domain, with the XEP-0133 Service Administration
// set for the accounts listed in config `admins`, and XEP-0401 §3 invitations for users when
// `allow_user_invites` is on.
// - disco#items node http://jabber.org/protocol/commands lists what the requester may run
//   (§2.2); disco#info of a command node says it is one (§2.3);
// - execute without a form answers the command's form (status executing, a session id);
//   execute or complete with a submitted form runs it (status completed, a note, and a result
//   form for the queries); cancel ends the session (§3.4);
// - every 0133 action calls the server's administration (AdminActions): the same function and
//   audit log as the console, with the admin's JID as the actor;
// - anyone not in `admins` gets forbidden for the admin nodes, and nothing changes.
class AdHocModule final : public Module
{
public:
    AdHocModule();
    ~AdHocModule() override;
    void load(ModuleHost &host) override;

    struct Field
    {
        QString var;
        QString type;           // text-single, text-private, jid-single, jid-multi, list-single, boolean, text-multi, fixed
        QString label;
        bool required = false;
        QStringList values;     // defaults (form) or results
        QList<std::pair<QString, QString>> options;   // list-single: (label, value)
    };
    using Values = QHash<QString, QStringList>;
    struct Command
    {
        QString node;
        QString name;
        bool adminOnly = true;
        QString instructions;
        QList<Field> fields;    // empty: runs at once
        // Fills in current values when the form is sent (e.g. today's message of the day).
        std::function<void(QList<Field> *fields)> prefill;
        // Runs with the submitted values; returns the note (info) or sets *error; may fill
        // *resultFields for a result form.
        std::function<QString(const QString &actor, const Values &values, QList<Field> *resultFields,
                              QString *error)>
            run = {};
    };

private:
    bool isAdmin(const QString &bareJid) const;
    void registerCommands();
    bool handleItems(StanzaEvent &event);
    bool handleInfo(StanzaEvent &event);
    bool handleCommand(StanzaEvent &event);

    ModuleHost *m_host = nullptr;
    QSet<QString> m_admins;
    bool m_userInvites = false;
    std::unique_ptr<InviteStore> m_invites;
    QList<Command> m_commands;
    QHash<QString, QString> m_sessions;     // session id → requester's full JID
    quint64 m_nextSession = 1;
};
