#include "features/PingFeature.h"

#include "routing/StanzaRouter.h"

using namespace Qt::StringLiterals;

void PingFeature::install(StanzaRouter &router)
{
    const QString ns = u"urn:xmpp:ping"_s;
    router.addServerFeature(ns);
    auto pong = [&router](StanzaEvent &event) {
        router.reply(event, StanzaRouter::makeIqResult(event.stanza));
        return true;
    };
    router.addHandler(u"iq-get/host/urn:xmpp:ping:ping"_s, pong);
    router.addHandler(u"iq-get/self/urn:xmpp:ping:ping"_s, pong);
}
