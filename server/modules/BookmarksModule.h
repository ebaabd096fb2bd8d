#pragma once

#include "host/Module.h"

#include <memory>

class PepService;

// Bookmarks kept as one (XEP-0402 §5.3, feature urn:xmpp:bookmarks:1#compat): the XEP-0402 PEP
// node urn:xmpp:bookmarks:1 (one item per room, its JID the item id) holds them, and the
// XEP-0048 view in private storage (jabber:iq:private, storage:bookmarks) is made from it on a
// get and written into it on a set, so a client of either kind sees what the other saved.
// A XEP-0048 set publishes each conference with the node options XEP-0402 requires (whitelist,
// max items, never send the last item) and retracts the rooms it no longer lists; XEP-0048 <url/>
// bookmarks have no XEP-0402 form and are not kept.
class BookmarksModule final : public Module
{
public:
    explicit BookmarksModule(PepService &pep);
    ~BookmarksModule() override;
    void load(ModuleHost &host) override;

private:
    PepService &m_pep;
};
