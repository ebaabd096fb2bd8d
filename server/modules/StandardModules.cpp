#include "modules/StandardModules.h"

#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "modules/BindModule.h"
#include "modules/BlockingModule.h"
#include "modules/BookmarksModule.h"
#include "modules/CarbonsModule.h"
#include "modules/ClientPingModule.h"
#include "modules/ClientSoftwareModule.h"
#include "modules/CsiModule.h"
#include "modules/ClientVersionProbeModule.h"
#include "modules/DiscoModule.h"
#include "modules/MamModule.h"
#include "modules/MessageModule.h"
#include "modules/NicknameModule.h"
#include "modules/OfflineModule.h"
#include "modules/PepModule.h"
#include "modules/PingModule.h"
#include "modules/PresenceModule.h"
#include "modules/PrivateStorageModule.h"
#include "modules/RosterModule.h"
#include "modules/RosterService.h"
#include "modules/SaslModule.h"
#include "modules/SessionTimelineModule.h"
#include "modules/StartTlsModule.h"
#include "modules/StreamManagementModule.h"
#include "modules/VCardModule.h"
#include "modules/VersionModule.h"
#include "modules/WebSocketModule.h"
// Invitations, registration and administration from clients
#include "modules/AdHocModule.h"
#include "modules/AnnounceModule.h"
#include "modules/RegistrationModule.h"
#include "modules/InviteRoomModule.h"
#include "storage/RosterStore.h"
// Served over HTTPS
#include "modules/UploadModule.h"
// Multi-user chat
#include "modules/MucModule.h"

using namespace Qt::StringLiterals;

void StandardModules::load(ModuleHost &host, const C2SContext *negotiation, HttpsListener *https)
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
    // XEP-0077 + XEP-0401/0379/0445 (registration with invitations), XEP-0050 + XEP-0133
    // (administration from any client), the message of the day. They act on accounts
    // through host.admin(); without one (unit tests) they stay silent.
    host.load(std::make_unique<RegistrationModule>(rosters));
    host.load(std::make_unique<AdHocModule>());
    host.load(std::make_unique<AnnounceModule>());
    host.load(std::make_unique<CsiModule>());       // XEP-0352, a delivery filter
    host.load(std::make_unique<MamModule>());       // XEP-0313 + XEP-0359, its own tables

    // XEP-0198 stream management: acks, resumption, hibernating sessions.
    host.load(std::make_unique<StreamManagementModule>());

    // The console's view of each session: the client's own version answer (XEP-0092), its
    // nickname (XEP-0172), round trips of server pings (XEP-0199), the lifecycle timeline.
    host.load(std::make_unique<ClientVersionProbeModule>());
    host.load(std::make_unique<NicknameModule>());
    host.load(std::make_unique<ClientPingModule>());
    host.load(std::make_unique<SessionTimelineModule>());

    // Personal eventing (XEP-0163) and the modules built on it, through its PepService.
    auto &pep = static_cast<PepModule &>(host.load(std::make_unique<PepModule>()));
    host.load(std::make_unique<VCardModule>(pep.service()));   // XEP-0054, XEP-0153, XEP-0398
    host.load(std::make_unique<PrivateStorageModule>());        // XEP-0049
    host.load(std::make_unique<BookmarksModule>(pep.service()));   // XEP-0048 and XEP-0402 as one

    // Served over HTTPS (http/HttpsListener).
    host.load(std::make_unique<UploadModule>(https));   // XEP-0363 at upload.DOMAIN

    // Multi-user chat (XEP-0045) at muc_domain, with its MucService for the console.
    host.load(std::make_unique<MucModule>());

    // Invitations naming a room: the new account becomes a member and gets a XEP-0249
    // invitation (listens to the registration module; finds the room service when needed).
    host.load(std::make_unique<InviteRoomModule>());

    // XMPP over WebSocket (RFC 7395) and its discovery (XEP-0156), on the HTTPS listener.
    if (https && negotiation)
        host.load(std::make_unique<WebSocketModule>(negotiation, https));
}

ModuleOptions StandardModules::options()
{
    // The modules ported from before the module API keep their keys in ServerConfig
    // (offline_quota, max_roster_items); new modules list their options() here.
    ModuleOptions options;
    // Invitations, registration and administration from clients.
    {
        auto option = [](const QString &key, ModuleOption::Type type, const QStringList &choices = {}) {
            ModuleOption o;
            o.key = key;
            o.type = type;
            o.choices = choices;
            return o;
        };
        options.append(option(u"registration"_s, ModuleOption::Type::String, {u"invite"_s, u"closed"_s, u"open"_s}));
        options.append(option(u"admins"_s, ModuleOption::Type::JidList));
        options.append(option(u"allow_user_invites"_s, ModuleOption::Type::Boolean));
        options.append(option(u"invite_page_url"_s, ModuleOption::Type::String));
    }
    options += MamModule::options();   // archive_expires_after, archive_fsync
    options += StreamManagementModule::options();   // sm_resume_timeout, sm_max_queue
    // ClientPingModule: seconds between server pings, 0 = none (max one day).
    options.append({u"client_ping_interval"_s, ModuleOption::Type::Integer, 0, 86400});
    // SessionTimelineModule: how long and how many closed sessions' timelines are kept.
    options.append({u"timeline_keep_seconds"_s, ModuleOption::Type::Integer, 0, 7 * 86400});
    options.append({u"timeline_keep_sessions"_s, ModuleOption::Type::Integer, 0, 100000});
    options += PepModule::options();     // pep_max_nodes, pep_max_items, pep_max_payload_bytes
    options += VCardModule::options();   // vcard_max_bytes
    options += UploadModule::options();  // upload, upload_domain, upload_max_size, upload_quota, upload_expires_after, upload_slot_lifetime
    options += MucModule::options();     // muc_domain, muc_create
    options += WebSocketModule::options();   // websocket
    return options;
}
