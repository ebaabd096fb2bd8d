#pragma once

#include "host/Module.h"

// XEP-0199 XMPP Ping: the server answers pings addressed to it or to the user's own account.
class PingModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
