#include "modules/PingModule.h"

#include "host/ModuleHost.h"

using namespace Qt::StringLiterals;

void PingModule::load(ModuleHost &host)
{
    const QString ns = u"urn:xmpp:ping"_s;
    host.addFeature(ns);
    StanzaRouter &router = host.router();
    auto pong = [&router](StanzaEvent &event) {
        router.reply(event, StanzaRouter::makeIqResult(event.stanza));
        return true;
    };
    host.hookIq(false, Target::Host, ns, u"ping"_s, pong);
    host.hookIq(false, Target::Self, ns, u"ping"_s, pong);
}
