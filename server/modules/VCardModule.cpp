#include "modules/VCardModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "modules/PepService.h"
#include "modules/StoredStanza.h"
#include "session/Session.h"
#include "stanza/Jid.h"
#include "storage/Database.h"

#include <QCryptographicHash>
#include <QHash>
#include <QSqlError>
#include <QSqlQuery>
#include <optional>

using namespace Qt::StringLiterals;

namespace {
const QString VCardNs = u"vcard-temp"_s;
const QString UpdateNs = u"vcard-temp:x:update"_s;
const QString AvatarDataNs = u"urn:xmpp:avatar:data"_s;
const QString AvatarMetadataNs = u"urn:xmpp:avatar:metadata"_s;
const QString ConversionFeature = u"urn:xmpp:pep-vcard-conversion:0"_s;

// The user's picture as XEP-0153 and XEP-0084 both name it: the SHA-1 of the image, in hex.
QString photoHash(const QByteArray &image)
{
    return QString::fromLatin1(QCryptographicHash::hash(image, QCryptographicHash::Sha1).toHex());
}

struct Photo
{
    QString type;
    QByteArray image;
};

std::optional<Photo> photoOf(const XmlElement &vcard)
{
    const XmlElement photo = vcard.firstChildElement(u"PHOTO"_s, VCardNs);
    if (photo.isNull())
        return std::nullopt;
    QString b64 = photo.childText(u"BINVAL"_s, VCardNs);
    b64.remove(u'\n').remove(u'\r').remove(u' ').remove(u'\t');
    const auto decoded = QByteArray::fromBase64Encoding(b64.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded || decoded.decoded.isEmpty())
        return std::nullopt;
    return Photo{photo.childText(u"TYPE"_s, VCardNs), decoded.decoded};
}

// The vCard with its PHOTO replaced (or removed when `photo` is empty).
XmlElement withPhoto(const XmlElement &vcard, const std::optional<Photo> &photo)
{
    XmlElement result(u"vCard"_s, VCardNs);
    if (!vcard.isNull()) {
        for (const XmlElement &child : vcard.children()) {
            if (!(child.name() == u"PHOTO" && child.xmlns() == VCardNs))
                result.appendChild(child);
        }
    }
    if (photo) {
        XmlElement p(u"PHOTO"_s, VCardNs);
        if (!photo->type.isEmpty())
            p.appendTextElement(u"TYPE"_s, photo->type, VCardNs);
        p.appendTextElement(u"BINVAL"_s, QString::fromLatin1(photo->image.toBase64()), VCardNs);
        result.appendChild(p);
    }
    return result;
}
} // namespace

class VCardModule::State
{
public:
    State(ModuleHost &host, PepService &pep)
        : m_host(host)
        , m_router(host.router())
        , m_pep(pep)
        , m_database(host.database())
    {
        m_maxBytes = int(host.optionInt(u"vcard_max_bytes"_s, m_maxBytes));
        QString error;
        m_ready = m_database
                  && host.migrate(u"vcard"_s,
                                  {u"CREATE TABLE vcards ("
                                   "  username TEXT PRIMARY KEY REFERENCES accounts (username) ON DELETE CASCADE,"
                                   "  vcard TEXT NOT NULL,"
                                   "  photo_hash TEXT NOT NULL DEFAULT ''"
                                   ") WITHOUT ROWID"_s},
                                  &error);
        if (!m_ready)
            qCCritical(lcStorage) << "vCards unavailable:" << error;
    }

    bool onGet(StanzaEvent &event);
    bool onSet(StanzaEvent &event);
    bool onForeignSet(StanzaEvent &event);
    bool onBroadcast(StanzaEvent &event);
    void onMetadata(const QString &owner, const PepService::Item &item);
    void onClosed(Session *session);

private:
    std::optional<XmlElement> load(const QString &username, bool *ok);
    bool store(const QString &username, const XmlElement &vcard, const QString &hash);
    // Nullopt: the user has no vCard at all; empty: a vCard without a picture.
    std::optional<QString> hashOf(const QString &username);
    void publishAvatar(const QString &username, const Photo &photo, const QString &hash);

    ModuleHost &m_host;
    StanzaRouter &m_router;
    PepService &m_pep;
    Database *m_database;
    bool m_ready = false;
    bool m_publishing = false;   // our own avatar publish: its metadata listener has nothing to do
    int m_maxBytes = 128 * 1024;
    QHash<QString, std::optional<QString>> m_hashes;   // users with a session: their picture's hash
};

std::optional<XmlElement> VCardModule::State::load(const QString &username, bool *ok)
{
    *ok = false;
    if (!m_ready)
        return std::nullopt;
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT vcard FROM vcards WHERE username = ?"_s);
    query.addBindValue(username);
    if (!query.exec()) {
        qCWarning(lcStorage) << "vCard of" << username << "not read:" << query.lastError().text();
        return std::nullopt;
    }
    *ok = true;
    if (!query.next())
        return std::nullopt;
    return StoredStanza::fromText(query.value(0).toString());
}

bool VCardModule::State::store(const QString &username, const XmlElement &vcard, const QString &hash)
{
    if (!m_ready)
        return false;
    QSqlQuery query(m_database->connection());
    query.prepare(u"INSERT OR REPLACE INTO vcards (username, vcard, photo_hash) VALUES (?, ?, ?)"_s);
    query.addBindValue(username);
    query.addBindValue(StoredStanza::toText(vcard));
    query.addBindValue(hash);
    if (!query.exec()) {
        qCWarning(lcStorage) << "vCard of" << username << "not stored:" << query.lastError().text();
        return false;
    }
    if (m_hashes.contains(username))
        m_hashes.insert(username, hash);
    return true;
}

std::optional<QString> VCardModule::State::hashOf(const QString &username)
{
    if (const auto it = m_hashes.constFind(username); it != m_hashes.constEnd())
        return *it;
    std::optional<QString> hash;
    if (m_ready) {
        CachedQuery cached = m_database->cachedQuery(u"SELECT photo_hash FROM vcards WHERE username = ?"_s);
        QSqlQuery &query = *cached;
        query.addBindValue(username);
        if (query.exec() && query.next())
            hash = query.value(0).toString();
    }
    m_hashes.insert(username, hash);
    return hash;
}

bool VCardModule::State::onGet(StanzaEvent &event)
{
    const QString username = event.to.node();
    if (!m_host.accountExists(username)) {
        m_router.bounce(event, StanzaError::Condition::ServiceUnavailable);
        return true;
    }
    bool ok = false;
    const std::optional<XmlElement> vcard = load(username, &ok);
    if (!ok) {
        m_router.bounce(event, StanzaError::Condition::InternalServerError);
        return true;
    }
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    result.appendChild(vcard && !vcard->isNull() ? *vcard : XmlElement(u"vCard"_s, VCardNs));
    m_router.reply(event, result);
    return true;
}

bool VCardModule::State::onSet(StanzaEvent &event)
{
    const QString username = event.from.node();
    const XmlElement vcard = event.stanza.firstChildElement(u"vCard"_s, VCardNs);
    if (StoredStanza::toText(vcard).toUtf8().size() > m_maxBytes) {
        m_router.bounce(event, StanzaError::Condition::NotAcceptable, u"vCard too large"_s);
        return true;
    }
    const std::optional<Photo> photo = photoOf(vcard);
    const QString hash = photo ? photoHash(photo->image) : QString();
    const QString previous = hashOf(username).value_or(QString());
    if (!store(username, vcard, hash)) {
        m_router.bounce(event, StanzaError::Condition::InternalServerError);
        return true;
    }
    m_hashes.insert(username, hash);
    m_router.reply(event, StanzaRouter::makeIqResult(event.stanza));
    // XEP-0398: the vCard's picture becomes the XEP-0084 avatar.
    if (photo && hash != previous)
        publishAvatar(username, *photo, hash);
    return true;
}

void VCardModule::State::publishAvatar(const QString &username, const Photo &photo, const QString &hash)
{
    const QHash<QString, QString> open{{u"pubsub#access_model"_s, u"open"_s}};
    XmlElement data(u"data"_s, AvatarDataNs);
    data.appendText(QString::fromLatin1(photo.image.toBase64()));
    XmlElement metadata(u"metadata"_s, AvatarMetadataNs);
    XmlElement info(u"info"_s, AvatarMetadataNs);
    info.setAttribute(u"id"_s, hash);
    info.setAttribute(u"bytes"_s, QString::number(photo.image.size()));
    info.setAttribute(u"type"_s, photo.type.isEmpty() ? u"image/png"_s : photo.type);
    metadata.appendChild(info);
    m_publishing = true;
    QString error;
    if (!m_pep.publish(username, AvatarDataNs, hash, data, open, &error)
        || !m_pep.publish(username, AvatarMetadataNs, hash, metadata, open, &error))
        qCWarning(lcStorage) << "avatar of" << username << "not published:" << error;
    m_publishing = false;
}

bool VCardModule::State::onForeignSet(StanzaEvent &event)
{
    m_router.bounce(event, m_host.accountExists(event.to.node()) ? StanzaError::Condition::Forbidden
                                                                 : StanzaError::Condition::ServiceUnavailable);
    return true;
}

void VCardModule::State::onMetadata(const QString &owner, const PepService::Item &item)
{
    if (m_publishing)
        return;
    // XEP-0398 §3: the avatar published through XEP-0084 becomes the vCard's PHOTO.
    std::optional<Photo> photo;
    QString hash;
    const XmlElement info = item.payload.firstChildElement(u"info"_s, AvatarMetadataNs);
    if (!info.isNull()) {
        hash = info.attribute(u"id"_s);
        for (const PepService::Item &data : m_pep.items(owner, AvatarDataNs, -1)) {
            if (data.id != hash)
                continue;
            const auto decoded = QByteArray::fromBase64Encoding(data.payload.text().trimmed().toLatin1());
            if (decoded && photoHash(decoded.decoded) == hash)
                photo = Photo{info.attribute(u"type"_s), decoded.decoded};
            break;
        }
        if (!photo)
            return;   // no matching data: keep what the vCard had
    }
    const std::optional<QString> current = hashOf(owner);
    if (current && *current == (photo ? hash : QString()))
        return;
    bool ok = false;
    const std::optional<XmlElement> vcard = load(owner, &ok);
    if (!ok)
        return;
    store(owner, withPhoto(vcard.value_or(XmlElement()), photo), photo ? hash : QString());
    m_hashes.insert(owner, photo ? hash : QString());
}

bool VCardModule::State::onBroadcast(StanzaEvent &event)
{
    if (!event.origin || !event.stanza.attribute(u"type"_s).isEmpty())
        return false;
    const XmlElement update = event.stanza.firstChildElement(u"x"_s, UpdateNs);
    if (!update.isNull() && update.hasChildElement(u"photo"_s, UpdateNs))
        return false;   // the client says what it has (XEP-0153 §4.1)
    // An empty <photo/> says "no picture" (XEP-0153 §3.2), for a user whose vCard has none.
    const std::optional<QString> hash = hashOf(event.origin->username());
    if (!hash && update.isNull())
        return false;
    XmlElement presence(event.stanza.name(), event.stanza.xmlns());
    for (const auto &attribute : event.stanza.attributes())
        presence.setAttribute(attribute.name, attribute.value);
    for (const XmlElement &child : event.stanza.children()) {
        if (!(child.name() == u"x" && child.xmlns() == UpdateNs))
            presence.appendChild(child);
    }
    XmlElement x(u"x"_s, UpdateNs);
    x.appendTextElement(u"photo"_s, hash.value_or(QString()), UpdateNs);
    presence.appendChild(x);
    event.stanza = presence;
    return false;
}

void VCardModule::State::onClosed(Session *session)
{
    // The last resource of the user is going: its hash is read again at the next login.
    int left = 0;
    for (Session *s : m_host.sessions().sessionsOfUser(session->bareJid()))
        left += s != session ? 1 : 0;
    if (left == 0)
        m_hashes.remove(session->username());
}

VCardModule::VCardModule(PepService &pep)
    : m_pep(pep)
{
}

VCardModule::~VCardModule() = default;

XmlElement VCardModule::storedVCard(Database *database, const QString &username)
{
    if (!database || !database->isOpen())
        return XmlElement();
    QSqlQuery query(database->connection());
    query.prepare(u"SELECT vcard FROM vcards WHERE username = ?"_s);
    query.addBindValue(username);
    if (!query.exec() || !query.next())
        return XmlElement();
    return StoredStanza::fromText(query.value(0).toString());
}

ModuleOptions VCardModule::options()
{
    return {{u"vcard_max_bytes"_s, ModuleOption::Type::Integer, 1024, 64 * 1024 * 1024}};
}

void VCardModule::load(ModuleHost &host)
{
    m_state = std::make_unique<State>(host, m_pep);
    State *s = m_state.get();
    host.addFeature(VCardNs);
    host.addAccountFeature(VCardNs);
    host.addAccountFeature(ConversionFeature);
    for (Target target : {Target::Self, Target::Bare})
        host.hookIq(false, target, VCardNs, u"vCard"_s, [s](StanzaEvent &e) { return s->onGet(e); });
    host.hookIq(true, Target::Self, VCardNs, u"vCard"_s, [s](StanzaEvent &e) { return s->onSet(e); });
    host.hookIq(true, Target::Bare, VCardNs, u"vCard"_s, [s](StanzaEvent &e) { return s->onForeignSet(e); });
    // The server itself (to='localhost') answers for its own vCard: empty.
    host.hookIq(false, Target::Host, VCardNs, u"vCard"_s, [&host](StanzaEvent &e) {
        XmlElement result = StanzaRouter::makeIqResult(e.stanza);
        result.appendChild(XmlElement(u"vCard"_s, VCardNs));
        host.router().reply(e, result);
        return true;
    });
    host.hook(Event::pre(Kind::Presence, Target::Broadcast), [s](StanzaEvent &e) { return s->onBroadcast(e); }, 50);
    m_pep.listen(AvatarMetadataNs, [s](const QString &owner, const QString &, const PepService::Item &item) {
        s->onMetadata(owner, item);
    });
    host.hookSession(SessionManager::Event::Closed, [s](Session *session) { s->onClosed(session); }, -100);
}
