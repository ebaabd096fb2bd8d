#pragma once

#include "host/Module.h"

// XEP-0172 User Nickname as a client announces it in its broadcast presence, kept in the
// session for the console's people view. Passive: the presence goes on untouched.
class NicknameModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
