#pragma once

#include "host/Module.h"

// XEP-0092 Software Version of the server itself.
class VersionModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
