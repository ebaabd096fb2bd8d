#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"
#include "modules/MucRoom.h"
#include "modules/MucService.h"

#include <QHash>
#include <QSet>
#include <memory>

class MamModule;
class MucStore;
class ModuleHost;
class Session;
struct StanzaEvent;

// XEP-0045 Multi-User Chat at muc_domain (default conference.<domain>), served in this process
// through the router's domain hook (StanzaRouter::addDomainHandler):
// - the service: disco#info (conference/text) and #items (public rooms); listed in the
//   domain's disco#items;
// - rooms: created by a join (muc_create: local users or admins), locked until the owner
//   configures them (§10.1.2 instant, §10.1.3 reserved with muc#roomconfig); joining with a
//   nickname (Resourceprep), passwords, members-only, bans, max users, conflicts; occupant
//   presence with roles and affiliations, status codes 100/110/201/210/303/307/301/321;
//   groupchat messages, private messages, subject, history on join (§7.2.15), nickname
//   changes, leaving; muc#admin roles and affiliation lists, muc#owner configuration and
//   destruction; mediated invitations (§7.8.2); XEP-0410 self-ping; XEP-0421 occupant ids;
//   vcard-temp on the room JID (room avatars: owners set, anyone gets);
// - room archives through the MAM module (XEP-0313 on the room JID): groupchat messages with
//   a body are archived and carry <stanza-id by='room'/>; members-only rooms let only members
//   query; a destroyed or vanished room's archive goes with it;
// - persistent rooms (configuration, affiliations, subject, vCard) in storage/MucStore,
//   committed before the answer; temporary rooms go with their last occupant;
// - an occupant whose session ends (or who sends unavailable presence without 'to') leaves
//   every room.
// The console and other modules use it through MucService.
class MucModule final : public MucService, public Module
{
    Q_OBJECT
public:
    MucModule();
    ~MucModule() override;
    void load(ModuleHost &host) override;
    static ModuleOptions options();

    // MucService
    QString domain() const override { return m_domain; }
    QList<MucRoomInfo> rooms() const override;
    bool room(const QString &roomJid, MucRoomInfo *info) const override;
    QList<MucOccupantInfo> occupants(const QString &roomJid) const override;
    QList<MucOccupantInfo> occupancies(const QString &jid) const override;
    QList<MucAffiliationInfo> affiliations(const QString &roomJid) const override;
    QString kick(const QString &roomJid, const QString &nick, const QString &reason, const QString &actor) override;
    QString ban(const QString &roomJid, const QString &bareJid, const QString &reason, const QString &actor) override;
    QString setAffiliation(const QString &roomJid, const QString &bareJid, Muc::Affiliation affiliation,
                           const QString &reason, const QString &actor) override;
    QString destroy(const QString &roomJid, const QString &reason, const QString &alternateVenue,
                    const QString &actor) override;
    QString addMember(const QString &roomJid, const QString &bareJid, const QString &actor) override;

private:
    using Room = Muc::Room;
    using Occupant = Muc::Occupant;

    bool onStanza(StanzaEvent &event);
    void onServiceStanza(StanzaEvent &event);
    void onRoomStanza(StanzaEvent &event);
    void onOccupantStanza(StanzaEvent &event);

    void onPresence(StanzaEvent &event, Room *room);
    void join(StanzaEvent &event, Room *room, const QString &nick);
    void changeNick(StanzaEvent &event, Room &room, const QString &oldNick, const QString &newNick);
    void leave(Room &room, const Jid &real, const XmlElement &unavailable);
    void onGroupchat(StanzaEvent &event, Room &room);
    void onInvite(StanzaEvent &event, Room &room, const XmlElement &x);
    void onAdminIq(StanzaEvent &event, Room &room, bool set);
    void onOwnerIq(StanzaEvent &event, Room &room, bool set);
    void onRoomDisco(StanzaEvent &event, Room &room, bool info);
    void onRoomVCard(StanzaEvent &event, Room &room, bool set);
    void onRoomArchive(StanzaEvent &event, Room &room);
    bool archiving() const;

    // What every occupant sees of `occupant` (one variant with its real JID, one without; the
    // occupant itself gets 110 and `selfCodes`), sent to every occupant.
    void broadcastPresence(Room &room, const Occupant &occupant, const QList<int> &codes,
                           const QList<int> &selfCodes, const XmlElement &itemExtra = XmlElement(),
                           bool unavailable = false);
    XmlElement occupantPresence(const Room &room, const Occupant &occupant, bool withJid, const QList<int> &codes,
                                const XmlElement &itemExtra, bool unavailable) const;
    void broadcastMessage(Room &room, const XmlElement &message);
    void sendTo(const Jid &real, XmlElement stanza);
    void sendToOccupant(const Occupant &occupant, const XmlElement &stanza);
    // Forgets every session of the occupant in m_roomsOf and the room's nickOf.
    void forgetSessions(Room &room, const Occupant &occupant);
    void sendSubject(const Room &room, const Jid &real);
    void sendHistory(const Room &room, const Jid &real, const Muc::HistoryRequest &request);
    // Takes the occupant out with an unavailable presence carrying these codes (307 kick,
    // 301 ban, 321 affiliation change, 332 shutdown).
    void removeOccupant(Room &room, const QString &nick, int code, const QString &actorNick, const QString &reason);
    // Applies a new affiliation (stored for persistent rooms) and its effect on occupants.
    QString applyAffiliation(Room &room, const QString &bareJid, Muc::Affiliation affiliation, const QString &reason,
                             const QString &actorNick);
    void destroyRoom(Room &room, const QString &reason, const QString &alternate);
    void dropIfEmpty(Room &room);
    bool save(const Room &room);
    Room *findRoom(const Jid &roomJid) const;      // any form of the room's JID
    Room *findRoom(const QString &roomJid) const;  // the bare room JID
    void audit(const QString &action, const QString &target, const QString &reason, const QString &actor);
    void endSession(Session *session);

    ModuleHost *m_host = nullptr;
    QString m_domain;
    bool m_adminsOnly = false;
    QSet<QString> m_admins;
    std::unique_ptr<MucStore> m_store;
    MamModule *m_mam = nullptr;                         // rooms' archives (XEP-0313), when loaded
    QHash<QString, std::shared_ptr<Room>> m_rooms;     // by bare room JID
    QHash<Jid, QSet<QString>> m_roomsOf;               // real full JID → rooms joined
};
