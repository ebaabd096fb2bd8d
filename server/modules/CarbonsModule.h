#pragma once

#include "host/Module.h"
#include "session/SessionData.h"

#include <QHash>
#include <QList>
#include <QString>

class ModuleHost;
class Session;
class XmlElement;
struct StanzaEvent;

// XEP-0280 Message Carbons: a session that enabled carbons gets a <received/> copy of the
// eligible messages its user receives on another resource, and a <sent/> copy of those its user
// sends from another resource. Copies are written through the router (StanzaRouter::deliver), so
// the delivery filters of other modules see them.
class CarbonsModule final : public Module
{
public:
    void load(ModuleHost &host) override;

private:
    struct State
    {
        bool enabled = false;
    };

    void setEnabled(Session *session, bool enabled);
    // message/bare, message/full before the message module delivers: strips <private/> and
    // copies to the recipient's enabled resources that the routing rules leave out.
    void onIncoming(StanzaEvent &event);
    // pre-message/*: copies what a client sends to its user's other enabled resources.
    void onOutgoing(const StanzaEvent &event);
    // The sessions that receive `event` under RFC 6121 §8.5 (as the message module decides).
    QList<Session *> recipientsOf(const StanzaEvent &event, const QList<Session *> &sessions) const;
    void sendCopies(const QString &wrapper, const XmlElement &original, const QList<Session *> &sessions,
                    const QList<Session *> &skip) const;

    ModuleHost *m_host = nullptr;
    SessionData<State> m_state;
    // Enabled sessions per username: the message hot path skips users without any.
    QHash<QString, int> m_enabled;
};
