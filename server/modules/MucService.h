#pragma once

#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

// What the rest of the server (the console through the Server facade, ad-hoc commands,
// invitations) uses of the multi-user chat service (XEP-0045) that MucModule runs. Lives in
// the server thread; every call is synchronous there. Room and occupant descriptions are
// values, so they can cross to the console's thread.
namespace Muc {
// XEP-0045 §5.1 roles and §5.2 affiliations.
enum class Role : quint8 { None, Visitor, Participant, Moderator };
enum class Affiliation : quint8 { Outcast, None, Member, Admin, Owner };
// §4.1: who may see occupants' real JIDs.
enum class Anonymity : quint8 { SemiAnonymous, NonAnonymous };

QString roleName(Role role);                     // "none", "visitor", "participant", "moderator"
QString affiliationName(Affiliation affiliation);   // "outcast", "none", "member", "admin", "owner"
bool roleFromName(const QString &name, Role *role);
bool affiliationFromName(const QString &name, Affiliation *affiliation);
} // namespace Muc

struct MucRoomInfo
{
    QString jid;                 // room@conference.domain
    QString name;
    QString description;
    QString subject;
    int occupants = 0;
    int maxUsers = 0;            // 0: no limit
    bool persistent = false;
    bool isPublic = true;
    bool membersOnly = false;
    bool passwordProtected = false;
    bool moderated = false;
    Muc::Anonymity anonymity = Muc::Anonymity::SemiAnonymous;
};

struct MucOccupantInfo
{
    QString roomJid;
    QString nick;
    QString realJid;             // the occupant's full JID
    Muc::Role role = Muc::Role::None;
    Muc::Affiliation affiliation = Muc::Affiliation::None;
    QString occupantId;          // XEP-0421
};

struct MucAffiliationInfo
{
    QString jid;                 // bare JID
    Muc::Affiliation affiliation = Muc::Affiliation::None;
    QString reason;
};

class MucService : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~MucService() override = default;

    // The service's domain (config muc_domain, default "conference." + the server's domain).
    virtual QString domain() const = 0;

    virtual QList<MucRoomInfo> rooms() const = 0;
    // False when there is no such room.
    virtual bool room(const QString &roomJid, MucRoomInfo *info) const = 0;
    virtual QList<MucOccupantInfo> occupants(const QString &roomJid) const = 0;
    // Where a full JID (a session) is an occupant; a bare JID: any of its resources.
    virtual QList<MucOccupantInfo> occupancies(const QString &jid) const = 0;
    // Owners, admins, members and outcasts (affiliation None is never listed).
    virtual QList<MucAffiliationInfo> affiliations(const QString &roomJid) const = 0;

    // Admin actions for the console, the control socket and ad-hoc commands; `actor` names
    // who asked ("console", a bare JID) for the audit log. Each returns an error text, empty
    // on success; the occupants see what a moderator's action would show them (XEP-0045 §8,
    // §9, §10.9).
    virtual QString kick(const QString &roomJid, const QString &nick, const QString &reason, const QString &actor) = 0;
    virtual QString ban(const QString &roomJid, const QString &bareJid, const QString &reason,
                        const QString &actor) = 0;
    virtual QString setAffiliation(const QString &roomJid, const QString &bareJid, Muc::Affiliation affiliation,
                                   const QString &reason, const QString &actor) = 0;
    virtual QString destroy(const QString &roomJid, const QString &reason, const QString &alternateVenue,
                            const QString &actor) = 0;
    // Makes a bare JID a member unless it already has an affiliation (an invitation into a
    // members-only room); an outcast stays one (error).
    virtual QString addMember(const QString &roomJid, const QString &bareJid, const QString &actor) = 0;

Q_SIGNALS:
    // A room appeared, went, or changed what MucRoomInfo shows (also its occupant count).
    // Emitted synchronously at each change: a UI batches them.
    void roomsChanged();
    // Someone joined, left or changed role/affiliation/nick in this room.
    void occupantsChanged(const QString &roomJid);
    // The affiliation list of this room changed.
    void affiliationsChanged(const QString &roomJid);
};

Q_DECLARE_METATYPE(MucRoomInfo)
Q_DECLARE_METATYPE(MucOccupantInfo)
Q_DECLARE_METATYPE(MucAffiliationInfo)
