#include "modules/RosterModule.h"

#include "host/ModuleHost.h"

#include "modules/RosterService.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "storage/RosterStore.h"

#include <QSet>

using namespace Qt::StringLiterals;

namespace {
const QString RosterNs = u"jabber:iq:roster"_s;

void rosterGet(StanzaRouter &router, RosterService &rosters, StanzaEvent &event)
{
    Session *session = event.origin;
    if (!session->roster())
        session->setRoster(rosters.roster(session->username()));
    const std::shared_ptr<Roster> roster = session->roster();
    session->setInterested(true);

    const XmlElement request = event.stanza.firstChildElement(u"query"_s, RosterNs);
    const bool versioning = request.hasAttribute(u"ver"_s);
    const QString current = QString::number(roster->version);
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);

    if (versioning) {
        const QString clientVer = request.attribute(u"ver"_s);
        // §2.6.3: the client's version is current: an empty result, nothing to push.
        if (clientVer == current) {
            router.reply(event, result);
            return;
        }
        // An older version of ours: an empty result, then a push for each change since.
        bool ok = false;
        const qint64 since = clientVer.toLongLong(&ok);
        if (ok) {
            const auto changes = rosters.store()->changesSince(session->username(), since);
            if (changes && !changes->isEmpty()) {
                router.reply(event, result);
                for (const RosterStore::Change &change : *changes) {
                    const auto it = roster->items.constFind(change.item.jid);
                    if (change.removed || it == roster->items.constEnd()) {
                        RosterItem removed;
                        removed.jid = change.item.jid;
                        rosters.pushTo(session, removed, true, change.version);
                    } else {
                        rosters.pushTo(session, *it, false, change.version);
                    }
                }
                return;
            }
        }
    }
    XmlElement query(u"query"_s, RosterNs);
    if (versioning)
        query.setAttribute(u"ver"_s, current);
    for (const RosterItem &item : std::as_const(roster->items))
        query.appendChild(RosterService::itemElement(item));
    result.appendChild(query);
    router.reply(event, result);
}

void rosterSet(StanzaRouter &router, RosterService &rosters, StanzaEvent &event)
{
    using C = StanzaError::Condition;
    const XmlElement query = event.stanza.firstChildElement(u"query"_s, RosterNs);
    const QList<XmlElement> children = query.childElements();
    // §2.3.3: exactly one item.
    if (children.size() != 1 || children.first().name() != u"item" || children.first().xmlns() != RosterNs) {
        router.bounce(event, C::BadRequest, u"A roster set carries exactly one item"_s);
        return;
    }
    const XmlElement item = children.first();
    const Jid contact = Jid::parse(item.attribute(u"jid"_s));
    if (contact.isNull()) {
        router.bounce(event, C::JidMalformed, u"The item's JID is not valid"_s);
        return;
    }
    if (contact.isFull()) {
        router.bounce(event, C::BadRequest, u"Roster items are bare JIDs"_s);
        return;
    }
    const Jid user = event.from.bare();
    if (contact == user) {
        router.bounce(event, C::NotAllowed, u"Your own JID cannot be a contact"_s);
        return;
    }

    RosterService::Result outcome;
    if (item.attribute(u"subscription"_s) == u"remove") {
        outcome = rosters.removeItem(user, contact);
    } else {
        // The client's subscription and ask are ignored (§2.1.2.5, §2.1.2.1): only the server
        // changes them, through presence.
        const QString name = item.attribute(u"name"_s);
        if (name.size() > RosterModule::MaxNameLength) {
            router.bounce(event, C::NotAcceptable, u"The name is too long"_s);
            return;
        }
        QStringList groups;
        QSet<QString> seen;
        for (const XmlElement &child : item.childElements()) {
            if (child.name() != u"group")
                continue;
            const QString group = child.text();
            if (group.isEmpty() || group.size() > RosterModule::MaxNameLength) {
                router.bounce(event, C::NotAcceptable, u"A group name is empty or too long"_s);
                return;
            }
            if (seen.contains(group)) {
                router.bounce(event, C::BadRequest, u"A group is listed twice"_s);
                return;
            }
            seen.insert(group);
            groups.append(group);
        }
        outcome = rosters.setItem(user, contact, name, groups);
    }
    switch (outcome) {
    case RosterService::Result::Done: {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        router.reply(event, result);
        break;
    }
    case RosterService::Result::ItemNotFound:
        router.bounce(event, C::ItemNotFound);
        break;
    case RosterService::Result::StorageFailed:
        router.bounce(event, C::InternalServerError, u"The roster could not be stored"_s);
        break;
    case RosterService::Result::TooManyItems:
        router.bounce(event, C::NotAllowed, u"The roster is full"_s);
        break;
    }
}
} // namespace

RosterModule::RosterModule(std::shared_ptr<RosterService> rosters)
    : m_rosters(std::move(rosters))
{
}

RosterModule::~RosterModule() = default;

void RosterModule::load(ModuleHost &host)
{
    host.addAccountFeature(RosterNs);
    // Roster versioning (§2.6): offered once the client is authenticated.
    host.addStreamFeature(ModuleHost::Stage::AfterAuth, [](Session *, XmlElement &features) {
        features.appendChild(XmlElement(u"ver"_s, u"urn:xmpp:features:rosterver"_s));
    });
    RosterService &rosters = *m_rosters;
    StanzaRouter &router = host.router();
    // The roster belongs to the connected resource from the moment it is bound (session model).
    host.hookSession(SessionManager::Event::Bound, [&rosters](Session *session) {
        session->setRoster(rosters.roster(session->username()));
    });
    host.hookIq(false, Target::Self, RosterNs, u"query"_s, [&router, &rosters](StanzaEvent &event) {
        if (!event.origin)
            return false;
        rosterGet(router, rosters, event);
        return true;
    });
    host.hookIq(true, Target::Self, RosterNs, u"query"_s, [&router, &rosters](StanzaEvent &event) {
        if (!event.origin)
            return false;
        rosterSet(router, rosters, event);
        return true;
    });
}
