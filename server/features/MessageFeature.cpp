#include "features/MessageFeature.h"

#include "features/MessageRouting.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"

using namespace Qt::StringLiterals;

namespace {

bool routeMessage(StanzaRouter &router, const std::function<bool(const QString &)> &accountExists, StanzaEvent &event)
{
    using Action = MessageRouting::Decision::Action;
    const Jid bare = event.to.bare();
    const QList<Session *> sessions = router.sessions()->sessionsOfUser(bare);
    QList<MessageRouting::Resource> resources;
    resources.reserve(sessions.size());
    for (Session *s : sessions)
        resources.append({s->resource(), s->isAvailable(), s->priority()});
    const bool exists = !sessions.isEmpty() || (accountExists && accountExists(bare.node()));

    const auto decision = MessageRouting::route(MessageRouting::kindOf(event.stanza.attribute(u"type"_s)), exists,
                                                event.to.resource(), resources);
    switch (decision.action) {
    case Action::Deliver:
        for (Session *s : sessions) {
            if (decision.recipients.contains(s->resource()))
                s->send(event.stanza);
        }
        break;
    case Action::StoreOffline:
        if (!router.fire(u"message/offline"_s, event))
            router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        break;
    case Action::BounceServiceUnavailable:
        router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        break;
    case Action::Drop:
        break;
    }
    return true;
}

} // namespace

void MessageFeature::install(StanzaRouter &router, std::function<bool(const QString &username)> accountExists)
{
    auto handler = [&router, accountExists](StanzaEvent &event) { return routeMessage(router, accountExists, event); };
    // "message/self" (to the sender's own bare JID) falls back to "message/bare".
    router.addHandler(u"message/bare"_s, handler);
    router.addHandler(u"message/full"_s, handler);
}
