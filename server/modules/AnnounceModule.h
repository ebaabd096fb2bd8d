#pragma once

#include "host/Module.h"

// The message of the day (XEP-0133 §4.24–§4.26 edit it): after a session's initial presence
// (the `presence/initial` event), the server sends it once to that resource as a normal
// message from the domain. Announcements themselves are sent by the server's administration
// (core/AdminService), which the console, the command line and the ad-hoc commands share.
class AnnounceModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
