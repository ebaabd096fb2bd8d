#pragma once

#include "host/Module.h"
#include "session/SessionData.h"
#include "xml/XmlElement.h"

#include <QHash>
#include <QString>
#include <vector>

class ModuleHost;
class Session;
struct Delivery;

// XEP-0352 Client State Indication: after <inactive/> a session's presence updates and chat
// states are held back (only the newest one per contact and kind), and written out in order on
// <active/>, or just before anything else that matters arrives (a message with a body, a
// subscription request). Everything else goes straight through. A delivery filter, so it sees
// every stanza the server writes, whichever module sent it.
class CsiModule final : public Module
{
public:
    void load(ModuleHost &host) override;

    // Held stanzas per session beyond which everything is written out (memory bound).
    static constexpr int MaxHeld = 2000;

private:
    struct State
    {
        bool inactive = false;
        std::vector<XmlElement> held;      // in arrival order; a replaced one is null
        QHash<QString, size_t> slotOf;     // kind + contact -> index in held
    };
    enum class Verdict { Pass, Hold, Flush };

    bool onDelivery(Delivery &delivery);
    void setInactive(Session *session, bool inactive);
    void flush(Session *session, State &state);
    // What to do with a stanza for an inactive client; *key names what a newer one replaces.
    static Verdict classify(const XmlElement &stanza, QString *key);

    ModuleHost *m_host = nullptr;
    SessionData<State> m_state;
    int m_inactiveSessions = 0;   // the filter's fast path: nobody inactive
    bool m_flushing = false;
};
