#pragma once

#include <QList>
#include <QString>

// Which resources of a local account receive a message (RFC 6121 §8.5), as a pure function of
// plain descriptions of the account's connected resources, so it is testable without sockets.
namespace MessageRouting {

enum class Kind { Normal, Chat, Headline, Groupchat, Error };

Kind kindOf(const QString &typeAttribute);   // absent or unknown type is "normal" (§5.2.2)

// One connected resource of the recipient account.
struct Resource
{
    QString resource;
    bool available = false;   // has sent presence (session model: available resource)
    int priority = 0;
};

struct Decision
{
    enum class Action {
        Deliver,                     // to `recipients`
        StoreOffline,                // §8.5.2.2.1 (XEP-0160)
        BounceServiceUnavailable,    // error back to the sender
        Drop,                        // silently ignored
    };
    Action action = Action::Drop;
    QStringList recipients;          // resources, in the order given
};

// accountExists: the recipient's account is known. toResource: the resource of a full-JID
// 'to', empty for a bare JID. resources: the account's connected resources.
//
// Rules:
// - no such account (§8.5.1): service-unavailable (errors are dropped, never answered);
// - full JID of a connected resource (§8.5.3.1): that resource, whatever its presence;
// - full JID not connected (§8.5.3.2.1): groupchat gets service-unavailable, error is
//   dropped, normal/chat/headline are handled as if sent to the bare JID;
// - bare JID (§8.5.2.1.1): groupchat gets service-unavailable; headline goes to every
//   available resource with non-negative priority; normal and chat go to the available
//   resources with the highest non-negative priority — ALL of them when several share it
//   (the "deliver to all of equal top priority" choice §8.5.2.1.1 allows, so no resource
//   misses a message because of a tie);
// - no available resource with non-negative priority (§8.5.2.2; negative priority means
//   "never deliver to a bare JID", §4.7.2.3): normal/chat are stored offline, headline and
//   error are dropped, groupchat gets service-unavailable.
Decision route(Kind kind, bool accountExists, const QString &toResource, const QList<Resource> &resources);

} // namespace MessageRouting
