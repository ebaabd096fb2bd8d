#pragma once

#include "host/Module.h"

#include <QSet>
#include <QString>
#include <QStringView>
#include <memory>

class Jid;

// XEP-0191 Blocking Command (v1.3).
// - disco feature urn:xmpp:blocking on the domain (§3.1);
// - <blocklist/> get (§3.2) marks the resource as wanting pushes; <block/> and <unblock/> set
//   (§3.3-§3.5) are validated as a whole, committed to the module's own table, then answered,
//   then pushed to every resource of the user that retrieved the block list;
// - on block, resources that saw the user's presence (subscribers, recipients of directed
//   presence) and become blocked get unavailable presence from the user's available resources
//   (§3.3); on unblock they get the current presence again, and the user gets the contact's
//   presence back if subscribed to it (§3.4);
// - stanzas the user addresses to a blocked JID are refused with not-acceptable plus
//   <blocked xmlns='urn:xmpp:blocking:errors'/>; stanzas a blocked JID addresses to the user
//   are dropped (presence, iq result/error) or refused with service-unavailable (message, iq
//   get/set), before any module serves them, so nothing reaches offline storage (§3.3);
// - a delivery filter drops whatever the server writes itself between a user and a JID the user
//   blocks (presence broadcasts, probe answers, offline messages, subscription requests).
// Block lists are read from the database once per user and kept in memory while the user is
// bound (and in a small cache after): the delivery filter never touches the database for an
// online user.
class BlockingModule final : public Module
{
public:
    BlockingModule();
    ~BlockingModule() override;
    void load(ModuleHost &host) override;

    // §6 JID matching: does an item of `items` (prepared JIDs, as stored) match `jid` (a
    // prepared JID)? <user@domain/resource> and <domain/resource> match only themselves,
    // <user@domain> every resource of it, <domain> itself and every JID at that domain.
    static bool matches(const QSet<QString> &items, QStringView jid);
    static bool matches(const QSet<QString> &items, const Jid &jid);

private:
    class State;
    std::shared_ptr<State> m_state;
};
