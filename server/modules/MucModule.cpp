#include "modules/MucModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "stanza/StanzaError.h"
#include "modules/MamModule.h"
#include "modules/StoredStanza.h"
#include "storage/MucStore.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QRandomGenerator>

using namespace Qt::StringLiterals;
using Muc::Affiliation;
using Muc::Role;
using Condition = StanzaError::Condition;

namespace {
// §7.8.2: an <invite/> or <decline/> passed on from the room to `to`, naming the bare JID of
// who sent it and keeping its reason (and, for an invitation, the room's password).
XmlElement relayedInvitation(const Muc::Room &room, const Jid &to, const XmlElement &original, const Jid &from,
                             const QString &password)
{
    XmlElement message(u"message"_s);
    message.setAttribute(u"from"_s, room.jid.bareString());
    message.setAttribute(u"to"_s, to.toString());
    XmlElement ux(u"x"_s, Muc::UserNs);
    XmlElement relayed(original.name());
    relayed.setAttribute(u"from"_s, from.bareString());
    if (original.hasChildElement(u"reason"_s))
        relayed.appendTextElement(u"reason"_s, original.childText(u"reason"_s));
    ux.appendChild(relayed);
    if (!password.isEmpty())
        ux.appendTextElement(u"password"_s, password);
    message.appendChild(ux);
    return message;
}

const QString DiscoInfoNs = u"http://jabber.org/protocol/disco#info"_s;
const QString DiscoItemsNs = u"http://jabber.org/protocol/disco#items"_s;
const QString DataNs = u"jabber:x:data"_s;
const QString VCardNs = u"vcard-temp"_s;
const QString PingNs = u"urn:xmpp:ping"_s;
const QString DelayNs = u"urn:xmpp:delay"_s;
const QString MamNs = u"urn:xmpp:mam:2"_s;
const QString SidNs = u"urn:xmpp:sid:0"_s;
const QString From = u"from"_s;
const QString To = u"to"_s;
const QString Type = u"type"_s;

QByteArray newSecret()
{
    QByteArray secret(32, Qt::Uninitialized);
    QRandomGenerator::system()->fillRange(reinterpret_cast<quint32 *>(secret.data()), secret.size() / 4);
    return secret;
}

XmlElement identity(const QString &category, const QString &type, const QString &name)
{
    XmlElement e(u"identity"_s);
    e.setAttribute(u"category"_s, category);
    e.setAttribute(u"type"_s, type);
    if (!name.isEmpty())
        e.setAttribute(u"name"_s, name);
    return e;
}

XmlElement feature(const QString &var)
{
    XmlElement e(u"feature"_s);
    e.setAttribute(u"var"_s, var);
    return e;
}

XmlElement formField(const QString &var, const QString &value, const QString &type = QString())
{
    XmlElement f(u"field"_s);
    f.setAttribute(u"var"_s, var);
    if (!type.isEmpty())
        f.setAttribute(u"type"_s, type);
    f.appendTextElement(u"value"_s, value);
    return f;
}

// The client's presence as the room shows it: its payload without MUC elements a client must
// not set (its own muc#user item, an occupant id: XEP-0421 §4).
XmlElement cleanPresence(const XmlElement &presence)
{
    XmlElement clean(u"presence"_s, presence.xmlns());
    for (const XmlElement &child : presence.children()) {
        if (child.isText())
            continue;
        const QString ns = child.xmlns();
        if (ns == Muc::Ns || ns == Muc::UserNs || ns == Muc::OccupantIdNs)
            continue;
        clean.appendChild(child);
    }
    return clean;
}
} // namespace

MucModule::MucModule() = default;
MucModule::~MucModule() = default;

ModuleOptions MucModule::options()
{
    ModuleOptions options;
    ModuleOption domain;
    domain.key = u"muc_domain"_s;
    domain.type = ModuleOption::Type::String;
    options.append(domain);
    ModuleOption create;
    create.key = u"muc_create"_s;
    create.type = ModuleOption::Type::String;
    create.choices = {u"local"_s, u"admins"_s};
    options.append(create);
    return options;
}

void MucModule::load(ModuleHost &host)
{
    m_host = &host;
    const QString configured = host.option(u"muc_domain"_s);
    m_domain = Jid::prepareDomain(configured.isEmpty() ? u"conference."_s + host.domain() : configured);
    if (m_domain.isEmpty())
        m_domain = u"conference."_s + host.domain();
    m_adminsOnly = host.option(u"muc_create"_s, u"local"_s) == u"admins";
    for (const QString &admin : host.option(u"admins"_s).split(u',', Qt::SkipEmptyParts))
        m_admins.insert(admin.trimmed());

    host.addItem(m_domain, u"Chatrooms"_s);
    m_mam = host.find<MamModule>();   // loaded before this module (StandardModules)
    host.hookDomain(m_domain, [this](StanzaEvent &event) { return onStanza(event); });

    if (host.database()) {
        QString error;
        if (!host.migrate(u"muc"_s, MucStore::migrations(), &error)) {
            qCWarning(lcServer) << "muc: schema:" << error;
        } else {
            m_store = std::make_unique<MucStore>(host.database());
            QList<MucStore::Room> stored;
            if (!m_store->load(&stored, &error))
                qCWarning(lcServer) << "muc: loading rooms:" << error;
            for (const MucStore::Room &s : stored) {
                auto room = std::make_shared<Room>();
                room->jid = Jid::parse(s.jid);
                if (room->jid.isNull())
                    continue;
                room->config = Muc::RoomConfig::fromJson(s.config);
                room->config.persistent = true;
                room->subject = s.subject;
                room->subjectFrom = s.subjectFrom;
                room->secret = s.secret;
                if (!s.vcard.isEmpty())
                    room->vcard = StoredStanza::fromText(s.vcard);
                for (auto it = s.affiliations.constBegin(); it != s.affiliations.constEnd(); ++it) {
                    Affiliation a;
                    if (Muc::affiliationFromName(it.value().first, &a) && a != Affiliation::None) {
                        room->affiliations.insert(it.key(), a);
                        if (!it.value().second.isEmpty())
                            room->reasons.insert(it.key(), it.value().second);
                    }
                }
                m_rooms.insert(room->jid.bareString(), room);
            }
        }
    }

    // An occupant's session ends (closed, kicked, timed out, hibernation given up): it leaves
    // every room (§7.14 on its behalf).
    host.hookSession(SessionManager::Event::Closed, [this](Session *session) { endSession(session); });
    // Unavailable presence without 'to' ends the directed presence sent to rooms too
    // (RFC 6121 §4.6.3); the presence module does the rest, so this handler only observes.
    host.hook(Event::pre(Kind::Presence, Target::Broadcast), [this](StanzaEvent &event) {
        if (event.origin && event.stanza.attribute(Type) == u"unavailable")
            endSession(event.origin);
        return false;
    }, 500);
}

void MucModule::endSession(Session *session)
{
    const auto it = m_roomsOf.constFind(session->fullJid());
    if (it == m_roomsOf.constEnd())
        return;
    const QSet<QString> rooms = *it;
    XmlElement unavailable(u"presence"_s);
    unavailable.setAttribute(Type, u"unavailable"_s);
    for (const QString &roomJid : rooms) {
        if (Room *room = findRoom(roomJid))
            leave(*room, session->fullJid(), unavailable);
    }
}

MucModule::Room *MucModule::findRoom(const Jid &roomJid) const
{
    return findRoom(roomJid.bareString());
}

MucModule::Room *MucModule::findRoom(const QString &roomJid) const
{
    const auto it = m_rooms.constFind(roomJid);
    return it == m_rooms.constEnd() ? nullptr : it->get();
}

bool MucModule::onStanza(StanzaEvent &event)
{
    if (event.to.node().isEmpty())
        onServiceStanza(event);
    else if (event.to.isFull())
        onOccupantStanza(event);
    else
        onRoomStanza(event);
    return true;
}

// --- the service itself ---

void MucModule::onServiceStanza(StanzaEvent &event)
{
    const QString type = event.stanza.attribute(Type);
    if (event.kind != Kind::Iq || (type != u"get" && type != u"set")) {
        if (event.kind == Kind::Message)
            m_host->router().bounce(event, Condition::ServiceUnavailable);
        return;
    }
    const XmlElement query = event.stanza.firstChildElement();
    if (type == u"get" && query.name() == u"query" && query.xmlns() == DiscoInfoNs
        && query.attribute(u"node"_s).isEmpty()) {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement answer(u"query"_s, DiscoInfoNs);
        answer.appendChild(identity(u"conference"_s, u"text"_s, u"Chatrooms"_s));
        for (const QString &f : {DiscoInfoNs, DiscoItemsNs, Muc::Ns, Muc::UserNs, VCardNs, PingNs})
            answer.appendChild(feature(f));
        result.appendChild(answer);
        m_host->router().reply(event, result);
        return;
    }
    if (type == u"get" && query.name() == u"query" && query.xmlns() == DiscoItemsNs) {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement answer(u"query"_s, DiscoItemsNs);
        QStringList jids = m_rooms.keys();
        jids.sort();
        for (const QString &jid : std::as_const(jids)) {
            const Room &room = *m_rooms.value(jid);
            if (!room.config.isPublic || room.locked)
                continue;
            XmlElement item(u"item"_s);
            item.setAttribute(u"jid"_s, jid);
            item.setAttribute(u"name"_s, room.config.name.isEmpty() ? room.jid.node() : room.config.name);
            answer.appendChild(item);
        }
        result.appendChild(answer);
        m_host->router().reply(event, result);
        return;
    }
    if (type == u"get" && query.name() == u"ping" && query.xmlns() == PingNs) {
        m_host->router().reply(event, StanzaRouter::makeIqResult(event.stanza));
        return;
    }
    m_host->router().bounce(event, Condition::ServiceUnavailable);
}

// --- the room's bare JID ---

void MucModule::onRoomStanza(StanzaEvent &event)
{
    StanzaRouter &router = m_host->router();
    Room *room = findRoom(event.to);
    const QString type = event.stanza.attribute(Type);
    if (event.kind == Kind::Presence) {
        // §7.2.1: joining needs a nickname; presence to the bare room JID is an error.
        if (type != u"error" && type != u"unavailable")
            router.bounce(event, Condition::JidMalformed);
        return;
    }
    if (event.kind == Kind::Message) {
        if (!room) {
            router.bounce(event, Condition::ItemNotFound);
            return;
        }
        if (type == u"groupchat") {
            onGroupchat(event, *room);
            return;
        }
        if (type == u"error")
            return;
        const XmlElement x = event.stanza.firstChildElement(u"x"_s, Muc::UserNs);
        if (!x.isNull() && (x.hasChildElement(u"invite"_s) || x.hasChildElement(u"decline"_s))) {
            onInvite(event, *room, x);
            return;
        }
        router.bounce(event, Condition::BadRequest);
        return;
    }
    // iq
    if (type != u"get" && type != u"set")
        return;
    const bool set = type == u"set";
    const XmlElement query = event.stanza.firstChildElement();
    if (!room || (room->locked && room->affiliationOf(event.from.bareString()) != Affiliation::Owner)) {
        router.bounce(event, Condition::ItemNotFound);
        return;
    }
    const QString ns = query.xmlns();
    if (ns == Muc::AdminNs && query.name() == u"query")
        onAdminIq(event, *room, set);
    else if (ns == Muc::OwnerNs && query.name() == u"query")
        onOwnerIq(event, *room, set);
    else if (!set && query.name() == u"query" && (ns == DiscoInfoNs || ns == DiscoItemsNs))
        onRoomDisco(event, *room, ns == DiscoInfoNs);
    else if (ns == VCardNs && query.name() == u"vCard")
        onRoomVCard(event, *room, set);
    else if (ns == MamNs && archiving())
        onRoomArchive(event, *room);
    else if (!set && ns == PingNs && query.name() == u"ping")
        router.reply(event, StanzaRouter::makeIqResult(event.stanza));
    else
        router.bounce(event, Condition::ServiceUnavailable);
}

// --- an occupant JID (room/nick) ---

void MucModule::onOccupantStanza(StanzaEvent &event)
{
    StanzaRouter &router = m_host->router();
    Room *room = findRoom(event.to);
    if (event.kind == Kind::Presence) {
        onPresence(event, room);
        return;
    }
    const QString type = event.stanza.attribute(Type);
    const Occupant *sender = room ? room->occupantByReal(event.from) : nullptr;
    if (!sender) {
        // §7.5: only occupants send private messages; XEP-0410 §3: a self-ping of someone not
        // joined gets not-acceptable.
        if (type != u"error" && type != u"result")
            router.bounce(event, room ? Condition::NotAcceptable : Condition::ItemNotFound);
        return;
    }
    const QString nick = event.to.resource();
    const auto target = room->occupants.constFind(nick);
    if (event.kind == Kind::Iq) {
        // XEP-0410: a ping to one's own occupant JID is answered by the service.
        const XmlElement payload = event.stanza.firstChildElement();
        if (type == u"get" && nick == sender->nick && payload.name() == u"ping" && payload.xmlns() == PingNs) {
            router.reply(event, StanzaRouter::makeIqResult(event.stanza));
            return;
        }
        if (target == room->occupants.constEnd()) {
            if (type == u"get" || type == u"set")
                router.bounce(event, Condition::ItemNotFound);
            return;
        }
        // §7.6 (IQ between occupants): passed on with the sender's occupant JID.
        XmlElement copy = event.stanza;
        copy.setAttribute(From, room->jid.withResource(sender->nick).toString());
        sendTo(target->real, copy);
        return;
    }
    // message
    if (type == u"error")
        return;
    if (type == u"groupchat") {
        router.bounce(event, Condition::BadRequest);   // §7.5: a private message is not groupchat
        return;
    }
    if (target == room->occupants.constEnd()) {
        router.bounce(event, Condition::ItemNotFound);
        return;
    }
    XmlElement copy = event.stanza;
    copy.setAttribute(From, room->jid.withResource(sender->nick).toString());
    copy.removeChildElements(u"x"_s, Muc::UserNs);
    copy.appendChild(XmlElement(u"x"_s, Muc::UserNs));   // §7.5: marks a private message
    sendToOccupant(*target, copy);
}

void MucModule::onPresence(StanzaEvent &event, Room *room)
{
    StanzaRouter &router = m_host->router();
    const QString type = event.stanza.attribute(Type);
    if (type == u"error") {
        // An occupant's client refused our presence: it is gone (as Prosody treats it).
        if (room && room->nickOf.contains(event.from))
            leave(*room, event.from, XmlElement(u"presence"_s).setAttribute(Type, u"unavailable"_s));
        return;
    }
    if (!type.isEmpty() && type != u"unavailable")
        return;   // subscriptions and probes have no meaning for a room
    const QString nick = Muc::prepareNick(event.to.resource());
    if (nick.isEmpty()) {
        router.bounce(event, Condition::JidMalformed);
        return;
    }
    const auto current = room ? room->nickOf.constFind(event.from) : QHash<Jid, QString>::const_iterator();
    const bool isOccupant = room && current != room->nickOf.constEnd();
    if (type == u"unavailable") {
        if (isOccupant)
            leave(*room, event.from, event.stanza);   // may delete the room
        return;
    }
    if (!isOccupant) {
        join(event, room, nick);
        return;
    }
    if (*current != nick) {
        changeNick(event, *room, *current, nick);
        return;
    }
    // §7.7: a presence update of an occupant.
    Occupant &occupant = room->occupants[nick];
    occupant.presence = cleanPresence(event.stanza);
    broadcastPresence(*room, occupant, {}, {});
}

void MucModule::join(StanzaEvent &event, Room *room, const QString &nick)
{
    StanzaRouter &router = m_host->router();
    const QString bare = event.from.bareString();
    const XmlElement mucX = event.stanza.firstChildElement(u"x"_s, Muc::Ns);
    bool created = false;
    if (!room) {
        // §10.1.1: creating a room. Who may: local users, or only the admins (muc_create).
        const bool local = event.from.domain() == m_host->domain();
        if (!local || (m_adminsOnly && !m_admins.contains(bare))) {
            router.bounce(event, Condition::NotAllowed, u"You may not create rooms here"_s);
            return;
        }
        const QString node = Jid::prepareNode(event.to.node());
        if (node.isEmpty() || node != event.to.node()) {
            router.bounce(event, Condition::JidMalformed);
            return;
        }
        auto fresh = std::make_shared<Room>();
        fresh->jid = event.to.bare();
        fresh->secret = newSecret();
        fresh->affiliations.insert(bare, Affiliation::Owner);
        // A client speaking XEP-0045 waits for the configuration; a groupchat 1.0 client
        // (no <x/>) gets an instant room at once (§7.1.1, §10.1.1).
        fresh->locked = !mucX.isNull();
        m_rooms.insert(fresh->jid.bareString(), fresh);
        room = fresh.get();
        created = true;
    }
    const Affiliation affiliation = room->affiliationOf(bare);
    // The order of checks follows §7.2: locked, banned, members-only, password, full, nick.
    if (room->locked && !created) {
        router.bounce(event, Condition::ItemNotFound, u"This room is locked until its owner configures it"_s);
        return;
    }
    if (affiliation == Affiliation::Outcast) {
        router.bounce(event, Condition::Forbidden, u"You are banned from this room"_s);   // §7.2.8
        return;
    }
    if (room->config.membersOnly && affiliation < Affiliation::Member) {
        router.bounce(event, Condition::RegistrationRequired, u"This room is members-only"_s);   // §7.2.7
        return;
    }
    if (!room->config.password.isEmpty() && affiliation < Affiliation::Admin
        && mucX.childText(u"password"_s) != room->config.password) {
        router.bounce(event, Condition::NotAuthorized, u"A password is required"_s);   // §7.2.6
        return;
    }
    if (room->config.maxUsers > 0 && room->occupants.size() >= room->config.maxUsers
        && affiliation < Affiliation::Admin) {
        router.bounce(event, Condition::ServiceUnavailable, u"This room is full"_s);   // §7.2.10
        return;
    }
    if (const auto held = room->occupants.find(nick); held != room->occupants.end()) {
        if (held->real.bare() != event.from.bare()) {
            router.bounce(event, Condition::Conflict, u"This nickname is in use"_s);   // §7.2.9
            return;
        }
        // Another session of the same user under the same nick joins the occupant: it gets
        // the room as a joiner does; the others see no change.
        held->otherSessions.append(event.from);
        room->nickOf.insert(event.from, nick);
        m_roomsOf[event.from].insert(room->jid.bareString());
        const Occupant &occupant = *held;
        for (const Occupant &other : std::as_const(room->occupants)) {
            if (other.nick == nick)
                continue;
            const bool seeJid = room->config.whoisAnyone || occupant.role == Role::Moderator;
            sendTo(event.from, occupantPresence(*room, other, seeJid, {}, XmlElement(), false));
        }
        sendTo(event.from, occupantPresence(*room, occupant, true, {110}, XmlElement(), false));
        const Muc::HistoryRequest request =
            Muc::parseHistory(mucX.firstChildElement(u"history"_s), QDateTime::currentMSecsSinceEpoch());
        sendHistory(*room, event.from, request);
        sendSubject(*room, event.from);
        Q_EMIT occupantsChanged(room->jid.bareString());
        return;
    }
    Occupant occupant;
    occupant.nick = nick;
    occupant.real = event.from;
    occupant.role = Muc::defaultRole(affiliation, room->config.moderated);
    occupant.presence = cleanPresence(event.stanza);
    occupant.occupantId = Muc::occupantId(room->secret, bare);

    // §7.2.3: first the presence of everyone already there, then the new occupant's own to
    // everyone (and to itself last among them, with 110), then history, then the subject.
    for (const Occupant &other : std::as_const(room->occupants)) {
        const bool seeJid = room->config.whoisAnyone || occupant.role == Role::Moderator;
        sendTo(occupant.real, occupantPresence(*room, other, seeJid, {}, XmlElement(), false));
    }
    room->occupants.insert(nick, occupant);
    room->nickOf.insert(occupant.real, nick);
    m_roomsOf[occupant.real].insert(room->jid.bareString());
    QList<int> selfCodes;
    if (room->config.whoisAnyone)
        selfCodes.append(100);
    if (archiving())
        selfCodes.append(170);   // §7.2.12: the room is logged
    if (created)
        selfCodes.append(201);
    if (event.to.resource() != nick)
        selfCodes.append(210);   // §7.2.11: the service changed the nickname (here: prepared it)
    broadcastPresence(*room, room->occupants[nick], {}, selfCodes);

    const Muc::HistoryRequest request =
        Muc::parseHistory(mucX.firstChildElement(u"history"_s), QDateTime::currentMSecsSinceEpoch());
    sendHistory(*room, occupant.real, request);
    // Also to the creator of a locked room: clients wait for the subject to know the join is
    // complete (as Prosody does).
    sendSubject(*room, occupant.real);
    Q_EMIT roomsChanged();
    Q_EMIT occupantsChanged(room->jid.bareString());
}

void MucModule::sendHistory(const Room &room, const Jid &real, const Muc::HistoryRequest &request)
{
    for (const Muc::HistoryEntry &entry : Muc::selectHistory(room.history, request)) {
        XmlElement message = entry.message;
        XmlElement delay(u"delay"_s, DelayNs);
        delay.setAttribute(From, room.jid.bareString());
        delay.setAttribute(u"stamp"_s,
                           QDateTime::fromMSecsSinceEpoch(entry.stampMs, Qt::UTC).toString(Qt::ISODateWithMs));
        message.appendChild(delay);
        sendTo(real, message);
    }
}

void MucModule::sendSubject(const Room &room, const Jid &real)
{
    // §7.2.16: always sent, empty when there is none; from the nick that set it if known.
    XmlElement message(u"message"_s);
    message.setAttribute(Type, u"groupchat"_s);
    message.setAttribute(From, room.subjectFrom.isEmpty() ? room.jid.bareString()
                                                          : room.jid.withResource(room.subjectFrom).toString());
    message.appendTextElement(u"subject"_s, room.subject);
    sendTo(real, message);
}

void MucModule::changeNick(StanzaEvent &event, Room &room, const QString &oldNick, const QString &newNick)
{
    // §7.6: conflict first; then unavailable from the old nick with 303 and the new one, then
    // available from the new nick.
    if (room.occupants.contains(newNick)) {
        m_host->router().bounce(event, Condition::Conflict, u"This nickname is in use"_s);
        return;
    }
    Occupant occupant = room.occupants.take(oldNick);
    XmlElement newNickMarker(u"nick"_s);
    newNickMarker.setAttribute(u"value"_s, newNick);
    room.occupants.insert(oldNick, occupant);   // still there for the broadcast
    broadcastPresence(room, occupant, {303}, {}, newNickMarker, true);
    room.occupants.remove(oldNick);
    occupant.nick = newNick;
    occupant.presence = cleanPresence(event.stanza);
    room.occupants.insert(newNick, occupant);
    room.nickOf.insert(occupant.real, newNick);
    for (const Jid &other : std::as_const(occupant.otherSessions))
        room.nickOf.insert(other, newNick);
    broadcastPresence(room, room.occupants[newNick], {}, {});
    Q_EMIT occupantsChanged(room.jid.bareString());
}

void MucModule::leave(Room &room, const Jid &real, const XmlElement &unavailable)
{
    const auto nick = room.nickOf.constFind(real);
    if (nick == room.nickOf.constEnd())
        return;
    const QString name = *nick;
    Occupant occupant = room.occupants.value(name);
    if (!occupant.otherSessions.isEmpty()) {
        // One session of several leaves: only it hears so (110); the occupant stays.
        Occupant &staying = room.occupants[name];
        if (staying.real == real)
            staying.real = staying.otherSessions.takeFirst();
        else
            staying.otherSessions.removeAll(real);
        room.nickOf.remove(real);
        if (auto rooms = m_roomsOf.find(real); rooms != m_roomsOf.end()) {
            rooms->remove(room.jid.bareString());
            if (rooms->isEmpty())
                m_roomsOf.erase(rooms);
        }
        sendTo(real, occupantPresence(room, occupant, true, {110}, XmlElement(), true));
        Q_EMIT occupantsChanged(room.jid.bareString());
        return;
    }
    occupant.presence = cleanPresence(unavailable);
    room.occupants.insert(name, occupant);
    broadcastPresence(room, occupant, {}, {}, XmlElement(), true);
    room.occupants.remove(name);
    room.nickOf.remove(real);
    if (auto rooms = m_roomsOf.find(real); rooms != m_roomsOf.end()) {
        rooms->remove(room.jid.bareString());
        if (rooms->isEmpty())
            m_roomsOf.erase(rooms);
    }
    Q_EMIT occupantsChanged(room.jid.bareString());
    Q_EMIT roomsChanged();
    dropIfEmpty(room);
}

void MucModule::dropIfEmpty(Room &room)
{
    if (!room.occupants.isEmpty() || room.config.persistent)
        return;
    // A temporary room goes with its last occupant (§10.1.3 muc#roomconfig_persistentroom),
    // and its archive with it: a new room of that name starts empty.
    if (archiving())
        m_mam->removeRoomArchive(room.jid);
    m_rooms.remove(room.jid.bareString());   // `room` is gone after this line
    Q_EMIT roomsChanged();
}

// --- presence and message fan-out ---

XmlElement MucModule::occupantPresence(const Room &room, const Occupant &occupant, bool withJid,
                                       const QList<int> &codes, const XmlElement &itemExtra, bool unavailable) const
{
    XmlElement presence = occupant.presence.isNull() ? XmlElement(u"presence"_s) : occupant.presence;
    presence.setAttribute(From, room.jid.withResource(occupant.nick).toString());
    presence.setAttribute(To, QString());
    presence.setAttribute(u"id"_s, QString());
    presence.setAttribute(Type, unavailable ? u"unavailable"_s : QString());
    XmlElement x(u"x"_s, Muc::UserNs);
    XmlElement item(u"item"_s);
    item.setAttribute(u"affiliation"_s, Muc::affiliationName(room.affiliationOf(occupant)));
    item.setAttribute(u"role"_s, Muc::roleName(unavailable ? Role::None : occupant.role));
    if (withJid)
        item.setAttribute(u"jid"_s, occupant.real.toString());
    for (const XmlElement &extra : itemExtra.childElements())
        item.appendChild(extra);
    if (itemExtra.name() == u"nick")
        item.setAttribute(u"nick"_s, itemExtra.attribute(u"value"_s));
    x.appendChild(item);
    for (int code : codes)
        x.appendChild(Muc::statusCode(code));
    presence.appendChild(x);
    XmlElement id(u"occupant-id"_s, Muc::OccupantIdNs);
    id.setAttribute(u"id"_s, occupant.occupantId);
    presence.appendChild(id);
    return presence;
}

void MucModule::broadcastPresence(Room &room, const Occupant &occupant, const QList<int> &codes,
                                  const QList<int> &selfCodes, const XmlElement &itemExtra, bool unavailable)
{
    // At most four variants are built, each once per broadcast however many occupants there
    // are; per occupant only 'to' differs (a shallow copy of an implicitly shared tree).
    XmlElement withJid, withoutJid;
    for (const Occupant &to : std::as_const(room.occupants)) {
        if (to.real == occupant.real)
            continue;
        const bool seeJid = room.config.whoisAnyone || to.role == Role::Moderator;
        XmlElement &variant = seeJid ? withJid : withoutJid;
        if (variant.isNull())
            variant = occupantPresence(room, occupant, seeJid, codes, itemExtra, unavailable);
        sendToOccupant(to, variant);
    }
    QList<int> own = codes + selfCodes;
    own.append(110);
    sendToOccupant(occupant, occupantPresence(room, occupant, true, own, itemExtra, unavailable));
}

void MucModule::sendToOccupant(const Occupant &occupant, const XmlElement &stanza)
{
    sendTo(occupant.real, stanza);
    for (const Jid &other : occupant.otherSessions)
        sendTo(other, stanza);
}

void MucModule::forgetSessions(Room &room, const Occupant &occupant)
{
    QList<Jid> all = occupant.otherSessions;
    all.prepend(occupant.real);
    for (const Jid &real : std::as_const(all)) {
        room.nickOf.remove(real);
        if (auto rooms = m_roomsOf.find(real); rooms != m_roomsOf.end()) {
            rooms->remove(room.jid.bareString());
            if (rooms->isEmpty())
                m_roomsOf.erase(rooms);
        }
    }
}

void MucModule::sendTo(const Jid &real, XmlElement stanza)
{
    stanza.setAttribute(To, real.toString());
    m_host->router().deliverToFullJid(real, stanza);
}

void MucModule::broadcastMessage(Room &room, const XmlElement &message)
{
    for (const Occupant &to : std::as_const(room.occupants))
        sendToOccupant(to, message);
}

void MucModule::onGroupchat(StanzaEvent &event, Room &room)
{
    StanzaRouter &router = m_host->router();
    const Occupant *sender = room.occupantByReal(event.from);
    if (!sender) {
        router.bounce(event, Condition::NotAcceptable, u"Only occupants may send messages to the room"_s);   // §7.4
        return;
    }
    const bool hasSubject = event.stanza.hasChildElement(u"subject"_s);
    const bool hasBody = event.stanza.hasChildElement(u"body"_s);
    if (sender->role == Role::Visitor) {
        router.bounce(event, Condition::Forbidden, u"Visitors may not speak in a moderated room"_s);   // §7.4
        return;
    }
    if (hasSubject && !hasBody) {
        // §8.1: moderators, or participants where the room allows it.
        if (sender->role != Role::Moderator && !room.config.changeSubject) {
            router.bounce(event, Condition::Forbidden, u"You may not change the subject"_s);
            return;
        }
        room.subject = event.stanza.childText(u"subject"_s);
        room.subjectFrom = sender->nick;
        if (room.config.persistent && !save(room)) {
            router.bounce(event, Condition::InternalServerError);
            return;
        }
        Q_EMIT roomsChanged();
    }
    XmlElement message(u"message"_s);
    message.setAttribute(Type, u"groupchat"_s);
    message.setAttribute(From, room.jid.withResource(sender->nick).toString());
    const QString id = event.stanza.attribute(u"id"_s);
    if (!id.isEmpty())
        message.setAttribute(u"id"_s, id);
    const QString lang = event.stanza.attribute(u"xml:lang"_s);
    if (!lang.isEmpty())
        message.setAttribute(u"xml:lang"_s, lang);
    for (const XmlElement &child : event.stanza.children()) {
        if (child.isText())
            continue;
        const QString ns = child.xmlns();
        // XEP-0359 §3.1 and XEP-0421 §4: ids the room vouches for are its own alone.
        if ((child.name() == u"stanza-id" && ns == u"urn:xmpp:sid:0") || ns == Muc::OccupantIdNs
            || (child.name() == u"delay" && ns == DelayNs))
            continue;
        message.appendChild(child);
    }
    XmlElement occupantIdElement(u"occupant-id"_s, Muc::OccupantIdNs);
    occupantIdElement.setAttribute(u"id"_s, sender->occupantId);
    message.appendChild(occupantIdElement);
    if (hasBody && archiving()) {
        // XEP-0313 §5.1 / XEP-0359: archived as the room sends it; every copy carries the id.
        const QString archiveId = m_mam->archiveRoomMessage(room.jid, room.jid.withResource(sender->nick), message);
        if (!archiveId.isEmpty()) {
            XmlElement stanzaId(u"stanza-id"_s, SidNs);
            stanzaId.setAttribute(u"id"_s, archiveId);
            stanzaId.setAttribute(u"by"_s, room.jid.bareString());
            message.appendChild(stanzaId);
        }
    }

    if (hasBody && room.config.historyLength > 0) {
        Muc::HistoryEntry entry;
        entry.message = message;
        entry.stampMs = QDateTime::currentMSecsSinceEpoch();
        entry.chars = int(message.toXml().size());
        room.history.push_back(entry);
        while (room.history.size() > size_t(room.config.historyLength))
            room.history.pop_front();
    }
    broadcastMessage(room, message);
}

void MucModule::onInvite(StanzaEvent &event, Room &room, const XmlElement &x)
{
    StanzaRouter &router = m_host->router();
    const Occupant *sender = room.occupantByReal(event.from);
    const Affiliation affiliation = room.affiliationOf(event.from.bareString());
    for (const XmlElement &decline : x.childElements()) {
        if (decline.name() != u"decline")
            continue;
        // §7.8.2: a decline goes back to the inviter, from the room.
        const Jid inviter = Jid::parse(decline.attribute(To));
        if (inviter.isNull())
            continue;
        router.post(relayedInvitation(room, inviter, decline, event.from, QString()));
    }
    const QList<XmlElement> invites = [&] {
        QList<XmlElement> list;
        for (const XmlElement &i : x.childElements())
            if (i.name() == u"invite")
                list.append(i);
        return list;
    }();
    if (invites.isEmpty())
        return;
    if (!sender) {
        router.bounce(event, Condition::NotAcceptable, u"Only occupants may invite"_s);
        return;
    }
    // §7.8.2: in a members-only room only admins and owners invite unless the room allows
    // occupants to; an invitation by an admin or owner makes the invitee a member.
    if (room.config.membersOnly && affiliation < Affiliation::Admin && !room.config.allowInvites) {
        router.bounce(event, Condition::Forbidden, u"Only admins may invite into this room"_s);
        return;
    }
    for (const XmlElement &invite : invites) {
        const Jid invitee = Jid::parse(invite.attribute(To));
        if (invitee.isNull()) {
            router.bounce(event, Condition::JidMalformed);
            return;
        }
        if (room.config.membersOnly && affiliation >= Affiliation::Admin
            && room.affiliationOf(invitee.bareString()) == Affiliation::None) {
            const QString error = applyAffiliation(room, invitee.bareString(), Affiliation::Member, QString(),
                                                   sender->nick);
            if (!error.isEmpty()) {
                router.bounce(event, Condition::InternalServerError);
                return;
            }
        }
        XmlElement message = relayedInvitation(room, invitee, invite, event.from, room.config.password);
        message.appendTextElement(u"body"_s, event.from.bareString() + u" invites you to the room "_s
                                                 + room.jid.bareString());
        router.post(message);
    }
}

void MucModule::onRoomDisco(StanzaEvent &event, Room &room, bool info)
{
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    if (!info) {
        // §6.5: occupants are not listed (that would undo semi-anonymity).
        result.appendChild(XmlElement(u"query"_s, DiscoItemsNs));
        m_host->router().reply(event, result);
        return;
    }
    const Muc::RoomConfig &c = room.config;
    XmlElement answer(u"query"_s, DiscoInfoNs);
    answer.appendChild(identity(u"conference"_s, u"text"_s, c.name.isEmpty() ? room.jid.node() : c.name));
    QStringList features{Muc::Ns, DiscoInfoNs, VCardNs, Muc::OccupantIdNs,
                         u"http://jabber.org/protocol/muc#self-ping-optimization"_s,
                         c.persistent ? u"muc_persistent"_s : u"muc_temporary"_s,
                         c.isPublic ? u"muc_public"_s : u"muc_hidden"_s,
                         c.membersOnly ? u"muc_membersonly"_s : u"muc_open"_s,
                         c.password.isEmpty() ? u"muc_unsecured"_s : u"muc_passwordprotected"_s,
                         c.moderated ? u"muc_moderated"_s : u"muc_unmoderated"_s,
                         c.whoisAnyone ? u"muc_nonanonymous"_s : u"muc_semianonymous"_s};
    if (archiving())
        features << MamNs << SidNs;
    for (const QString &f : std::as_const(features))
        answer.appendChild(feature(f));
    XmlElement form(u"x"_s, DataNs);
    form.setAttribute(Type, u"result"_s);
    form.appendChild(formField(u"FORM_TYPE"_s, u"http://jabber.org/protocol/muc#roominfo"_s, u"hidden"_s));
    form.appendChild(formField(u"muc#roominfo_description"_s, c.description));
    form.appendChild(formField(u"muc#roominfo_occupants"_s, QString::number(room.occupants.size())));
    form.appendChild(formField(u"muc#roominfo_subject"_s, room.subject));
    form.appendChild(formField(u"muc#roomconfig_roomname"_s, c.name));
    const QString photo = room.vcard.firstChildElement(u"PHOTO"_s).childText(u"BINVAL"_s);
    if (!photo.isEmpty()) {
        const QByteArray data = QByteArray::fromBase64(photo.toLatin1());
        form.appendChild(formField(u"muc#roominfo_avatarhash"_s,
                                   QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha1).toHex())));
    }
    answer.appendChild(form);
    result.appendChild(answer);
    m_host->router().reply(event, result);
}

void MucModule::onRoomVCard(StanzaEvent &event, Room &room, bool set)
{
    StanzaRouter &router = m_host->router();
    if (!set) {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        result.appendChild(room.vcard.isNull() ? XmlElement(u"vCard"_s, VCardNs) : room.vcard);
        router.reply(event, result);
        return;
    }
    // Room avatars as in Prosody 0.13: owners set the room's vCard, anyone reads it.
    if (room.affiliationOf(event.from.bareString()) != Affiliation::Owner) {
        router.bounce(event, Condition::Forbidden);
        return;
    }
    const XmlElement vcard = event.stanza.firstChildElement();
    if (vcard.toXml().size() > 256 * 1024) {
        router.bounce(event, Condition::NotAcceptable, u"The vCard is too large"_s);
        return;
    }
    const XmlElement before = room.vcard;
    room.vcard = vcard;
    if (room.config.persistent && !save(room)) {
        room.vcard = before;
        router.bounce(event, Condition::InternalServerError);
        return;
    }
    router.reply(event, StanzaRouter::makeIqResult(event.stanza));
}

bool MucModule::archiving() const
{
    return m_mam && m_mam->isReady();
}

void MucModule::onRoomArchive(StanzaEvent &event, Room &room)
{
    // XEP-0313 §5.1.1 on a room: a members-only room's archive is for its members; nobody
    // banned reads any (Prosody's rule as well).
    const Affiliation affiliation = room.affiliationOf(event.from.bareString());
    if (affiliation == Affiliation::Outcast || (room.config.membersOnly && affiliation < Affiliation::Member)) {
        m_host->router().bounce(event, Condition::Forbidden);
        return;
    }
    StanzaRouter *router = &m_host->router();
    const Jid requester = event.from;
    const bool handled = m_mam->handleRoomIq(event.stanza, requester, room.jid, [router, requester](const XmlElement &s) {
        router->deliverToFullJid(requester, s);
    });
    if (!handled)
        m_host->router().bounce(event, Condition::ServiceUnavailable);
}

bool MucModule::save(const Room &room)
{
    if (!m_store)
        return true;   // no database (unit tests of the protocol alone)
    MucStore::Room s;
    s.jid = room.jid.bareString();
    s.config = room.config.toJson();
    s.subject = room.subject;
    s.subjectFrom = room.subjectFrom;
    s.secret = room.secret;
    s.vcard = room.vcard.isNull() ? QString() : StoredStanza::toText(room.vcard);
    for (auto it = room.affiliations.constBegin(); it != room.affiliations.constEnd(); ++it)
        s.affiliations.insert(it.key(), {Muc::affiliationName(it.value()), room.reasons.value(it.key())});
    QString error;
    if (!m_store->save(s, &error)) {
        qCWarning(lcServer) << "muc: saving" << s.jid << error;
        return false;
    }
    return true;
}
