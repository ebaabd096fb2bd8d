#pragma once

#include "host/Module.h"

// RFC 6121 §8.5: messages to local accounts. The choice of recipients is MessageRouting's;
// this module applies it to the live sessions and delivers through the router. Messages that
// no resource can take go to message/offline (OfflineModule); if nobody stores them,
// service-unavailable. 'from' is already the sender's full JID (the router stamps it).
class MessageModule final : public Module
{
public:
    void load(ModuleHost &host) override;
};
