// MucModule, continued: the rooms as the console sees them and what an administrator does to
// them from there (MucService), each action audited.
#include "modules/MucModule.h"

#include "host/AdminActions.h"
#include "host/ModuleHost.h"

using namespace Qt::StringLiterals;
using Muc::Affiliation;

namespace {
// What the console sees of one occupant (of one of its sessions, when `real` is given).
MucOccupantInfo occupantInfo(const Muc::Room &room, const QString &roomJid, const Muc::Occupant &o, const Jid &real)
{
    MucOccupantInfo i;
    i.roomJid = roomJid;
    i.nick = o.nick;
    i.realJid = real.toString();
    i.role = o.role;
    i.affiliation = room.affiliationOf(o);
    i.occupantId = o.occupantId;
    return i;
}
} // namespace

void MucModule::audit(const QString &action, const QString &target, const QString &reason, const QString &actor)
{
    if (m_host && m_host->admin())
        m_host->admin()->audit(action, target, reason, actor);
}

// --- MucService ---

QList<MucRoomInfo> MucModule::rooms() const
{
    QList<MucRoomInfo> list;
    list.reserve(m_rooms.size());
    for (const auto &room : m_rooms)
        list.append(room->info());
    std::sort(list.begin(), list.end(), [](const MucRoomInfo &a, const MucRoomInfo &b) { return a.jid < b.jid; });
    return list;
}

bool MucModule::room(const QString &roomJid, MucRoomInfo *info) const
{
    const Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return false;
    if (info)
        *info = room->info();
    return true;
}

QList<MucOccupantInfo> MucModule::occupants(const QString &roomJid) const
{
    QList<MucOccupantInfo> list;
    const Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return list;
    for (const Occupant &o : std::as_const(room->occupants)) {
        list.append(occupantInfo(*room, room->jid.bareString(), o, o.real));
    }
    return list;
}

QList<MucOccupantInfo> MucModule::occupancies(const QString &jid) const
{
    QList<MucOccupantInfo> list;
    const Jid who = Jid::parse(jid);
    if (who.isNull())
        return list;
    for (auto it = m_roomsOf.constBegin(); it != m_roomsOf.constEnd(); ++it) {
        if (who.isFull() ? it.key() != who : it.key().bare() != who)
            continue;
        for (const QString &roomJid : *it) {
            const Room *room = findRoom(roomJid);
            if (!room || !room->nickOf.contains(it.key()))
                continue;
            const Occupant &o = room->occupants.find(room->nickOf.value(it.key())).value();
            list.append(occupantInfo(*room, roomJid, o, it.key()));
        }
    }
    return list;
}

QList<MucAffiliationInfo> MucModule::affiliations(const QString &roomJid) const
{
    QList<MucAffiliationInfo> list;
    const Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return list;
    for (auto it = room->affiliations.constBegin(); it != room->affiliations.constEnd(); ++it)
        list.append({it.key(), it.value(), room->reasons.value(it.key())});
    std::sort(list.begin(), list.end(), [](const MucAffiliationInfo &a, const MucAffiliationInfo &b) {
        return a.affiliation != b.affiliation ? a.affiliation > b.affiliation : a.jid < b.jid;
    });
    return list;
}

QString MucModule::kick(const QString &roomJid, const QString &nick, const QString &reason, const QString &actor)
{
    Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return u"No such room"_s;
    const QString prepared = Muc::prepareNick(nick);
    if (!room->occupants.contains(prepared))
        return u"No such occupant"_s;
    removeOccupant(*room, prepared, 307, QString(), reason);
    audit(u"muc kick"_s, room->jid.withResource(prepared).toString(), reason, actor);
    dropIfEmpty(*room);
    return QString();
}

QString MucModule::ban(const QString &roomJid, const QString &bareJid, const QString &reason, const QString &actor)
{
    return setAffiliation(roomJid, bareJid, Affiliation::Outcast, reason, actor);
}

QString MucModule::setAffiliation(const QString &roomJid, const QString &bareJid, Affiliation affiliation,
                                  const QString &reason, const QString &actor)
{
    Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return u"No such room"_s;
    const Jid jid = Jid::parse(bareJid);
    if (jid.isNull())
        return u"Not a valid JID"_s;
    const QString roomName = room->jid.bareString();
    const QString error = applyAffiliation(*room, jid.bareString(), affiliation, reason, QString());
    if (error == u"conflict")
        return u"A room keeps at least one owner"_s;
    if (!error.isEmpty())
        return u"Could not store the change"_s;
    audit(u"muc affiliation "_s + Muc::affiliationName(affiliation), roomName + u" "_s + jid.bareString(), reason,
          actor);
    return QString();
}

QString MucModule::destroy(const QString &roomJid, const QString &reason, const QString &alternateVenue,
                           const QString &actor)
{
    Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return u"No such room"_s;
    const QString jid = room->jid.bareString();
    destroyRoom(*room, reason, alternateVenue);
    audit(u"muc destroy"_s, jid, reason, actor);
    return QString();
}

QString MucModule::addMember(const QString &roomJid, const QString &bareJid, const QString &actor)
{
    Room *room = findRoom(Jid::parse(roomJid));
    if (!room)
        return u"No such room"_s;
    const Jid jid = Jid::parse(bareJid);
    if (jid.isNull())
        return u"Not a valid JID"_s;
    const Affiliation current = room->affiliationOf(jid.bareString());
    if (current == Affiliation::Outcast)
        return u"This JID is banned from the room"_s;
    if (current != Affiliation::None)
        return QString();
    return setAffiliation(roomJid, jid.bareString(), Affiliation::Member, QString(), actor);
}
