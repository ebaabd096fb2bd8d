#include "features/VersionFeature.h"

#include "routing/StanzaRouter.h"

#include <QCoreApplication>
#include <QSysInfo>

using namespace Qt::StringLiterals;

void VersionFeature::install(StanzaRouter &router)
{
    const QString ns = u"jabber:iq:version"_s;
    router.addServerFeature(ns);
    router.addHandler(u"iq-get/host/jabber:iq:version:query"_s, [&router, ns](StanzaEvent &event) {
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
