#pragma once

class StanzaRouter;

// XEP-0030 Service Discovery: disco#info and disco#items for the server and for accounts
// (the account's bare JID answers on the user's behalf, as XEP-0030 §3 and RFC 6121 §8.5.1 want).
#include <QString>
#include <functional>

namespace DiscoFeature {
// accountExists answers for bare JIDs: RFC 6121 §8.5.1, an iq to a missing account is
// service-unavailable.
void install(StanzaRouter &router, std::function<bool(const QString &username)> accountExists);
}
