#include "modules/NicknameModule.h"

#include "host/ModuleHost.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
// Ahead of the presence module, which ends the event.
constexpr int Priority = 100;
constexpr int MaxLength = 100;
} // namespace

void NicknameModule::load(ModuleHost &host)
{
    host.hook(Event::incoming(Kind::Presence, Target::Broadcast), [](StanzaEvent &event) {
        if (!event.origin || event.stanza.attribute(u"type"_s) == u"unavailable")
            return false;
        const XmlElement nick = event.stanza.firstChildElement(u"nick"_s, u"http://jabber.org/protocol/nick"_s);
        if (!nick.isNull())
            event.origin->setNickname(nick.text().simplified().left(MaxLength));
        return false;
    }, Priority);
}
