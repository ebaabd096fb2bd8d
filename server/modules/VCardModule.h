#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"

#include <memory>

class Database;
class PepService;
class XmlElement;

// vcard-temp (XEP-0054) and avatars kept as one (XEP-0398, user avatar to vCard conversion):
// - get of the own vCard or of any account's, set of the own, stored in the module's table
//   (vcards); an account without one gets an empty <vCard/> (§3.1);
// - a vCard set with a PHOTO publishes the picture to the user's XEP-0084 data and metadata
//   nodes through the PEP service, and an XEP-0084 metadata publish by a client writes the
//   picture into the stored vCard's PHOTO (or removes it for an empty <metadata/>);
// - broadcast presence carries the picture's XEP-0153 hash: an <x xmlns='vcard-temp:x:update'/>
//   the client left without <photo/>, or none at all, gets the current one, so old and new clients
//   see the same avatar. XEP-0292 vCard4 is an ordinary PEP node (urn:xmpp:vcard4).
class VCardModule final : public Module
{
public:
    explicit VCardModule(PepService &pep);
    ~VCardModule() override;
    void load(ModuleHost &host) override;

    static ModuleOptions options();
    // The stored vcard-temp of `username` (for the console); null when none.
    static XmlElement storedVCard(Database *database, const QString &username);

private:
    class State;
    PepService &m_pep;
    std::unique_ptr<State> m_state;
};
