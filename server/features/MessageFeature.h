#pragma once

#include <QString>
#include <functional>

class StanzaRouter;

// RFC 6121 §8.5: messages to local accounts. The choice of recipients is MessageRouting's;
// this feature applies it to the live sessions. Messages that no resource can take go to the
// "message/offline" event (OfflineFeature); if nobody stores them, service-unavailable.
// 'from' is already the sender's full JID (the router stamps it).
namespace MessageFeature {
void install(StanzaRouter &router, std::function<bool(const QString &username)> accountExists);
}
