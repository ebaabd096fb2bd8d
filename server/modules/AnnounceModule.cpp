#include "modules/AnnounceModule.h"

#include "host/AdminActions.h"
#include "host/ModuleHost.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

void AnnounceModule::load(ModuleHost &host)
{
    AdminActions *admin = host.admin();
    if (!admin)
        return;
    StanzaRouter &router = host.router();
    const QString domain = host.domain();
    host.hook(Event::incoming(Kind::Presence, Target::Initial), [admin, &router, domain](StanzaEvent &event) {
        Session *session = event.origin;
        const QString motd = admin->messageOfTheDay();
        if (!session || motd.isEmpty())
            return false;
        XmlElement message(u"message"_s);
        message.setAttribute(u"from"_s, domain);
        message.setAttribute(u"to"_s, session->fullJid().toString());
        message.setAttribute(u"type"_s, u"normal"_s);
        message.appendTextElement(u"subject"_s, u"Message of the day"_s);
        message.appendTextElement(u"body"_s, motd);
        router.deliver(session, message);
        return false;   // offline delivery and others still run
    }, -10);
}
