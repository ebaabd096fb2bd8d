#pragma once

#include "modules/MucService.h"
#include "stanza/Jid.h"
#include "xml/XmlElement.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <deque>

// The state of one XEP-0045 room and the pure rules about it (roles, permissions, history,
// the muc#roomconfig form). MucModule runs the protocol on top; tst_muc drives the rules
// row by row.
namespace Muc {

inline const QString Ns = QStringLiteral("http://jabber.org/protocol/muc");
inline const QString UserNs = QStringLiteral("http://jabber.org/protocol/muc#user");
inline const QString AdminNs = QStringLiteral("http://jabber.org/protocol/muc#admin");
inline const QString OwnerNs = QStringLiteral("http://jabber.org/protocol/muc#owner");
inline const QString OccupantIdNs = QStringLiteral("urn:xmpp:occupant-id:0");

// §10.2 muc#roomconfig, the fields this service offers.
struct RoomConfig
{
    QString name;
    QString description;
    QString password;            // not empty: password-protected
    bool persistent = false;
    bool isPublic = true;
    bool membersOnly = false;
    bool moderated = false;
    bool whoisAnyone = false;    // non-anonymous (§4.1)
    bool allowInvites = false;   // occupants may invite into a members-only room
    bool changeSubject = false;  // participants may change the subject
    int maxUsers = 0;            // 0: no limit
    int historyLength = 20;

    QString toJson() const;
    static RoomConfig fromJson(const QString &json);
    bool operator==(const RoomConfig &) const = default;
};

// The config form (§10.2, type form) and applying a submitted one. False with *error text
// (a field that does not parse): nothing is changed then. Unknown fields are ignored.
XmlElement configForm(const RoomConfig &config);
bool applyConfigForm(const XmlElement &submitted, RoomConfig *config, QString *error);

struct HistoryEntry
{
    XmlElement message;          // as broadcast, without 'to'
    qint64 stampMs = 0;
    int chars = 0;               // length of the XML as sent (§7.2.15 counts characters)
};
// §7.2.15 <history/>: each limit < 0 when absent.
struct HistoryRequest
{
    int maxStanzas = -1;
    int maxChars = -1;
    qint64 sinceMs = -1;         // from 'seconds' or 'since'
};
HistoryRequest parseHistory(const XmlElement &history, qint64 nowMs);
// The newest entries the request allows, oldest first.
QList<HistoryEntry> selectHistory(const std::deque<HistoryEntry> &history, const HistoryRequest &request);

// §5.1.2: the role an occupant starts with.
Role defaultRole(Affiliation affiliation, bool moderated);
// §8, §9: may an occupant with (actorAffiliation, actorRole) give an occupant whose
// affiliation is targetAffiliation the role newRole? Empty: yes; else the error condition
// name ("forbidden", "not-allowed").
QString roleChangeRefusal(Affiliation actorAffiliation, Role actorRole, Affiliation targetAffiliation, Role newRole);
// §9, §10: may actorAffiliation change a JID's affiliation from current to wanted?
QString affiliationChangeRefusal(Affiliation actorAffiliation, Affiliation current, Affiliation wanted);

// A nickname as the occupant JID's resourcepart (RFC 7622 §3.4, Resourceprep); null if refused.
QString prepareNick(const QString &nick);

// A muc#user <status code='…'/> (the codes are listed in §15.6).
XmlElement statusCode(int code);

// XEP-0421 §3: stable per real bare JID and room, opaque without the room's secret.
QString occupantId(const QByteArray &secret, const QString &realBareJid);

struct Occupant
{
    QString nick;                // prepared
    Jid real;                    // full JID (the first session that joined with this nick)
    // Other sessions of the same bare JID joined under the same nick (a phone and a desktop):
    // they get everything the occupant gets and leave one by one.
    QList<Jid> otherSessions;
    Role role = Role::None;
    XmlElement presence;         // the occupant's last available presence, as sent to the room
    QString occupantId;
};

struct Room
{
    Jid jid;
    RoomConfig config;
    QString subject;
    QString subjectFrom;         // the nick that set it
    QByteArray secret;
    XmlElement vcard;
    bool locked = false;         // created, owner has not configured it yet (§10.1.1)
    QHash<QString, Affiliation> affiliations;   // bare JID → not None
    QHash<QString, QString> reasons;
    QMap<QString, Occupant> occupants;          // by nick
    QHash<Jid, QString> nickOf;                 // real full JID → nick
    std::deque<HistoryEntry> history;

    Affiliation affiliationOf(const QString &bareJid) const
    {
        return affiliations.value(bareJid, Affiliation::None);
    }
    Affiliation affiliationOf(const Occupant &occupant) const { return affiliationOf(occupant.real.bareString()); }
    const Occupant *occupantByReal(const Jid &real) const
    {
        const auto nick = nickOf.constFind(real);
        return nick == nickOf.constEnd() ? nullptr : &occupants.find(*nick).value();
    }
    int ownerCount() const;
    MucRoomInfo info() const;
};

} // namespace Muc
