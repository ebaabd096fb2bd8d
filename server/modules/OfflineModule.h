#pragma once

#include "host/Module.h"

#include <memory>

class OfflineStore;

// XEP-0160 offline messages: a message that no resource could take (message/offline) is
// stored with a XEP-0203 <delay/> stamp, committed before anything else happens; beyond the
// per-user quota (config offline_quota) the sender gets resource-constraint. After the user's
// next initial presence with a non-negative priority (presence/initial) they are delivered,
// oldest first, and deleted.
class OfflineModule final : public Module
{
public:
    OfflineModule();
    ~OfflineModule() override;
    void load(ModuleHost &host) override;

private:
    std::unique_ptr<OfflineStore> m_store;
};
