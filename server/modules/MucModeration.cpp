// MucModule, continued: what moderators, admins and owners do to a room (XEP-0045 §8-§10):
// remove occupants, change roles and affiliations, configure the room and destroy it.
#include "modules/MucModule.h"

#include "host/ModuleHost.h"
#include "routing/StanzaRouter.h"
#include "stanza/StanzaError.h"
#include "modules/MamModule.h"
#include "storage/MucStore.h"

#include <QUuid>

using namespace Qt::StringLiterals;
using Muc::Affiliation;
using Muc::Role;
using Condition = StanzaError::Condition;

namespace {
const QString DataNs = u"jabber:x:data"_s;
const QString From = u"from"_s;
const QString Type = u"type"_s;

// Condition names from MucRoom's rule functions.
Condition conditionOf(const QString &name)
{
    return StanzaError::conditionFromName(name).value_or(Condition::Forbidden);
}
} // namespace

void MucModule::removeOccupant(Room &room, const QString &nick, int code, const QString &actorNick,
                               const QString &reason)
{
    const auto it = room.occupants.constFind(nick);
    if (it == room.occupants.constEnd())
        return;
    Occupant occupant = *it;
    XmlElement extra(u"extra"_s);
    if (!actorNick.isEmpty()) {
        XmlElement actor(u"actor"_s);
        actor.setAttribute(u"nick"_s, actorNick);
        extra.appendChild(actor);
    }
    if (!reason.isEmpty())
        extra.appendTextElement(u"reason"_s, reason);
    occupant.presence = XmlElement(u"presence"_s);
    room.occupants.insert(nick, occupant);
    broadcastPresence(room, occupant, {code}, {}, extra, true);
    room.occupants.remove(nick);
    forgetSessions(room, occupant);
    Q_EMIT occupantsChanged(room.jid.bareString());
    Q_EMIT roomsChanged();
}

QString MucModule::applyAffiliation(Room &room, const QString &bareJid, Affiliation affiliation,
                                    const QString &reason, const QString &actorNick)
{
    const Affiliation before = room.affiliationOf(bareJid);
    if (before == Affiliation::Owner && affiliation != Affiliation::Owner && room.ownerCount() == 1)
        return u"conflict"_s;   // §10.6: a room keeps at least one owner
    const auto oldAffiliations = room.affiliations;
    const auto oldReasons = room.reasons;
    if (affiliation == Affiliation::None) {
        room.affiliations.remove(bareJid);
        room.reasons.remove(bareJid);
    } else {
        room.affiliations.insert(bareJid, affiliation);
        if (reason.isEmpty())
            room.reasons.remove(bareJid);
        else
            room.reasons.insert(bareJid, reason);
    }
    if (room.config.persistent && !save(room)) {
        room.affiliations = oldAffiliations;
        room.reasons = oldReasons;
        return u"internal-server-error"_s;
    }
    Q_EMIT affiliationsChanged(room.jid.bareString());
    // Occupants of that bare JID see the change (§9.1 ban 301, §9.4 members-only removal 321).
    QStringList nicks;
    for (const Occupant &o : std::as_const(room.occupants)) {
        if (o.real.bareString() == bareJid)
            nicks.append(o.nick);
    }
    for (const QString &nick : std::as_const(nicks)) {
        if (affiliation == Affiliation::Outcast) {
            removeOccupant(room, nick, 301, actorNick, reason);
        } else if (room.config.membersOnly && affiliation < Affiliation::Member) {
            removeOccupant(room, nick, 321, actorNick, reason);
        } else {
            Occupant &o = room.occupants[nick];
            const Role role = Muc::defaultRole(affiliation, room.config.moderated);
            // A voice granted to a visitor stays unless the new affiliation says more.
            if (!(o.role == Role::Participant && role == Role::Visitor))
                o.role = role;
            broadcastPresence(room, o, {}, {});
            Q_EMIT occupantsChanged(room.jid.bareString());
        }
    }
    dropIfEmpty(room);
    return QString();
}

void MucModule::onAdminIq(StanzaEvent &event, Room &room, bool set)
{
    StanzaRouter &router = m_host->router();
    const XmlElement query = event.stanza.firstChildElement();
    const Occupant *actor = room.occupantByReal(event.from);
    const Affiliation actorAffiliation = room.affiliationOf(event.from.bareString());
    const Role actorRole = actor ? actor->role : Role::None;
    const QList<XmlElement> items = query.childElements();
    if (items.isEmpty() || items.constFirst().name() != u"item") {
        router.bounce(event, Condition::BadRequest);
        return;
    }
    if (!set) {
        const XmlElement filter = items.constFirst();
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement answer(u"query"_s, Muc::AdminNs);
        Affiliation wanted;
        Role wantedRole;
        if (Muc::affiliationFromName(filter.attribute(u"affiliation"_s), &wanted) && wanted != Affiliation::None) {
            // §9.5, §10.5: admins and owners read the lists.
            if (actorAffiliation < Affiliation::Admin) {
                router.bounce(event, Condition::Forbidden);
                return;
            }
            for (auto it = room.affiliations.constBegin(); it != room.affiliations.constEnd(); ++it) {
                if (it.value() != wanted)
                    continue;
                XmlElement item(u"item"_s);
                item.setAttribute(u"affiliation"_s, Muc::affiliationName(wanted));
                item.setAttribute(u"jid"_s, it.key());
                if (room.reasons.contains(it.key()))
                    item.appendTextElement(u"reason"_s, room.reasons.value(it.key()));
                answer.appendChild(item);
            }
        } else if (Muc::roleFromName(filter.attribute(u"role"_s), &wantedRole) && wantedRole != Role::None) {
            if (actorRole != Role::Moderator) {
                router.bounce(event, Condition::Forbidden);
                return;
            }
            for (const Occupant &o : std::as_const(room.occupants)) {
                if (o.role != wantedRole)
                    continue;
                XmlElement item(u"item"_s);
                item.setAttribute(u"affiliation"_s, Muc::affiliationName(room.affiliationOf(o)));
                item.setAttribute(u"role"_s, Muc::roleName(o.role));
                item.setAttribute(u"nick"_s, o.nick);
                item.setAttribute(u"jid"_s, o.real.toString());
                answer.appendChild(item);
            }
        } else {
            router.bounce(event, Condition::BadRequest);
            return;
        }
        result.appendChild(answer);
        router.reply(event, result);
        return;
    }

    // A set: every item is checked before any is applied (§9, §10: all or nothing).
    struct Change
    {
        QString nick;
        QString jid;
        bool isRole = false;
        Role role = Role::None;
        Affiliation affiliation = Affiliation::None;
        QString reason;
    };
    QList<Change> changes;
    for (const XmlElement &item : items) {
        Change change;
        change.reason = item.childText(u"reason"_s);
        change.nick = item.attribute(u"nick"_s);
        const QString roleText = item.attribute(u"role"_s);
        const QString affiliationText = item.attribute(u"affiliation"_s);
        if (!affiliationText.isNull()) {
            if (!Muc::affiliationFromName(affiliationText, &change.affiliation)) {
                router.bounce(event, Condition::BadRequest);
                return;
            }
            Jid jid = Jid::parse(item.attribute(u"jid"_s));
            if (jid.isNull() && !change.nick.isEmpty() && room.occupants.contains(change.nick))
                jid = room.occupants.value(change.nick).real;
            if (jid.isNull()) {
                router.bounce(event, Condition::BadRequest);
                return;
            }
            change.jid = jid.bareString();
            const QString refusal = Muc::affiliationChangeRefusal(actorAffiliation, room.affiliationOf(change.jid),
                                                                  change.affiliation);
            if (!refusal.isEmpty()) {
                router.bounce(event, conditionOf(refusal));
                return;
            }
        } else if (!roleText.isNull()) {
            change.isRole = true;
            if (!Muc::roleFromName(roleText, &change.role) || change.nick.isEmpty()) {
                router.bounce(event, Condition::BadRequest);
                return;
            }
            const auto target = room.occupants.constFind(change.nick);
            if (target == room.occupants.constEnd()) {
                router.bounce(event, Condition::ItemNotFound);
                return;
            }
            const QString refusal = Muc::roleChangeRefusal(actorAffiliation, actorRole,
                                                           room.affiliationOf(*target), change.role);
            if (!refusal.isEmpty()) {
                router.bounce(event, conditionOf(refusal));
                return;
            }
        } else {
            router.bounce(event, Condition::BadRequest);
            return;
        }
        changes.append(change);
    }
    const QString actorNick = actor ? actor->nick : QString();
    const QString roomJid = room.jid.bareString();
    for (const Change &change : std::as_const(changes)) {
        Room *current = findRoom(roomJid);
        if (!current)
            break;
        if (change.isRole) {
            if (!current->occupants.contains(change.nick))
                continue;
            if (change.role == Role::None) {
                removeOccupant(*current, change.nick, 307, actorNick, change.reason);   // §8.2 kick
                dropIfEmpty(*current);
            } else {
                Occupant &o = current->occupants[change.nick];
                o.role = change.role;
                XmlElement extra(u"extra"_s);
                if (!change.reason.isEmpty())
                    extra.appendTextElement(u"reason"_s, change.reason);
                broadcastPresence(*current, o, {}, {}, extra);
                Q_EMIT occupantsChanged(roomJid);
            }
        } else {
            const QString error = applyAffiliation(*current, change.jid, change.affiliation, change.reason, actorNick);
            if (!error.isEmpty()) {
                router.bounce(event, conditionOf(error));
                return;
            }
        }
    }
    router.reply(event, StanzaRouter::makeIqResult(event.stanza));
}

void MucModule::onOwnerIq(StanzaEvent &event, Room &room, bool set)
{
    StanzaRouter &router = m_host->router();
    if (room.affiliationOf(event.from.bareString()) != Affiliation::Owner) {
        router.bounce(event, Condition::Forbidden);   // §10.1
        return;
    }
    const XmlElement query = event.stanza.firstChildElement();
    if (!set) {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement answer(u"query"_s, Muc::OwnerNs);
        answer.appendChild(Muc::configForm(room.config));
        result.appendChild(answer);
        router.reply(event, result);
        return;
    }
    const XmlElement destroy = query.firstChildElement(u"destroy"_s);
    if (!destroy.isNull()) {
        destroyRoom(room, destroy.childText(u"reason"_s), destroy.attribute(u"jid"_s));
        router.reply(event, StanzaRouter::makeIqResult(event.stanza));
        return;
    }
    const XmlElement form = query.firstChildElement(u"x"_s, DataNs);
    if (form.isNull()) {
        router.bounce(event, Condition::BadRequest);
        return;
    }
    const QString formType = form.attribute(Type);
    if (formType == u"cancel") {
        // §10.1.3: cancelling the first configuration destroys the locked room.
        if (room.locked)
            destroyRoom(room, QString(), QString());
        router.reply(event, StanzaRouter::makeIqResult(event.stanza));
        return;
    }
    if (formType != u"submit") {
        router.bounce(event, Condition::BadRequest);
        return;
    }
    Muc::RoomConfig config = room.config;
    QString error;
    if (!Muc::applyConfigForm(form, &config, &error)) {
        router.bounce(event, Condition::NotAcceptable, error);
        return;
    }
    const Muc::RoomConfig before = room.config;
    const bool wasLocked = room.locked;
    room.config = config;
    room.locked = false;
    if (config.persistent) {
        if (!save(room)) {
            room.config = before;
            room.locked = wasLocked;
            router.bounce(event, Condition::InternalServerError);
            return;
        }
    } else if (before.persistent && m_store) {
        m_store->remove(room.jid.bareString());
    }
    router.reply(event, StanzaRouter::makeIqResult(event.stanza));
    if (!wasLocked && !(before == config)) {
        // §10.2.1: tell the occupants the configuration changed (104; 172/173 anonymity).
        XmlElement message(u"message"_s);
        message.setAttribute(Type, u"groupchat"_s);
        message.setAttribute(From, room.jid.bareString());
        XmlElement x(u"x"_s, Muc::UserNs);
        x.appendChild(Muc::statusCode(104));
        if (before.whoisAnyone != config.whoisAnyone)
            x.appendChild(Muc::statusCode(config.whoisAnyone ? 172 : 173));
        message.appendChild(x);
        message.setAttribute(u"id"_s, QUuid::createUuid().toString(QUuid::WithoutBraces));
        broadcastMessage(room, message);
    }
    // Members-only from now: non-members leave (§9.4 status 322).
    if (config.membersOnly && !before.membersOnly) {
        QStringList out;
        for (const Occupant &o : std::as_const(room.occupants)) {
            if (room.affiliationOf(o) < Affiliation::Member)
                out.append(o.nick);
        }
        for (const QString &nick : std::as_const(out))
            removeOccupant(room, nick, 322, QString(), QString());
    }
    Q_EMIT roomsChanged();
    dropIfEmpty(room);
}

void MucModule::destroyRoom(Room &room, const QString &reason, const QString &alternate)
{
    // §10.9: every occupant gets unavailable presence with <destroy/> (alternate venue, reason).
    const std::shared_ptr<Room> keep = m_rooms.value(room.jid.bareString());
    for (const Occupant &o : std::as_const(room.occupants)) {
        XmlElement presence(u"presence"_s);
        presence.setAttribute(From, room.jid.withResource(o.nick).toString());
        presence.setAttribute(Type, u"unavailable"_s);
        XmlElement x(u"x"_s, Muc::UserNs);
        XmlElement item(u"item"_s);
        item.setAttribute(u"affiliation"_s, u"none"_s);
        item.setAttribute(u"role"_s, u"none"_s);
        x.appendChild(item);
        XmlElement destroy(u"destroy"_s);
        if (!alternate.isEmpty())
            destroy.setAttribute(u"jid"_s, alternate);
        if (!reason.isEmpty())
            destroy.appendTextElement(u"reason"_s, reason);
        x.appendChild(destroy);
        presence.appendChild(x);
        sendToOccupant(o, presence);
    }
    for (const Occupant &o : std::as_const(room.occupants))
        forgetSessions(room, o);
    if (room.config.persistent && m_store)
        m_store->remove(room.jid.bareString());
    if (archiving())
        m_mam->removeRoomArchive(room.jid);
    const QString jid = room.jid.bareString();
    m_rooms.remove(jid);
    Q_EMIT occupantsChanged(jid);
    Q_EMIT roomsChanged();
}
