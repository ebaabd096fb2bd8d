#include "modules/MucRoom.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageAuthenticationCode>

using namespace Qt::StringLiterals;

namespace Muc {

QString roleName(Role role)
{
    switch (role) {
    case Role::Visitor: return u"visitor"_s;
    case Role::Participant: return u"participant"_s;
    case Role::Moderator: return u"moderator"_s;
    case Role::None: break;
    }
    return u"none"_s;
}

QString affiliationName(Affiliation affiliation)
{
    switch (affiliation) {
    case Affiliation::Outcast: return u"outcast"_s;
    case Affiliation::Member: return u"member"_s;
    case Affiliation::Admin: return u"admin"_s;
    case Affiliation::Owner: return u"owner"_s;
    case Affiliation::None: break;
    }
    return u"none"_s;
}

bool roleFromName(const QString &name, Role *role)
{
    for (Role r : {Role::None, Role::Visitor, Role::Participant, Role::Moderator}) {
        if (roleName(r) == name) {
            *role = r;
            return true;
        }
    }
    return false;
}

bool affiliationFromName(const QString &name, Affiliation *affiliation)
{
    for (Affiliation a : {Affiliation::Outcast, Affiliation::None, Affiliation::Member, Affiliation::Admin,
                          Affiliation::Owner}) {
        if (affiliationName(a) == name) {
            *affiliation = a;
            return true;
        }
    }
    return false;
}

QString RoomConfig::toJson() const
{
    QJsonObject o;
    o[u"name"_s] = name;
    o[u"description"_s] = description;
    o[u"password"_s] = password;
    o[u"persistent"_s] = persistent;
    o[u"public"_s] = isPublic;
    o[u"members_only"_s] = membersOnly;
    o[u"moderated"_s] = moderated;
    o[u"whois_anyone"_s] = whoisAnyone;
    o[u"allow_invites"_s] = allowInvites;
    o[u"change_subject"_s] = changeSubject;
    o[u"max_users"_s] = maxUsers;
    o[u"history_length"_s] = historyLength;
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

RoomConfig RoomConfig::fromJson(const QString &json)
{
    const QJsonObject o = QJsonDocument::fromJson(json.toUtf8()).object();
    RoomConfig c;
    c.name = o.value(u"name"_s).toString();
    c.description = o.value(u"description"_s).toString();
    c.password = o.value(u"password"_s).toString();
    c.persistent = o.value(u"persistent"_s).toBool(c.persistent);
    c.isPublic = o.value(u"public"_s).toBool(c.isPublic);
    c.membersOnly = o.value(u"members_only"_s).toBool(c.membersOnly);
    c.moderated = o.value(u"moderated"_s).toBool(c.moderated);
    c.whoisAnyone = o.value(u"whois_anyone"_s).toBool(c.whoisAnyone);
    c.allowInvites = o.value(u"allow_invites"_s).toBool(c.allowInvites);
    c.changeSubject = o.value(u"change_subject"_s).toBool(c.changeSubject);
    c.maxUsers = o.value(u"max_users"_s).toInt(c.maxUsers);
    c.historyLength = o.value(u"history_length"_s).toInt(c.historyLength);
    return c;
}

namespace {
constexpr int MaxHistoryLength = 200;

XmlElement field(const QString &var, const QString &type, const QString &label, const QStringList &values,
                 const QList<std::pair<QString, QString>> &options = {})
{
    XmlElement f(u"field"_s);
    f.setAttribute(u"var"_s, var);
    f.setAttribute(u"type"_s, type);
    if (!label.isEmpty())
        f.setAttribute(u"label"_s, label);
    for (const auto &[value, optionLabel] : options) {
        XmlElement option(u"option"_s);
        option.setAttribute(u"label"_s, optionLabel);
        option.appendTextElement(u"value"_s, value);
        f.appendChild(option);
    }
    for (const QString &value : values)
        f.appendTextElement(u"value"_s, value);
    return f;
}
QString boolText(bool b)
{
    return b ? u"1"_s : u"0"_s;
}
bool parseBool(const QString &text, bool *ok)
{
    *ok = true;
    if (text == u"1" || text == u"true")
        return true;
    if (text == u"0" || text == u"false")
        return false;
    *ok = false;
    return false;
}
} // namespace

XmlElement configForm(const RoomConfig &c)
{
    XmlElement x(u"x"_s, u"jabber:x:data"_s);
    x.setAttribute(u"type"_s, u"form"_s);
    x.appendTextElement(u"title"_s, u"Room configuration"_s);
    x.appendChild(field(u"FORM_TYPE"_s, u"hidden"_s, {}, {u"http://jabber.org/protocol/muc#roomconfig"_s}));
    x.appendChild(field(u"muc#roomconfig_roomname"_s, u"text-single"_s, u"Name"_s, {c.name}));
    x.appendChild(field(u"muc#roomconfig_roomdesc"_s, u"text-single"_s, u"Description"_s, {c.description}));
    x.appendChild(field(u"muc#roomconfig_persistentroom"_s, u"boolean"_s, u"Persistent"_s, {boolText(c.persistent)}));
    x.appendChild(field(u"muc#roomconfig_publicroom"_s, u"boolean"_s, u"Listed in the directory"_s,
                        {boolText(c.isPublic)}));
    x.appendChild(field(u"muc#roomconfig_membersonly"_s, u"boolean"_s, u"Members only"_s, {boolText(c.membersOnly)}));
    x.appendChild(field(u"muc#roomconfig_moderatedroom"_s, u"boolean"_s, u"Moderated"_s, {boolText(c.moderated)}));
    x.appendChild(field(u"muc#roomconfig_passwordprotectedroom"_s, u"boolean"_s, u"Password protected"_s,
                        {boolText(!c.password.isEmpty())}));
    x.appendChild(field(u"muc#roomconfig_roomsecret"_s, u"text-private"_s, u"Password"_s, {c.password}));
    x.appendChild(field(u"muc#roomconfig_whois"_s, u"list-single"_s, u"Who may see real JIDs"_s,
                        {c.whoisAnyone ? u"anyone"_s : u"moderators"_s},
                        {{u"moderators"_s, u"Moderators"_s}, {u"anyone"_s, u"Anyone"_s}}));
    x.appendChild(field(u"muc#roomconfig_maxusers"_s, u"text-single"_s, u"Maximum occupants (0: no limit)"_s,
                        {QString::number(c.maxUsers)}));
    x.appendChild(field(u"muc#roomconfig_allowinvites"_s, u"boolean"_s, u"Occupants may invite"_s,
                        {boolText(c.allowInvites)}));
    x.appendChild(field(u"muc#roomconfig_changesubject"_s, u"boolean"_s, u"Participants may change the subject"_s,
                        {boolText(c.changeSubject)}));
    x.appendChild(field(u"muc#roomconfig_historylength"_s, u"text-single"_s, u"Messages of history"_s,
                        {QString::number(c.historyLength)}));
    return x;
}

bool applyConfigForm(const XmlElement &submitted, RoomConfig *config, QString *error)
{
    RoomConfig c = *config;
    bool passwordProtected = !c.password.isEmpty();
    bool passwordGiven = false;
    for (const XmlElement &f : submitted.childElements()) {
        if (f.name() != u"field")
            continue;
        const QString var = f.attribute(u"var"_s);
        QStringList values;
        for (const XmlElement &v : f.childElements()) {
            if (v.name() == u"value")
                values.append(v.text());
        }
        const QString value = values.value(0);
        bool ok = true;
        auto boolean = [&](bool *target) {
            const bool b = parseBool(value, &ok);
            if (ok)
                *target = b;
        };
        auto number = [&](int *target, int max) {
            const int n = value.toInt(&ok);
            ok = ok && n >= 0 && n <= max;
            if (ok)
                *target = n;
        };
        if (var == u"muc#roomconfig_roomname")
            c.name = value.left(256);
        else if (var == u"muc#roomconfig_roomdesc")
            c.description = value.left(1024);
        else if (var == u"muc#roomconfig_persistentroom")
            boolean(&c.persistent);
        else if (var == u"muc#roomconfig_publicroom")
            boolean(&c.isPublic);
        else if (var == u"muc#roomconfig_membersonly")
            boolean(&c.membersOnly);
        else if (var == u"muc#roomconfig_moderatedroom")
            boolean(&c.moderated);
        else if (var == u"muc#roomconfig_passwordprotectedroom")
            boolean(&passwordProtected);
        else if (var == u"muc#roomconfig_roomsecret") {
            c.password = value.left(256);
            passwordGiven = true;
        } else if (var == u"muc#roomconfig_whois") {
            ok = value == u"anyone" || value == u"moderators";
            c.whoisAnyone = value == u"anyone";
        } else if (var == u"muc#roomconfig_maxusers")
            number(&c.maxUsers, 1000000);
        else if (var == u"muc#roomconfig_allowinvites")
            boolean(&c.allowInvites);
        else if (var == u"muc#roomconfig_changesubject")
            boolean(&c.changeSubject);
        else if (var == u"muc#roomconfig_historylength")
            number(&c.historyLength, MaxHistoryLength);
        if (!ok) {
            *error = u"Bad value for "_s + var;
            return false;
        }
    }
    if (!passwordProtected)
        c.password.clear();
    else if (c.password.isEmpty()) {
        *error = passwordGiven ? u"A password-protected room needs a password"_s
                               : u"A password-protected room needs muc#roomconfig_roomsecret"_s;
        return false;
    }
    *config = c;
    return true;
}

HistoryRequest parseHistory(const XmlElement &history, qint64 nowMs)
{
    HistoryRequest r;
    if (history.isNull())
        return r;
    bool ok = false;
    const int maxStanzas = history.attribute(u"maxstanzas"_s).toInt(&ok);
    if (ok && maxStanzas >= 0)
        r.maxStanzas = maxStanzas;
    const int maxChars = history.attribute(u"maxchars"_s).toInt(&ok);
    if (ok && maxChars >= 0)
        r.maxChars = maxChars;
    const qint64 seconds = history.attribute(u"seconds"_s).toLongLong(&ok);
    if (ok && seconds >= 0)
        r.sinceMs = nowMs - seconds * 1000;
    const QDateTime since = QDateTime::fromString(history.attribute(u"since"_s), Qt::ISODateWithMs);
    if (since.isValid())
        r.sinceMs = std::max(r.sinceMs, since.toMSecsSinceEpoch());
    return r;
}

QList<HistoryEntry> selectHistory(const std::deque<HistoryEntry> &history, const HistoryRequest &request)
{
    // Walk back from the newest until a limit says stop (§7.2.15: each limit applies; the
    // service sends the smallest set that satisfies all of them).
    QList<HistoryEntry> picked;
    qint64 chars = 0;
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        if (request.maxStanzas >= 0 && picked.size() >= request.maxStanzas)
            break;
        if (request.sinceMs >= 0 && it->stampMs < request.sinceMs)
            break;
        if (request.maxChars >= 0 && chars + it->chars > request.maxChars)
            break;
        chars += it->chars;
        picked.prepend(*it);
    }
    return picked;
}

Role defaultRole(Affiliation affiliation, bool moderated)
{
    switch (affiliation) {
    case Affiliation::Owner:
    case Affiliation::Admin: return Role::Moderator;
    case Affiliation::Member: return Role::Participant;
    case Affiliation::None: return moderated ? Role::Visitor : Role::Participant;
    case Affiliation::Outcast: break;
    }
    return Role::None;
}

QString roleChangeRefusal(Affiliation actorAffiliation, Role actorRole, Affiliation targetAffiliation, Role newRole)
{
    if (actorRole != Role::Moderator)
        return u"forbidden"_s;
    // §9.6, §9.7: granting or revoking moderator status is for admins and owners.
    if (newRole == Role::Moderator && actorAffiliation < Affiliation::Admin)
        return u"forbidden"_s;
    // §8.2, §8.4: an admin or owner cannot be kicked or silenced, nor demoted by a role change
    // (their role follows their affiliation); nobody acts on a higher affiliation than their own.
    if (newRole != Role::Moderator && targetAffiliation >= Affiliation::Admin)
        return u"not-allowed"_s;
    if (targetAffiliation > actorAffiliation)
        return u"not-allowed"_s;
    return QString();
}

QString affiliationChangeRefusal(Affiliation actorAffiliation, Affiliation current, Affiliation wanted)
{
    if (actorAffiliation == Affiliation::Owner)
        return QString();
    if (actorAffiliation != Affiliation::Admin)
        return u"forbidden"_s;
    // §9: an admin manages members and outcasts, never admins or owners.
    if (current >= Affiliation::Admin || wanted >= Affiliation::Admin)
        return u"not-allowed"_s;
    return QString();
}

XmlElement statusCode(int code)
{
    XmlElement status(u"status"_s);
    status.setAttribute(u"code"_s, QString::number(code));
    return status;
}

QString prepareNick(const QString &nick)
{
    if (nick.isEmpty())
        return QString();
    return Jid::prepareResource(nick);
}

QString occupantId(const QByteArray &secret, const QString &realBareJid)
{
    const QByteArray mac = QMessageAuthenticationCode::hash(realBareJid.toUtf8(), secret, QCryptographicHash::Sha256);
    return QString::fromLatin1(mac.left(18).toBase64(QByteArray::Base64UrlEncoding));
}

int Room::ownerCount() const
{
    int n = 0;
    for (Affiliation a : affiliations)
        n += a == Affiliation::Owner ? 1 : 0;
    return n;
}

MucRoomInfo Room::info() const
{
    MucRoomInfo i;
    i.jid = jid.bareString();
    i.name = config.name;
    i.description = config.description;
    i.subject = subject;
    i.occupants = int(occupants.size());
    i.maxUsers = config.maxUsers;
    i.persistent = config.persistent;
    i.isPublic = config.isPublic;
    i.membersOnly = config.membersOnly;
    i.passwordProtected = !config.password.isEmpty();
    i.moderated = config.moderated;
    i.anonymity = config.whoisAnyone ? Anonymity::NonAnonymous : Anonymity::SemiAnonymous;
    return i;
}

} // namespace Muc
