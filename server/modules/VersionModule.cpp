#include "modules/VersionModule.h"

#include "host/ModuleHost.h"

#include <QSysInfo>

using namespace Qt::StringLiterals;

void VersionModule::load(ModuleHost &host)
{
    const QString ns = u"jabber:iq:version"_s;
    host.addFeature(ns);
    StanzaRouter &router = host.router();
    host.hookIq(false, Target::Host, ns, u"query"_s, [&router, ns](StanzaEvent &event) {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement query(u"query"_s, ns);
        query.appendTextElement(u"name"_s, u"Switchboard"_s, ns);
        query.appendTextElement(u"version"_s, QStringLiteral(SWITCHBOARD_VERSION), ns);
        query.appendTextElement(u"os"_s, QSysInfo::prettyProductName(), ns);
        result.appendChild(query);
        router.reply(event, result);
        return true;
    });
}
