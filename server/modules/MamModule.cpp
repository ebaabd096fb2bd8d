#include "modules/MamModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "modules/MessageRouting.h"
#include "modules/StoredStanza.h"
#include "session/Roster.h"
#include "session/Session.h"
#include "storage/ArchiveStore.h"
#include "storage/RosterStore.h"

#include <QRegularExpression>
#include <QTimer>
#include <QUuid>

#include <utility>

using namespace Qt::StringLiterals;

namespace {
const QString MamNs = u"urn:xmpp:mam:2"_s;
const QString MamExtendedNs = u"urn:xmpp:mam:2#extended"_s;
const QString SidNs = u"urn:xmpp:sid:0"_s;
const QString RsmNs = u"http://jabber.org/protocol/rsm"_s;
const QString DataNs = u"jabber:x:data"_s;
const QString ForwardNs = u"urn:xmpp:forward:0"_s;
const QString DelayNs = u"urn:xmpp:delay"_s;
const QString CarbonsNs = u"urn:xmpp:carbons:2"_s;
const QString HintsNs = u"urn:xmpp:hints"_s;
const QString MucUserNs = u"http://jabber.org/protocol/muc#user"_s;
const QString ClientNs = u"jabber:client"_s;

constexpr int PurgeBatch = 1000;
constexpr int PurgeIntervalMs = 60 * 60 * 1000;

// One-to-one chat with content: type chat, or normal with a body (XEP-0313 §5.1.1 leaves the
// choice to the server; this is the XEP-0280 §5 rule, so archive and carbons agree). Never a
// carbon, a MUC message, or one hinted not to be stored (XEP-0334 §4.3, §4.4).
bool isArchivable(const XmlElement &message)
{
    switch (MessageRouting::kindOf(message.attribute(u"type"_s))) {
    case MessageRouting::Kind::Chat:
    case MessageRouting::Kind::Normal:
        break;
    default:
        return false;
    }
    if (!message.hasChildElement(u"body"_s))
        return false;
    for (const XmlElement &child : message.children()) {
        const QString ns = child.xmlns();
        if (ns == CarbonsNs || ns == MucUserNs)
            return false;
        if (ns == HintsNs && (child.name() == u"no-store" || child.name() == u"no-permanent-store"))
            return false;
    }
    return true;
}

XmlElement stanzaId(const QString &by, const QString &id)
{
    XmlElement e(u"stanza-id"_s, SidNs);
    e.setAttribute(u"by"_s, by);
    e.setAttribute(u"id"_s, id);
    return e;
}

} // namespace

MamModule::MamModule() = default;
MamModule::~MamModule() = default;

ModuleOptions MamModule::options()
{
    ModuleOption expiry;
    expiry.key = u"archive_expires_after"_s;
    expiry.type = ModuleOption::Type::Integer;
    expiry.min = 0;
    expiry.max = 100 * 365;
    ModuleOption fsync;
    fsync.key = u"archive_fsync"_s;
    fsync.type = ModuleOption::Type::Boolean;
    return {expiry, fsync};
}

void MamModule::load(ModuleHost &host)
{
    m_host = &host;
    m_expiryDays = int(host.optionInt(u"archive_expires_after"_s, DefaultExpiryDays));
    m_store = std::make_unique<ArchiveStore>(host.database());
    m_store->setFsyncEachCommit(host.optionBool(u"archive_fsync"_s, false));
    m_query = std::make_unique<MamQuery>(m_store.get());
    // Stream management acknowledges a client's stanzas only once the archive rows they made
    // are committed (docs/ARCHITECTURE.md, "Message archive").
    ArchiveStore *store = m_store.get();
    host.addCommitBarrier({[store](std::function<void()> done) { store->whenCommitted(std::move(done)); },
                           [store] { store->waitCommitted(); }});
    QString error;
    m_ready = host.migrate(u"mam"_s, ArchiveStore::schemaSteps(), &error);
    if (!m_ready) {
        qCCritical(lcStorage) << "message archives unavailable:" << error;
        return;
    }

    // §7: the account (the archive) announces MAM; the ids it stamps are XEP-0359's (§6).
    host.addAccountFeature(MamNs);
    host.addAccountFeature(MamExtendedNs);
    host.addAccountFeature(SidNs);
    host.addFeature(SidNs);

    host.hookIq(true, Target::Self, MamNs, u"query"_s, [this](StanzaEvent &e) { return onQuery(e); });
    host.hookIq(false, Target::Self, MamNs, u"query"_s, [this](StanzaEvent &event) {
        m_host->router().reply(event, MamQuery::formResult(event.stanza));
        return true;
    });
    host.hookIq(false, Target::Self, MamNs, u"prefs"_s, [this](StanzaEvent &e) { return onPrefs(e, false); });
    host.hookIq(true, Target::Self, MamNs, u"prefs"_s, [this](StanzaEvent &e) { return onPrefs(e, true); });
    host.hookIq(false, Target::Self, MamNs, u"metadata"_s, [this](StanzaEvent &event) {
        m_query->metadata(event.stanza, event.from, ArchiveStore::Owner::user(event.from.node()),
                          event.from.bare().toString(), sendTo(event.from));
        return true;
    });

    // XEP-0359 §5: a client must not be able to forge our ids, so theirs go first.
    auto strip = [this](StanzaEvent &event) {
        stripForeignStanzaIds(event);
        return false;
    };
    for (const Target target : {Target::Bare, Target::Full, Target::Self, Target::Host})
        host.hook(Event::pre(Kind::Message, target), strip, 1000);
    host.onAccountDeleted([this](const QString &username) { m_prefs.remove(username); });

    // The sender's copy: after every pre-message handler that may drop (blocking at 100), before
    // carbons (-100) sends its <sent/> copies, which the delivery filter below stamps.
    auto outgoing = [this](StanzaEvent &event) {
        onOutgoing(event);
        return false;
    };
    host.hook(Event::pre(Kind::Message, Target::Bare), outgoing, -50);
    host.hook(Event::pre(Kind::Message, Target::Full), outgoing, -50);

    // The recipient's copy: before carbons (1) copies it and the message module (0) delivers or
    // stores it offline, so every copy carries the recipient's stanza-id. message/self falls
    // back to message/bare.
    auto incoming = [this](StanzaEvent &event) {
        onIncoming(event);
        return false;
    };
    host.hook(Event::incoming(Kind::Message, Target::Bare), incoming, 5);
    host.hook(Event::incoming(Kind::Message, Target::Full), incoming, 5);

    host.hookDelivery([this](Delivery &delivery) { return onDelivery(delivery); }, 50);

    if (m_expiryDays > 0) {
        m_purgeTimer = std::make_unique<QTimer>();
        m_purgeTimer->setSingleShot(true);
        QObject::connect(m_purgeTimer.get(), &QTimer::timeout, [this] {
            // On the archive's writer, in small batches (each its own transaction) so archiving
            // goes on between them; the next batch is asked for when this one is done.
            const QDateTime cutoff = QDateTime::currentDateTimeUtc().addDays(-m_expiryDays);
            m_store->purgeBeforeAsync(cutoff, PurgeBatch, [this](int deleted, const QString &error) {
                logPurge(deleted, error);
                schedulePurge(deleted == PurgeBatch ? 0 : PurgeIntervalMs);
            });
        });
        schedulePurge(5000);
    }
}

void MamModule::schedulePurge(int delayMs)
{
    if (m_purgeTimer)
        m_purgeTimer->start(delayMs);
}

int MamModule::purgeExpired(const QDateTime &now, int limit)
{
    if (!m_ready || m_expiryDays <= 0)
        return 0;
    QString error;
    const int deleted = m_store->purgeBefore(now.addDays(-m_expiryDays), limit, &error);
    logPurge(deleted, error);
    return qMax(deleted, 0);
}

void MamModule::logPurge(int deleted, const QString &error)
{
    if (deleted < 0)
        qCWarning(lcStorage) << "expired archive rows not purged:" << error;
    else if (deleted > 0)
        qCDebug(lcStorage) << "purged" << deleted << "expired archive rows";
}

void MamModule::stripForeignStanzaIds(StanzaEvent &event) const
{
    if (!event.origin || !event.stanza.hasChildElement(u"stanza-id"_s, SidNs))
        return;
    QList<XmlElement> keep;
    for (const XmlElement &child : event.stanza.childElements()) {
        if (child.name() == u"stanza-id" && child.xmlns() == SidNs
            && Jid::parse(child.attribute(u"by"_s)).domain() != m_host->domain())
            keep.append(child);
    }
    event.stanza.removeChildElements(u"stanza-id"_s, SidNs);
    for (const XmlElement &child : keep)
        event.stanza.appendChild(child);
}

bool MamModule::inRoster(const QString &username, const Jid &contact) const
{
    const Jid bare = Jid::fromParts(username, m_host->domain());
    for (Session *s : m_host->sessions().sessionsOfUser(bare)) {
        if (const auto &roster = s->roster())
            return roster->items.contains(contact.bare());
    }
    const auto snapshot = RosterStore(m_host->database()).load(username);
    if (!snapshot)
        return false;
    for (const RosterStore::Item &item : snapshot->items) {
        if (item.jid == contact.bare())
            return true;
    }
    return false;
}

bool MamModule::wantsArchived(const QString &username, const Jid &with)
{
    auto cached = m_prefs.constFind(username);
    if (cached == m_prefs.constEnd()) {
        QString error;
        const auto prefs = m_store->prefs(username, &error);
        if (!prefs) {
            qCWarning(lcStorage) << "archive preferences of" << username << "not read:" << error;
            return false;
        }
        if (m_prefs.size() >= 4096)
            m_prefs.clear();   // a bound, not an eviction policy: rereading is cheap
        cached = m_prefs.insert(username, *prefs);
    }
    const ArchiveStore::Prefs &prefs = cached.value();
    // §6: a JID listed by itself, bare or full, decides before the default.
    const QString full = with.toString();
    const QString bare = with.bare().toString();
    if (prefs.never.contains(full) || prefs.never.contains(bare))
        return false;
    if (prefs.always.contains(full) || prefs.always.contains(bare))
        return true;
    switch (prefs.defaultPolicy) {
    case ArchiveStore::Default::Always: return true;
    case ArchiveStore::Default::Never: return false;
    case ArchiveStore::Default::Roster: return inRoster(username, with);
    }
    return false;
}

QString MamModule::archive(const QString &username, const Jid &with, const XmlElement &message)
{
    if (!wantsArchived(username, with))
        return QString();
    const QString id = ArchiveStore::newId();
    const ArchiveStore::Row row{0, id, QDateTime::currentDateTimeUtc(), with.bare().toString(), with.resource(),
                                StoredStanza::toText(message)};
    QString error;
    if (!m_store->appendEntries({{ArchiveStore::Owner::user(username), row}}, &error)) {
        qCWarning(lcStorage) << "message not archived:" << error;
        return QString();
    }
    return id;
}

void MamModule::onOutgoing(StanzaEvent &event)
{
    m_lastSent = {};
    m_pending = {};
    // What a client of this user sends to another local account; the recipient's side archives
    // a message to the user's own account.
    Session *origin = event.origin;
    if (!origin || origin->fullJid() != event.from || event.to.node().isEmpty()
        || event.to.node() == event.from.node() || !isArchivable(event.stanza))
        return;
    if (m_host->sessions().sessionsOfUser(event.to.bare()).isEmpty() && !m_host->accountExists(event.to.node()))
        return;
    // Both archives in one transaction: queued for the group commit at the end of this turn.
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QString text = StoredStanza::toText(event.stanza);
    QList<ArchiveStore::Entry> rows;
    QString senderId;
    QString recipientId;
    if (wantsArchived(event.from.node(), event.to)) {
        senderId = ArchiveStore::newId();
        rows.append({ArchiveStore::Owner::user(event.from.node()), {0, senderId, now, event.to.bare().toString(), event.to.resource(), text}});
    }
    if (wantsArchived(event.to.node(), event.from)) {
        recipientId = ArchiveStore::newId();
        rows.append({ArchiveStore::Owner::user(event.to.node()), {0, recipientId, now, event.from.bare().toString(), event.from.resource(), text}});
    }
    QString error;
    if (!rows.isEmpty() && !m_store->appendEntries(rows, &error)) {
        qCWarning(lcStorage) << "message not archived:" << error;
        return;   // the recipient's side is tried again where the message arrives
    }
    const QString messageId = event.stanza.attribute(u"id"_s);
    if (!senderId.isEmpty())
        m_lastSent = {event.from, messageId, senderId};
    m_pending = {true, event.from, event.to, messageId, recipientId};
}

void MamModule::onIncoming(StanzaEvent &event)
{
    if (m_pending.valid) {
        const Pending pending = std::exchange(m_pending, {});
        if (pending.from == event.from && pending.to == event.to
            && pending.messageId == event.stanza.attribute(u"id"_s)) {
            if (!pending.recipientId.isEmpty())
                event.stanza.appendChild(stanzaId(event.to.bare().toString(), pending.recipientId));
            return;   // archived when it left
        }
    }
    const QString user = event.to.node();
    if (user.isEmpty() || event.from.isNull() || !isArchivable(event.stanza))
        return;
    if (m_host->sessions().sessionsOfUser(event.to.bare()).isEmpty() && !m_host->accountExists(user))
        return;   // the message module bounces it
    const QString id = archive(user, event.from, event.stanza);
    if (!id.isEmpty())
        event.stanza.appendChild(stanzaId(event.to.bare().toString(), id));
}

bool MamModule::onDelivery(Delivery &delivery) const
{
    // The <sent/> carbon of the message just archived in its sender's archive (XEP-0313 §5.1.2:
    // the sender's other clients learn the id of their own message).
    if (m_lastSent.archiveId.isEmpty() || delivery.stanza.name() != u"message")
        return false;
    XmlElement sent = delivery.stanza.firstChildElement(u"sent"_s, CarbonsNs);
    if (sent.isNull() || delivery.to->username() != m_lastSent.from.node())
        return false;
    XmlElement forwarded = sent.firstChildElement(u"forwarded"_s, ForwardNs);
    XmlElement message = forwarded.firstChildElement(u"message"_s);
    if (message.isNull() || message.attribute(u"id"_s) != m_lastSent.messageId
        || message.attribute(u"from"_s) != m_lastSent.from.toString())
        return false;
    message.appendChild(stanzaId(m_lastSent.from.bare().toString(), m_lastSent.archiveId));
    forwarded.removeChildElements(u"message"_s);
    forwarded.appendChild(message);
    sent.removeChildElements(u"forwarded"_s, ForwardNs);
    sent.appendChild(forwarded);
    delivery.stanza.removeChildElements(u"sent"_s, CarbonsNs);
    delivery.stanza.appendChild(sent);
    return false;
}

bool MamModule::onQuery(StanzaEvent &event)
{
    m_query->answer(event.stanza, event.from, ArchiveStore::Owner::user(event.from.node()),
                    event.from.bare().toString(), sendTo(event.from));
    return true;
}

MamQuery::Send MamModule::sendTo(const Jid &requester) const
{
    // Through the router by full JID: the answer may come after the request's session is gone.
    StanzaRouter *router = &m_host->router();
    return [router, requester](const XmlElement &stanza) { router->deliverToFullJid(requester, stanza); };
}

QString MamModule::archiveRoomMessage(const Jid &room, const Jid &occupant, const XmlElement &message)
{
    if (!m_ready || room.isNull())
        return QString();
    // The room's copy, not one occupant's: its 'to' names whoever got this copy.
    XmlElement stored = message;
    stored.removeAttribute(u"to"_s);
    const QString id = ArchiveStore::newId();
    const ArchiveStore::Row row{0, id, QDateTime::currentDateTimeUtc(), occupant.bare().toString(),
                                occupant.resource(), StoredStanza::toText(stored)};
    QString error;
    if (!m_store->appendEntries({{ArchiveStore::Owner::room(room.bare().toString()), row}}, &error)) {
        qCWarning(lcStorage) << "room message not archived:" << error;
        return QString();
    }
    return id;
}

bool MamModule::handleRoomIq(const XmlElement &iq, const Jid &requester, const Jid &room, MamQuery::Send send)
{
    if (!m_ready)
        return false;
    const QString type = iq.attribute(u"type"_s);
    const ArchiveStore::Owner owner = ArchiveStore::Owner::room(room.bare().toString());
    const QString roomJid = room.bare().toString();
    if (type == u"set" && iq.hasChildElement(u"query"_s, MamNs)) {
        m_query->answer(iq, requester, owner, roomJid, std::move(send));
        return true;
    }
    if (type == u"get" && iq.hasChildElement(u"query"_s, MamNs)) {
        send(MamQuery::formResult(iq));
        return true;
    }
    if (type == u"get" && iq.hasChildElement(u"metadata"_s, MamNs)) {
        m_query->metadata(iq, requester, owner, roomJid, std::move(send));
        return true;
    }
    return false;
}

bool MamModule::removeRoomArchive(const Jid &room)
{
    if (!m_ready)
        return false;
    // On the writer, after the room's rows handed over before: a failure is logged there.
    m_store->removeArchiveLater(ArchiveStore::Owner::room(room.bare().toString()));
    return true;
}

bool MamModule::onPrefs(StanzaEvent &event, bool set)
{
    StanzaRouter &router = m_host->router();
    const QString user = event.from.node();
    QString error;
    std::optional<ArchiveStore::Prefs> prefs;
    if (set) {
        // §6: default is required; <always/> and <never/> replace the stored lists.
        const XmlElement request = event.stanza.firstChildElement(u"prefs"_s, MamNs);
        const auto policy = ArchiveStore::defaultFromName(request.attribute(u"default"_s));
        if (!policy) {
            router.bounce(event, StanzaError::Condition::BadRequest, u"default must be always, never or roster"_s);
            return true;
        }
        ArchiveStore::Prefs updated;
        updated.defaultPolicy = *policy;
        const std::pair<QString, QStringList *> lists[] = {{u"always"_s, &updated.always}, {u"never"_s, &updated.never}};
        for (const auto &[name, list] : lists) {
            for (const XmlElement &jid : request.firstChildElement(name, MamNs).childElements()) {
                if (jid.name() != u"jid")
                    continue;
                const Jid parsed = Jid::parse(jid.text().trimmed());
                if (parsed.isNull()) {
                    router.bounce(event, StanzaError::Condition::JidMalformed);
                    return true;
                }
                if (!list->contains(parsed.toString()))
                    list->append(parsed.toString());
            }
        }
        if (!m_store->setPrefs(user, updated, &error)) {
            qCWarning(lcStorage) << "archive preferences not stored:" << error;
            m_prefs.remove(user);
            router.bounce(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        m_prefs.insert(user, updated);
        prefs = updated;
    } else {
        prefs = m_store->prefs(user, &error);
        if (!prefs) {
            router.bounce(event, StanzaError::Condition::InternalServerError);
            return true;
        }
    }
    XmlElement out(u"prefs"_s, MamNs);
    out.setAttribute(u"default"_s, ArchiveStore::defaultName(prefs->defaultPolicy));
    const std::pair<QString, const QStringList *> lists[] = {{u"always"_s, &prefs->always}, {u"never"_s, &prefs->never}};
    for (const auto &[name, list] : lists) {
        XmlElement e(name);
        for (const QString &jid : *list)
            e.appendTextElement(u"jid"_s, jid);
        out.appendChild(e);
    }
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    result.appendChild(out);
    router.reply(event, result);
    return true;
}
