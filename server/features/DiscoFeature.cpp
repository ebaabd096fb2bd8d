#include "features/DiscoFeature.h"

#include "routing/StanzaRouter.h"

using namespace Qt::StringLiterals;

namespace {
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;
const QString ItemsNs = u"http://jabber.org/protocol/disco#items"_s;

XmlElement infoResult(const StanzaEvent &event, const QString &category, const QString &type,
                      const QString &name, QStringList features)
{
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement query(u"query"_s, InfoNs);
    const QString node = event.stanza.firstChildElement(u"query"_s, InfoNs).attribute(u"node"_s);
    if (!node.isEmpty())
        query.setAttribute(u"node"_s, node);
    XmlElement identity(u"identity"_s, InfoNs);
    identity.setAttribute(u"category"_s, category);
    identity.setAttribute(u"type"_s, type);
    if (!name.isEmpty())
        identity.setAttribute(u"name"_s, name);
    query.appendChild(identity);
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

XmlElement itemsResult(const StanzaEvent &event)
{
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement query(u"query"_s, ItemsNs);
    const QString node = event.stanza.firstChildElement(u"query"_s, ItemsNs).attribute(u"node"_s);
    if (!node.isEmpty())
        query.setAttribute(u"node"_s, node);
    result.appendChild(query);
    return result;
}
} // namespace

void DiscoFeature::install(StanzaRouter &router, std::function<bool(const QString &username)> accountExists)
{
    router.addHandler(u"iq-get/host/http://jabber.org/protocol/disco#info:query"_s, [&router](StanzaEvent &event) {
        router.reply(event, infoResult(event, u"server"_s, u"im"_s, u"Switchboard"_s, router.serverFeatures()));
        return true;
    });
    router.addHandler(u"iq-get/host/http://jabber.org/protocol/disco#items:query"_s, [&router](StanzaEvent &event) {
        router.reply(event, itemsResult(event));
        return true;
    });
    // An account (bare JID) is a PEP-less "account/registered" entity for now.
    auto accountInfo = [&router, accountExists](StanzaEvent &event) {
        if (!accountExists(event.to.node()))
            router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        else
            router.reply(event, infoResult(event, u"account"_s, u"registered"_s, QString(), router.accountFeatures()));
        return true;
    };
    auto accountItems = [&router, accountExists](StanzaEvent &event) {
        if (!accountExists(event.to.node()))
            router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        else
            router.reply(event, itemsResult(event));
        return true;
    };
    router.addHandler(u"iq-get/self/http://jabber.org/protocol/disco#info:query"_s, accountInfo);
    router.addHandler(u"iq-get/self/http://jabber.org/protocol/disco#items:query"_s, accountItems);
    router.addHandler(u"iq-get/bare/http://jabber.org/protocol/disco#info:query"_s, accountInfo);
    router.addHandler(u"iq-get/bare/http://jabber.org/protocol/disco#items:query"_s, accountItems);
}
