#pragma once

#include "host/Module.h"

#include <memory>

class RosterService;

// RFC 6121 §3 and §4: presence subscriptions and presence.
// - subscribe / subscribed / unsubscribe / unsubscribed, both local sides per Appendix A
//   (RosterService); requests waiting for an answer are re-delivered after the contact's next
//   initial presence;
// - initial presence (§4.2): the session becomes available, the presence goes to contacts with
//   a subscription "from"/"both" and to the user's available resources; the last presence of
//   every available resource of contacts with "to"/"both" (the local answer to the probe,
//   §4.3) and of the user's other resources comes back; then presence/initial fires (offline
//   messages);
// - updates (§4.4) to the same recipients, the sender included; <priority/> sets the session's;
// - directed presence (§4.6) is remembered per session and cancelled by unavailable;
// - unavailable (§4.5), from the client or on its behalf when the session goes away (close,
//   kick, timeout, lost connection), reaches everyone who had the available presence.
// Everything is written through the router's delivery path.
class PresenceModule final : public Module
{
public:
    explicit PresenceModule(std::shared_ptr<RosterService> rosters);
    ~PresenceModule() override;
    void load(ModuleHost &host) override;

private:
    std::shared_ptr<RosterService> m_rosters;
    std::shared_ptr<void> m_state;
};
