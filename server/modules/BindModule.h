#pragma once

#include "host/Module.h"

// RFC 6120 §7 resource binding and the legacy session iq (RFC 3921 §3, kept as optional by
// draft-cridland-xmpp-session): offered after authentication; before a resource is bound
// nothing but these is accepted (§7.1); once bound, a second bind is not-allowed and the
// session iq is answered with success.
class BindModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
