#pragma once

class StanzaRouter;

// XEP-0092 Software Version: the server tells its name and version.
namespace VersionFeature {
void install(StanzaRouter &router);
}
