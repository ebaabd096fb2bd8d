#pragma once

class StanzaRouter;

// XEP-0199 XMPP Ping: the server answers pings addressed to it or to the user's own account.
namespace PingFeature {
void install(StanzaRouter &router);
}
