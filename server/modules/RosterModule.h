#pragma once

#include "host/Module.h"

#include <memory>

class RosterService;

// RFC 6121 §2 Roster management: roster get (the session becomes interested; with roster
// versioning, §2.6, only what changed since the client's `ver`), roster set (add or update name
// and groups) and remove (§2.5.2: which also cancels the subscriptions both ways), pushes to
// every interested resource. The roster is loaded into the session when it binds a resource.
class RosterModule final : public Module
{
public:
    // Longest name or group name accepted (characters); longer ones get not-acceptable (§2.3.3).
    static constexpr int MaxNameLength = 1023;

    explicit RosterModule(std::shared_ptr<RosterService> rosters);
    ~RosterModule() override;
    void load(ModuleHost &host) override;

private:
    std::shared_ptr<RosterService> m_rosters;
};
