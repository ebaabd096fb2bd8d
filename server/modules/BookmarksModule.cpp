#include "modules/BookmarksModule.h"

#include "host/ModuleHost.h"
#include "modules/PepService.h"
#include "stanza/Jid.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace {
const QString PrivateNs = u"jabber:iq:private"_s;
const QString LegacyNs = u"storage:bookmarks"_s;
const QString BookmarksNs = u"urn:xmpp:bookmarks:1"_s;
constexpr int MaxConferences = 1000;
// Ahead of the private storage module, which would store storage:bookmarks as any element.
constexpr int Priority = 10;

bool isTrue(const QString &value)
{
    return value == u"true" || value == u"1";
}

// XEP-0402 §3 from a XEP-0048 <conference/>; the room's JID becomes the item id.
XmlElement toNew(const XmlElement &legacy)
{
    XmlElement conference(u"conference"_s, BookmarksNs);
    if (legacy.hasAttribute(u"name"_s))
        conference.setAttribute(u"name"_s, legacy.attribute(u"name"_s));
    if (isTrue(legacy.attribute(u"autojoin"_s)))
        conference.setAttribute(u"autojoin"_s, u"true"_s);
    for (const QString &child : {u"nick"_s, u"password"_s}) {
        const XmlElement e = legacy.firstChildElement(child, LegacyNs);
        if (!e.isNull())
            conference.appendTextElement(child, e.text(), BookmarksNs);
    }
    return conference;
}

XmlElement toLegacy(const QString &jid, const XmlElement &conference)
{
    XmlElement legacy(u"conference"_s, LegacyNs);
    legacy.setAttribute(u"jid"_s, jid);
    if (conference.hasAttribute(u"name"_s))
        legacy.setAttribute(u"name"_s, conference.attribute(u"name"_s));
    legacy.setAttribute(u"autojoin"_s, isTrue(conference.attribute(u"autojoin"_s)) ? u"true"_s : u"false"_s);
    for (const QString &child : {u"nick"_s, u"password"_s}) {
        const XmlElement e = conference.firstChildElement(child, BookmarksNs);
        if (!e.isNull())
            legacy.appendTextElement(child, e.text(), LegacyNs);
    }
    return legacy;
}

const QHash<QString, QString> &nodeOptions()
{
    // XEP-0402 §4: what a client publishing bookmarks asks for as publish-options.
    static const QHash<QString, QString> options{{u"pubsub#persist_items"_s, u"true"_s},
                                                 {u"pubsub#max_items"_s, u"max"_s},
                                                 {u"pubsub#send_last_published_item"_s, u"never"_s},
                                                 {u"pubsub#access_model"_s, u"whitelist"_s}};
    return options;
}

XmlElement legacyChild(const StanzaEvent &event)
{
    return event.stanza.firstChildElement(u"query"_s, PrivateNs).firstChildElement(u"storage"_s, LegacyNs);
}
} // namespace

BookmarksModule::BookmarksModule(PepService &pep)
    : m_pep(pep)
{
}

BookmarksModule::~BookmarksModule() = default;

void BookmarksModule::load(ModuleHost &host)
{
    host.addAccountFeature(BookmarksNs + u"#compat"_s);
    StanzaRouter &router = host.router();
    PepService &pep = m_pep;

    host.hookIq(false, Target::Self, PrivateNs, u"query"_s, [&router, &pep](StanzaEvent &event) {
        if (legacyChild(event).isNull())
            return false;
        XmlElement storage(u"storage"_s, LegacyNs);
        for (const PepService::Item &item : pep.items(event.from.node(), BookmarksNs, -1)) {
            if (!item.payload.isNull())
                storage.appendChild(toLegacy(item.id, item.payload));
        }
        XmlElement query(u"query"_s, PrivateNs);
        query.appendChild(storage);
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        result.appendChild(query);
        router.reply(event, result);
        return true;
    }, Priority);

    host.hookIq(true, Target::Self, PrivateNs, u"query"_s, [&router, &pep](StanzaEvent &event) {
        const XmlElement storage = legacyChild(event);
        if (storage.isNull())
            return false;
        if (event.stanza.firstChildElement(u"query"_s, PrivateNs).childElements().size() != 1) {
            router.bounce(event, StanzaError::Condition::NotAcceptable);   // bookmarks are set alone
            return true;
        }
        QList<QPair<QString, XmlElement>> wanted;
        QSet<QString> jids;
        for (const XmlElement &conference : storage.childElements()) {
            if (conference.name() != u"conference")
                continue;
            const Jid room = Jid::parse(conference.attribute(u"jid"_s));
            if (room.isNull() || !room.isBare()) {
                router.bounce(event, StanzaError::Condition::JidMalformed);
                return true;
            }
            if (!jids.contains(room.toString()))
                wanted.append({room.toString(), toNew(conference)});
            jids.insert(room.toString());
        }
        if (wanted.size() > MaxConferences) {
            router.bounce(event, StanzaError::Condition::NotAcceptable);
            return true;
        }
        const QString owner = event.from.node();
        const QList<PepService::Item> current = pep.items(owner, BookmarksNs, -1);
        for (auto &[jid, conference] : wanted) {
            bool same = false;
            for (const PepService::Item &item : current) {
                if (item.id != jid)
                    continue;
                // What XEP-0048 cannot say (XEP-0402 <extensions/>) stays as the new client left it.
                const XmlElement extensions = item.payload.firstChildElement(u"extensions"_s, BookmarksNs);
                if (!extensions.isNull())
                    conference.appendChild(extensions);
                same = item.payload == conference;
            }
            QString error;
            if (!same && !pep.publish(owner, BookmarksNs, jid, conference, nodeOptions(), &error)) {
                router.bounce(event, StanzaError::conditionFromName(error).value_or(StanzaError::Condition::InternalServerError));
                return true;
            }
        }
        for (const PepService::Item &item : current) {
            if (!jids.contains(item.id))
                pep.retract(owner, BookmarksNs, item.id);
        }
        router.reply(event, StanzaRouter::makeIqResult(event.stanza));
        return true;
    }, Priority);
}
