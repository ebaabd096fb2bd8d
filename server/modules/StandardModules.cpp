#include "modules/StandardModules.h"

#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "modules/BindModule.h"
#include "modules/BlockingModule.h"
#include "modules/BookmarksModule.h"
#include "modules/CarbonsModule.h"
#include "modules/ClientSoftwareModule.h"
#include "modules/DiscoModule.h"
#include "modules/MessageModule.h"
#include "modules/OfflineModule.h"
#include "modules/PepModule.h"
#include "modules/PingModule.h"
#include "modules/PresenceModule.h"
#include "modules/PrivateStorageModule.h"
#include "modules/RosterModule.h"
#include "modules/RosterService.h"
#include "modules/SaslModule.h"
#include "modules/StartTlsModule.h"
#include "modules/VCardModule.h"
#include "modules/VersionModule.h"
#include "storage/RosterStore.h"

void StandardModules::load(ModuleHost &host, const C2SContext *negotiation)
{
    // Stream negotiation (RFC 6120 §5, §6): features before authentication, their elements.
    if (negotiation) {
        host.load(std::make_unique<StartTlsModule>(negotiation));
        host.load(std::make_unique<SaslModule>(negotiation));
    }
    host.load(std::make_unique<BindModule>());
    host.load(std::make_unique<PingModule>());
    host.load(std::make_unique<DiscoModule>());
    host.load(std::make_unique<VersionModule>());
    host.load(std::make_unique<ClientSoftwareModule>());   // the console's client column

    // Instant messaging and presence (RFC 6121, XEP-0160). Roster and presence share the
    // users' rosters and the subscription engine.
    auto rosters = std::make_shared<RosterService>(host.router(), nullptr, host.accountLookup());
    rosters->adoptStore(std::make_unique<RosterStore>(host.database()));
    rosters->setMaxItems(host.config().maxRosterItems);
    host.load(std::make_unique<RosterModule>(rosters));
    host.load(std::make_unique<PresenceModule>(rosters));
    host.load(std::make_unique<MessageModule>());
    host.load(std::make_unique<OfflineModule>());
    host.load(std::make_unique<BlockingModule>());   // XEP-0191, its own table and filters
    host.load(std::make_unique<CarbonsModule>());   // XEP-0280

    // Personal eventing (XEP-0163) and the modules built on it, through its PepService.
    auto &pep = static_cast<PepModule &>(host.load(std::make_unique<PepModule>()));
    host.load(std::make_unique<VCardModule>(pep.service()));   // XEP-0054, XEP-0153, XEP-0398
    host.load(std::make_unique<PrivateStorageModule>());        // XEP-0049
    host.load(std::make_unique<BookmarksModule>(pep.service()));   // XEP-0048 and XEP-0402 as one
}

ModuleOptions StandardModules::options()
{
    // The modules ported from before the module API keep their keys in ServerConfig
    // (offline_quota, max_roster_items); new modules list their options() here.
    ModuleOptions all;
    all += PepModule::options();
    all += VCardModule::options();
    return all;
}
