#include "modules/MessageModule.h"

#include "host/ModuleHost.h"
#include "modules/MessageRouting.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {

bool routeMessage(const ModuleHost &host, StanzaEvent &event)
{
    using Action = MessageRouting::Decision::Action;
    StanzaRouter &router = host.router();
    // The hot path: a full JID of a connected resource goes to that resource whatever its
    // presence (§8.5.3.1); no decision list needed.
    if (event.target == Target::Full) {
        if (Session *s = host.sessions().sessionByFullJid(event.to)) {
            router.deliver(s, event.stanza);
            return true;
        }
    }
    const Jid bare = event.to.bare();
    const QList<Session *> sessions = host.sessions().sessionsOfUser(bare);
    QList<MessageRouting::Resource> resources;
    resources.reserve(sessions.size());
    for (Session *s : sessions)
        resources.append({s->resource(), s->isAvailable(), s->priority()});
    const bool exists = !sessions.isEmpty() || host.accountExists(bare.node());

    const auto decision = MessageRouting::route(MessageRouting::kindOf(event.stanza.attribute(u"type"_s)), exists,
                                                event.to.resource(), resources);
    switch (decision.action) {
    case Action::Deliver:
        for (Session *s : sessions) {
            if (decision.recipients.contains(s->resource()))
                router.deliver(s, event.stanza);
        }
        break;
    case Action::StoreOffline:
        if (!router.fire(Event::incoming(Kind::Message, Target::Offline), event))
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

void MessageModule::load(ModuleHost &host)
{
    const ModuleHost *h = &host;
    auto handler = [h](StanzaEvent &event) { return routeMessage(*h, event); };
    // message/self (to the sender's own bare JID) falls back to message/bare.
    host.hook(Event::incoming(Kind::Message, Target::Bare), handler);
    host.hook(Event::incoming(Kind::Message, Target::Full), handler);
}
