#include "modules/ClientSoftwareModule.h"

#include "host/ModuleHost.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
// Ahead of the presence module, which ends the event.
constexpr int Priority = 100;
} // namespace

void ClientSoftwareModule::load(ModuleHost &host)
{
    host.hook(Event::incoming(Kind::Presence, Target::Broadcast), [](StanzaEvent &event) {
        if (!event.origin)
            return false;
        const XmlElement caps = event.stanza.firstChildElement(u"c"_s, u"http://jabber.org/protocol/caps"_s);
        const QString node = caps.isNull() ? QString() : caps.attribute(u"node"_s).trimmed();
        if (!node.isEmpty())
            event.origin->setClientSoftware(node.left(200));
        return false;
    }, Priority);
}
