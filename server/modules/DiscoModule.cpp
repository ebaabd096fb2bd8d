#include "modules/DiscoModule.h"

#include "host/ModuleHost.h"

using namespace Qt::StringLiterals;

namespace {
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;
const QString ItemsNs = u"http://jabber.org/protocol/disco#items"_s;

XmlElement identityElement(const ModuleHost::Identity &id)
{
    XmlElement identity(u"identity"_s, InfoNs);
    identity.setAttribute(u"category"_s, id.category);
    identity.setAttribute(u"type"_s, id.type);
    if (!id.name.isEmpty())
        identity.setAttribute(u"name"_s, id.name);
    return identity;
}

XmlElement infoResult(const StanzaEvent &event, const QList<ModuleHost::Identity> &identities, QStringList features)
{
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement query(u"query"_s, InfoNs);
    const QString node = event.stanza.firstChildElement(u"query"_s, InfoNs).attribute(u"node"_s);
    if (!node.isEmpty())
        query.setAttribute(u"node"_s, node);
    for (const ModuleHost::Identity &identity : identities)
        query.appendChild(identityElement(identity));
    features.append(InfoNs);
    features.append(ItemsNs);
    features.sort();
    features.removeDuplicates();
    for (const QString &feature : std::as_const(features)) {
        XmlElement f(u"feature"_s, InfoNs);
        f.setAttribute(u"var"_s, feature);
        query.appendChild(f);
    }
    result.appendChild(query);
    return result;
}

XmlElement itemsResult(const StanzaEvent &event, const QList<ModuleHost::Item> &items)
{
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement query(u"query"_s, ItemsNs);
    const QString node = event.stanza.firstChildElement(u"query"_s, ItemsNs).attribute(u"node"_s);
    if (!node.isEmpty())
        query.setAttribute(u"node"_s, node);
    for (const ModuleHost::Item &item : items) {
        XmlElement e(u"item"_s, ItemsNs);
        e.setAttribute(u"jid"_s, item.jid);
        if (!item.name.isEmpty())
            e.setAttribute(u"name"_s, item.name);
        query.appendChild(e);
    }
    result.appendChild(query);
    return result;
}
} // namespace

void DiscoModule::load(ModuleHost &host)
{
    host.addIdentity(u"server"_s, u"im"_s, u"Switchboard"_s);
    StanzaRouter &router = host.router();
    const ModuleHost *h = &host;
    host.hookIq(false, Target::Host, InfoNs, u"query"_s, [&router, h](StanzaEvent &event) {
        router.reply(event, infoResult(event, h->identities(), h->serverFeatures()));
        return true;
    });
    host.hookIq(false, Target::Host, ItemsNs, u"query"_s, [&router, h](StanzaEvent &event) {
        router.reply(event, itemsResult(event, h->items()));
        return true;
    });
    // An account (bare JID) is an "account/registered" entity, plus what modules add (PEP).
    auto accountInfo = [&router, h](StanzaEvent &event) {
        if (!h->accountExists(event.to.node()))
            router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        else
            router.reply(event, infoResult(event, QList<ModuleHost::Identity>{{u"account"_s, u"registered"_s, QString()}}
                                                          + h->accountIdentities(), h->accountFeatures()));
        return true;
    };
    auto accountItems = [&router, h](StanzaEvent &event) {
        if (!h->accountExists(event.to.node()))
            router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        else
            router.reply(event, itemsResult(event, {}));
        return true;
    };
    for (Target target : {Target::Self, Target::Bare}) {
        host.hookIq(false, target, InfoNs, u"query"_s, accountInfo);
        host.hookIq(false, target, ItemsNs, u"query"_s, accountItems);
    }
}
