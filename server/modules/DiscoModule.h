#pragma once

#include "host/Module.h"

// XEP-0030 Service Discovery: disco#info and disco#items for the server and for accounts
// (the account's bare JID answers on the user's behalf, as XEP-0030 §3 and RFC 6121 §8.5.1 want),
// from what the loaded modules declared with ModuleHost::addFeature / addIdentity / addItem.
class DiscoModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
