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

// XEP-0082 §3.3 DateTime: a time zone is required (Z or an offset), fractions optional.
std::optional<QDateTime> parseDateTime(const QString &text)
{
    static const QRegularExpression format(
        u"^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"_s);
    if (!format.match(text).hasMatch())
        return std::nullopt;
    QString normalised = text;
    // Qt reads at most milliseconds: cut longer fractions instead of refusing them.
    static const QRegularExpression longFraction(u"(\\.\\d{3})\\d+"_s);
    normalised.replace(longFraction, u"\\1"_s);
    const QDateTime time = QDateTime::fromString(normalised, Qt::ISODateWithMs);
    if (!time.isValid())
        return std::nullopt;
    return time.toUTC();
}

QString formatDateTime(const QDateTime &time)
{
    return time.toUTC().toString(u"yyyy-MM-ddTHH:mm:ss.zzzZ"_s);
}

XmlElement field(const QString &var, const QString &type, const QString &value = QString())
{
    XmlElement f(u"field"_s);
    f.setAttribute(u"var"_s, var);
    f.setAttribute(u"type"_s, type);
    if (!value.isNull())
        f.appendTextElement(u"value"_s, value);
    return f;
}

XmlElement stanzaId(const QString &by, const QString &id)
{
    XmlElement e(u"stanza-id"_s, SidNs);
    e.setAttribute(u"by"_s, by);
    e.setAttribute(u"id"_s, id);
    return e;
}

// The form of §4.1.1 (and its #extended fields); values for "with", "start" and so on.
struct Filters
{
    ArchiveStore::Query query;
    QString error;   // empty: fine
};

Filters parseForm(const XmlElement &form)
{
    Filters f;
    if (form.isNull())
        return f;
    if (form.attribute(u"type"_s, u"submit"_s) != u"submit") {
        f.error = u"The query form must be of type submit"_s;
        return f;
    }
    for (const XmlElement &field : form.childElements()) {
        if (field.name() != u"field")
            continue;
        const QString var = field.attribute(u"var"_s);
        QStringList values;
        for (const XmlElement &v : field.childElements()) {
            if (v.name() == u"value")
                values.append(v.text().trimmed());
        }
        const QString value = values.value(0);
        if (var == u"FORM_TYPE") {
            if (value != MamNs)
                f.error = u"Unknown FORM_TYPE"_s;
        } else if (var == u"with") {
            const Jid jid = Jid::parse(value);
            if (jid.isNull() || jid.node().isEmpty()) {
                f.error = u"'with' is not a JID of an account"_s;
            } else {
                f.query.withBare = jid.bare().toString();
                f.query.withResource = jid.resource();
            }
        } else if (var == u"start" || var == u"end") {
            const auto time = parseDateTime(value);
            if (!time)
                f.error = u"'%1' is not a XEP-0082 DateTime"_s.arg(var);
            else if (var == u"start")
                f.query.start = time;
            else
                f.query.end = time;
        } else if (var == u"after-id") {
            f.query.afterId = value;
        } else if (var == u"before-id") {
            f.query.beforeId = value;
        } else if (var == u"ids") {
            f.query.ids = values;
        } else {
            // §4.1.1: a field the server does not support is an error, not silently ignored.
            f.error = u"Unsupported field '%1'"_s.arg(var);
        }
        if (!f.error.isEmpty())
            return f;
    }
    return f;
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
    host.hookIq(false, Target::Self, MamNs, u"query"_s, [this](StanzaEvent &e) { return onFormGet(e); });
    host.hookIq(false, Target::Self, MamNs, u"prefs"_s, [this](StanzaEvent &e) { return onPrefs(e, false); });
    host.hookIq(true, Target::Self, MamNs, u"prefs"_s, [this](StanzaEvent &e) { return onPrefs(e, true); });
    host.hookIq(false, Target::Self, MamNs, u"metadata"_s, [this](StanzaEvent &event) {
        // #extended: the first and last row of the archive.
        const QString user = event.from.node();
        ArchiveStore::Query q;
        q.max = 1;
        q.wantCount = false;
        const ArchiveStore::Page first = m_store->query(user, q);
        q.rsmBefore = QString();
        const ArchiveStore::Page last = m_store->query(user, q);
        if (first.status != ArchiveStore::Page::Status::Ok || last.status != ArchiveStore::Page::Status::Ok) {
            m_host->router().bounce(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        XmlElement metadata(u"metadata"_s, MamNs);
        if (!first.rows.isEmpty() && !last.rows.isEmpty()) {
            const std::pair<QString, ArchiveStore::Row> ends[] = {{u"start"_s, first.rows.first()},
                                                                  {u"end"_s, last.rows.first()}};
            for (const auto &[name, row] : ends) {
                XmlElement e(name);
                e.setAttribute(u"id"_s, row.id);
                e.setAttribute(u"timestamp"_s, formatDateTime(row.stamp));
                metadata.appendChild(e);
            }
        }
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        result.appendChild(metadata);
        m_host->router().reply(event, result);
        return true;
    });

    // XEP-0359 §5: a client must not be able to forge our ids, so theirs go first.
    auto strip = [this](StanzaEvent &event) {
        stripForeignStanzaIds(event);
        return false;
    };
    for (const Target target : {Target::Bare, Target::Full, Target::Self, Target::Host})
        host.hook(Event::pre(Kind::Message, target), strip, 1000);

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
            // Small batches, each its own transaction, so the event loop keeps serving clients.
            const int deleted = purgeExpired(QDateTime::currentDateTimeUtc(), PurgeBatch);
            schedulePurge(deleted == PurgeBatch ? 0 : PurgeIntervalMs);
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
    if (deleted < 0)
        qCWarning(lcStorage) << "expired archive rows not purged:" << error;
    else if (deleted > 0)
        qCDebug(lcStorage) << "purged" << deleted << "expired archive rows";
    return qMax(deleted, 0);
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
    const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
    QString error;
    if (m_store->append(username, id, QDateTime::currentDateTimeUtc(), with.bare().toString(), with.resource(),
                        StoredStanza::toText(message), &error)
        < 0) {
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
        senderId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        rows.append({event.from.node(), {0, senderId, now, event.to.bare().toString(), event.to.resource(), text}});
    }
    if (wantsArchived(event.to.node(), event.from)) {
        recipientId = QUuid::createUuid().toString(QUuid::WithoutBraces);
        rows.append({event.to.node(), {0, recipientId, now, event.from.bare().toString(), event.from.resource(), text}});
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

bool MamModule::onFormGet(StanzaEvent &event)
{
    // §4.1.1: the fields a query may use.
    XmlElement form(u"x"_s, DataNs);
    form.setAttribute(u"type"_s, u"form"_s);
    form.appendChild(field(u"FORM_TYPE"_s, u"hidden"_s, MamNs));
    form.appendChild(field(u"with"_s, u"jid-single"_s));
    form.appendChild(field(u"start"_s, u"text-single"_s));
    form.appendChild(field(u"end"_s, u"text-single"_s));
    form.appendChild(field(u"after-id"_s, u"text-single"_s));
    form.appendChild(field(u"before-id"_s, u"text-single"_s));
    form.appendChild(field(u"ids"_s, u"text-multi"_s));
    XmlElement query(u"query"_s, MamNs);
    query.appendChild(form);
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    result.appendChild(query);
    m_host->router().reply(event, result);
    return true;
}

bool MamModule::onQuery(StanzaEvent &event)
{
    StanzaRouter &router = m_host->router();
    const XmlElement request = event.stanza.firstChildElement(u"query"_s, MamNs);
    Filters filters = parseForm(request.firstChildElement(u"x"_s, DataNs));
    if (!filters.error.isEmpty()) {
        router.bounce(event, StanzaError::Condition::BadRequest, filters.error);
        return true;
    }
    ArchiveStore::Query &query = filters.query;

    // XEP-0059 §2: max, after, before ("before" empty: the last page).
    const XmlElement set = request.firstChildElement(u"set"_s, RsmNs);
    query.max = DefaultPage;
    if (!set.isNull()) {
        const XmlElement max = set.firstChildElement(u"max"_s);
        if (!max.isNull()) {
            bool ok = false;
            const int n = max.text().trimmed().toInt(&ok);
            if (!ok || n < 0) {
                router.bounce(event, StanzaError::Condition::BadRequest, u"<max/> must be a number"_s);
                return true;
            }
            query.max = qMin(n, MaxPage);
        }
        const XmlElement after = set.firstChildElement(u"after"_s);
        const XmlElement before = set.firstChildElement(u"before"_s);
        if (!after.isNull())
            query.rsmAfter = after.text().trimmed();
        if (!before.isNull())
            query.rsmBefore = before.text().trimmed();
        if (!after.isNull() && !before.isNull()) {
            router.bounce(event, StanzaError::Condition::BadRequest, u"<after/> and <before/> together"_s);
            return true;
        }
        if (set.hasChildElement(u"index"_s)) {
            router.bounce(event, StanzaError::Condition::FeatureNotImplemented, u"Paging by index"_s);
            return true;
        }
    }

    const QString user = event.from.node();
    const ArchiveStore::Page page = m_store->query(user, query);
    if (page.status == ArchiveStore::Page::Status::ItemNotFound) {
        router.bounce(event, StanzaError::Condition::ItemNotFound);
        return true;
    }
    if (page.status == ArchiveStore::Page::Status::Failed) {
        qCWarning(lcStorage) << "archive query failed:" << page.error;
        router.bounce(event, StanzaError::Condition::InternalServerError);
        return true;
    }

    // §4.2: each row as a <result/> message to the querying resource, then the <fin/>.
    const QString queryId = request.attribute(u"queryid"_s);
    const QString userBare = event.from.bare().toString();
    QList<ArchiveStore::Row> rows = page.rows;
    const bool flip = request.hasChildElement(u"flip-page"_s);   // #extended: newest first
    if (flip)
        std::reverse(rows.begin(), rows.end());
    for (const ArchiveStore::Row &row : std::as_const(rows)) {
        XmlElement original = StoredStanza::fromText(row.stanza);
        if (original.isNull())
            continue;
        original.setXmlns(ClientNs);
        XmlElement delay(u"delay"_s, DelayNs);
        delay.setAttribute(u"stamp"_s, formatDateTime(row.stamp));
        XmlElement forwarded(u"forwarded"_s, ForwardNs);
        forwarded.appendChild(delay);
        forwarded.appendChild(original);
        XmlElement result(u"result"_s, MamNs);
        if (!queryId.isEmpty())
            result.setAttribute(u"queryid"_s, queryId);
        result.setAttribute(u"id"_s, row.id);
        result.appendChild(forwarded);
        XmlElement message(u"message"_s);
        message.setAttribute(u"from"_s, userBare);
        message.setAttribute(u"to"_s, event.from.toString());
        message.setAttribute(u"id"_s, QUuid::createUuid().toString(QUuid::WithoutBraces));
        message.appendChild(result);
        router.reply(event, message);
    }

    XmlElement rsm(u"set"_s, RsmNs);
    if (!page.rows.isEmpty()) {
        XmlElement first(u"first"_s);
        if (page.firstIndex >= 0)
            first.setAttribute(u"index"_s, QString::number(page.firstIndex));
        first.appendText(page.rows.first().id);
        rsm.appendChild(first);
        rsm.appendTextElement(u"last"_s, page.rows.last().id);
    }
    if (page.count >= 0)
        rsm.appendTextElement(u"count"_s, QString::number(page.count));
    XmlElement fin(u"fin"_s, MamNs);
    if (page.complete)
        fin.setAttribute(u"complete"_s, u"true"_s);
    if (flip)
        fin.setAttribute(u"flip-page"_s, u"true"_s);   // harmless to clients that ignore it
    fin.appendChild(rsm);
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    result.appendChild(fin);
    router.reply(event, result);
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
