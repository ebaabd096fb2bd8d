#pragma once

class OfflineStore;
class StanzaRouter;

// XEP-0160 offline messages: a message that no resource could take ("message/offline") is
// stored with a XEP-0203 <delay/> stamp, committed before anything else happens; beyond the
// per-user quota the sender gets resource-constraint. After the user's next initial presence
// with a non-negative priority ("presence/initial") they are sent, oldest first, and deleted.
namespace OfflineFeature {
void install(StanzaRouter &router, OfflineStore &store, int quota);
}
