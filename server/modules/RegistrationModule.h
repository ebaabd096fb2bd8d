#pragma once

#include "host/Module.h"
#include "session/SessionData.h"
#include "xml/XmlElement.h"

#include <QString>
#include <functional>
#include <memory>
#include <vector>

class InviteStore;
class RosterService;

// XEP-0077 In-Band Registration, gated by invitations (XEP-0401 Easy User Onboarding, with
// XEP-0379 pre-auth tokens redeemed as in XEP-0445 Pre-Authenticated In-Band Registration).
// Config `registration`: `invite` (default: only with a valid token), `closed`, `open`.
// - stream features before authentication, once the stream is encrypted (or encryption is
//   not required): <register xmlns='http://jabber.org/features/iq-register'/> and
//   <register xmlns='urn:xmpp:ibr-token:0'/> (XEP-0445 §4);
// - <preauth xmlns='urn:xmpp:pars:0' token='…'/> (XEP-0445 §5) checks the token (unknown,
//   revoked, expired or used up: item-not-found with the reason) and remembers it for the
//   stream; expiry is checked here only, as §5 requires; a use is counted when the account is
//   created;
// - get (XEP-0077 §3.1): instructions, username and password fields (the invitation's fixed
//   name filled in); set: creates the account through the server's administration (same
//   function and audit log as the console), counts the use, and makes the invitee and the
//   inviter mutual contacts (XEP-0379); a room to join is InviteRoomModule's (a registered
//   listener, below). Errors: conflict (name taken or reserved by another invitation), not-acceptable
//   (missing or bad fields), not-allowed (closed, or no valid token).
class RegistrationModule final : public Module
{
public:
    explicit RegistrationModule(std::shared_ptr<RosterService> rosters);
    ~RegistrationModule() override;
    void load(ModuleHost &host) override;

    enum class Mode { Invite, Closed, Open };

    // Called after each account this module created, before the client hears the result;
    // `inviteToken` is the invitation redeemed (empty: open registration).
    using Registered = std::function<void(const QString &username, const QString &inviteToken)>;
    void onRegistered(Registered listener) { m_registered.push_back(std::move(listener)); }

private:
    struct Pending
    {
        QString token;
    };
    bool handle(Session *session, const XmlElement &iq);
    void registerAccount(Session *session, const XmlElement &iq, const XmlElement &query);
    void makeContacts(const QString &user, const QString &inviter);

    std::shared_ptr<RosterService> m_rosters;
    std::unique_ptr<InviteStore> m_invites;
    ModuleHost *m_host = nullptr;
    Mode m_mode = Mode::Invite;
    SessionData<Pending> m_pending;
    std::vector<Registered> m_registered;
};
