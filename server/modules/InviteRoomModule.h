#pragma once

#include "host/Module.h"

#include <QString>
#include <memory>

class InviteStore;
class ModuleHost;

// Invitations that name a room (XEP-0401 §5 leaves what an invitation grants to the server):
// when RegistrationModule creates an account with such an invitation, the account becomes a
// member of the room (MucService::addMember, XEP-0045 §9.5) and gets a direct invitation
// (XEP-0249) to it — clients take that as "join and bookmark", so the newcomer's first login
// lands in the room. The invitation comes from the user who created the invitation when that
// was a user of this server, else from the server's domain; it waits offline until that login.
// Listens to RegistrationModule's onRegistered; finds the room service when it is needed, so
// the load order of the two modules does not matter.
class InviteRoomModule final : public Module
{
public:
    InviteRoomModule();
    ~InviteRoomModule() override;
    void load(ModuleHost &host) override;

private:
    void registered(const QString &username, const QString &token);

    ModuleHost *m_host = nullptr;
    std::unique_ptr<InviteStore> m_invites;
};
