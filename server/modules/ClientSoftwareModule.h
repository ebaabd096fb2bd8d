#pragma once

#include "host/Module.h"

// What software a client runs, for the console's session table: the XEP-0115 caps node the
// client offers in its broadcast presence (e.g. "https://gajim.org"). Passive: the server asks
// the client nothing, and the presence goes on to the presence module untouched.
class ClientSoftwareModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
