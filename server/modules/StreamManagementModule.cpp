#include "modules/StreamManagementModule.h"

#include "auth/Crypto.h"
#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "modules/StoredStanza.h"
#include "session/Session.h"
#include "storage/Database.h"
#include "storage/OfflineStore.h"

#include <QDateTime>
#include <QPointer>
#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace {
const QString SmNs = u"urn:xmpp:sm:3"_s;
const QString StanzaErrorNs = u"urn:ietf:params:xml:ns:xmpp-stanzas"_s;
const QString ClientNs = u"jabber:client"_s;
const QString DelayNs = u"urn:xmpp:delay"_s;
const QString CarbonsNs = u"urn:xmpp:carbons:2"_s;
constexpr int RequestDelayMs = 250;   // <r/> shortly after a burst, not after every stanza

bool isTrue(const QString &value)
{
    return value == u"true" || value == u"1";
}

std::optional<quint32> parseH(const QString &value)
{
    bool ok = false;
    const qulonglong h = value.toULongLong(&ok);
    if (!ok || h > 0xFFFFFFFFull)
        return std::nullopt;
    return quint32(h);
}

// What the offline store would have taken (XEP-0160 §3): chat and normal messages, not
// errors, groupchat, headlines or carbon copies.
bool storable(const XmlElement &stanza)
{
    if (stanza.name() != u"message")
        return false;
    const QString type = stanza.attribute(u"type"_s);
    if (!type.isEmpty() && type != u"chat" && type != u"normal")
        return false;
    for (const XmlElement &child : stanza.childElements()) {
        if (child.xmlns() == CarbonsNs)
            return false;
    }
    return true;
}
} // namespace

StreamManagementModule::StreamManagementModule() = default;
StreamManagementModule::~StreamManagementModule() = default;

ModuleOptions StreamManagementModule::options()
{
    return {
        {u"sm_resume_timeout"_s, ModuleOption::Type::Integer, 1, 7 * 24 * 3600},
        {u"sm_max_queue"_s, ModuleOption::Type::Integer, 1, 100000},
    };
}

void StreamManagementModule::load(ModuleHost &host)
{
    m_host = &host;
    m_resumeTimeout = int(host.optionInt(u"sm_resume_timeout"_s, 3600));
    m_maxQueue = int(host.optionInt(u"sm_max_queue"_s, 500));
    m_offline = std::make_unique<OfflineStore>(host.database());
    if (host.database() && host.database()->isOpen()) {
        QString error;
        m_ready = host.migrate(u"stream_management"_s,
                               {u"CREATE TABLE sm_held ("
                                "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                                "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
                                "  session TEXT NOT NULL,"
                                "  stanza TEXT NOT NULL,"
                                "  stamp TEXT NOT NULL"
                                ")"_s,
                                u"CREATE INDEX sm_held_by_session ON sm_held (session, id)"_s},
                               &error);
        if (!m_ready)
            qCCritical(lcStorage) << "stream management queue table unavailable:" << error;
        else
            moveHeldToOffline(QString());   // sessions of a previous run cannot be resumed
    }

    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(RequestDelayMs);
    QObject::connect(&m_requestTimer, &QTimer::timeout, &m_context, [this] { sendRequests(); });

    // §2: offered once authenticated (resume before binding, enable after).
    host.addStreamFeature(ModuleHost::Stage::AfterAuth, [](Session *, XmlElement &features) {
        features.appendChild(XmlElement(u"sm"_s, SmNs));
    });
    host.handleElement(SmNs, [this](Stream &stream, const XmlElement &element) { return onElement(stream, element); });
    // Last of all filters: what another one drops is never counted.
    host.hookDelivery([this](Delivery &delivery) { return onDelivery(delivery); }, -1000);
    host.hookSession(SessionManager::Event::Hibernated, [this](Session *session) { onHibernated(session); });
    // After every other Closed hook: what they send on the session's behalf is not queued.
    host.hookSession(SessionManager::Event::Closed, [this](Session *session) { onClosed(session); }, -1000);
}

bool StreamManagementModule::onElement(Stream &stream, const XmlElement &element)
{
    Session *session = stream.session();
    const QString name = element.name();
    if (name == u"enable") {
        enable(session, element);
        return true;
    }
    if (name == u"resume") {
        resume(stream, element);
        return true;
    }
    State *state = m_state.find(session);
    if (name == u"r") {
        if (!state || !state->enabled) {
            stream.fail(StreamError::Condition::UnsupportedStanzaType, u"Stream management is not enabled"_s);
            return true;
        }
        // Commit before ack: the <a/> waits for whatever the stanzas it counts handed to a
        // background writer (their archive rows); h is what was handled when asked.
        const quint32 h = handled(session, *state);
        QPointer<Session> guard(session);
        m_host->afterCommitted([guard, h] {
            if (!guard || guard->isRetired())
                return;
            XmlElement answer(u"a"_s, SmNs);
            answer.setAttribute(u"h"_s, QString::number(h));
            guard->send(answer);
        });
        return true;
    }
    if (name == u"a") {
        if (!state || !state->enabled) {
            stream.fail(StreamError::Condition::UnsupportedStanzaType, u"Stream management is not enabled"_s);
            return true;
        }
        const std::optional<quint32> h = parseH(element.attribute(u"h"_s));
        if (!h) {
            stream.fail(StreamError::Condition::InvalidXml, u"The 'h' attribute must be a 32-bit counter"_s);
            return true;
        }
        state->requestPending = false;
        if (acknowledge(session, *state, *h)) {
            updateSnapshot(session, *state);
            if (!state->unacked.isEmpty())
                scheduleRequest(session, *state);
        }
        return true;
    }
    return false;
}

quint32 StreamManagementModule::handled(Session *session, const State &state) const
{
    // §4: 'h' wraps at 2^32.
    return quint32(session->clientStanzas() - state.handledBase);
}

void StreamManagementModule::enable(Session *session, const XmlElement &element)
{
    // §3: after resource binding, once per stream.
    if (session->type() != Session::Type::C2S) {
        sendFailed(session, u"unexpected-request"_s);
        return;
    }
    State &state = m_state.get(session);
    if (state.enabled) {
        sendFailed(session, u"unexpected-request"_s);
        return;
    }
    state.enabled = true;
    state.handledBase = session->clientStanzas();
    XmlElement enabled(u"enabled"_s, SmNs);
    if (isTrue(element.attribute(u"resume"_s))) {
        // §5: the client may ask for less time than the server allows, never more.
        int max = m_resumeTimeout;
        bool ok = false;
        const int wanted = element.attribute(u"max"_s).toInt(&ok);
        if (ok && wanted > 0)
            max = qMin(max, wanted);
        state.resumeId = QString::fromLatin1(
            Crypto::randomBytes(18).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
        m_byResumeId.insert(state.resumeId, session);
        session->setResumeTimeout(max);
        enabled.setAttribute(u"id"_s, state.resumeId);
        enabled.setAttribute(u"resume"_s, u"true"_s);
        enabled.setAttribute(u"max"_s, QString::number(max));
    }
    session->send(enabled);
    updateSnapshot(session, state);
}

void StreamManagementModule::resume(Stream &stream, const XmlElement &element)
{
    Session *fresh = stream.session();
    // §5: after authentication, instead of binding.
    if (fresh->type() != Session::Type::C2SUnbound) {
        sendFailed(fresh, u"unexpected-request"_s);
        return;
    }
    const std::optional<quint32> h = parseH(element.attribute(u"h"_s));
    if (!h) {
        stream.fail(StreamError::Condition::InvalidXml, u"The 'h' attribute must be a 32-bit counter"_s);
        return;
    }
    Session *old = m_byResumeId.value(element.attribute(u"previd"_s));
    // Another user's id is answered as an unknown one: ids are not to be probed.
    if (!old || old->isRetired() || old->username() != fresh->username()) {
        if (old && old->username() != fresh->username())
            qCWarning(lcSessions) << "session" << fresh->id() << "of" << fresh->username()
                                  << "tried to resume a session of" << old->username();
        sendFailed(fresh, u"item-not-found"_s);
        return;
    }
    State &state = m_state.get(old);
    const quint32 delta = *h - state.acked;
    if (delta > quint32(state.unacked.size())) {
        // The client claims more than was sent: the old session cannot be trusted to resume,
        // it ends (its unacknowledged messages go offline) and so does this stream.
        const quint32 sent = state.sent;
        m_host->sessions().destroySession(old);
        failHandledCountTooHigh(fresh, *h, sent);
        return;
    }
    if (!stream.reattach(old)) {
        sendFailed(fresh, u"item-not-found"_s);
        return;
    }
    // From here on the stream belongs to the old session.
    state.expiry.reset();
    acknowledge(old, state, *h);
    // <resumed h/> acknowledges the client's stanzas too: their archive rows first (a resume is
    // rare, and by now at most one group commit is still running).
    m_host->waitCommitted();
    XmlElement resumed(u"resumed"_s, SmNs);
    resumed.setAttribute(u"previd"_s, state.resumeId);
    resumed.setAttribute(u"h"_s, QString::number(handled(old, state)));
    old->send(resumed);
    // §5: what the client did not acknowledge, again and in order; already filtered once.
    state.requestPending = false;
    state.sent = state.acked;
    for (const Entry &entry : std::as_const(state.unacked)) {
        old->send(entry.stanza);
        ++state.sent;
    }
    updateSnapshot(old, state);
    if (!state.unacked.isEmpty())
        scheduleRequest(old, state);
}

bool StreamManagementModule::acknowledge(Session *session, State &state, quint32 h)
{
    const quint32 delta = h - state.acked;
    if (delta > quint32(state.unacked.size())) {
        failHandledCountTooHigh(session, h, state.sent);
        return false;
    }
    QList<qint64> held;
    QList<Entry> acked = state.unacked.mid(0, qsizetype(delta));
    state.unacked.remove(0, qsizetype(delta));
    state.acked = h;
    for (Entry &entry : acked) {
        if (entry.heldId)
            held.append(entry.heldId);
        if (entry.done)
            entry.done(true);
    }
    releaseHeld(held);
    return true;
}

void StreamManagementModule::failHandledCountTooHigh(Session *session, quint32 h, quint32 sent)
{
    qCInfo(lcSessions) << "session" << session->id() << "acknowledged" << h << "stanzas of" << sent;
    // §4: undefined-condition with the application condition, then the stream ends.
    XmlElement detail(u"handled-count-too-high"_s, SmNs);
    detail.setAttribute(u"h"_s, QString::number(h));
    detail.setAttribute(u"send-count"_s, QString::number(sent));
    QByteArray error = StreamError::streamErrorXml(StreamError::Condition::UndefinedCondition,
                                                   u"More stanzas acknowledged than were sent"_s);
    error.insert(error.size() - qsizetype(sizeof("</stream:error>") - 1), detail.toXml());
    session->sendRaw(error);
    m_host->sessions().destroySession(session);
}

void StreamManagementModule::sendFailed(Session *session, const QString &condition, std::optional<quint32> h)
{
    XmlElement failed(u"failed"_s, SmNs);
    if (h)
        failed.setAttribute(u"h"_s, QString::number(*h));
    failed.appendChild(XmlElement(condition, StanzaErrorNs));
    session->send(failed);
}

bool StreamManagementModule::onDelivery(Delivery &delivery)
{
    Session *session = delivery.to;
    State *state = m_state.find(session);
    if (!state || !state->enabled || state->ending)
        return false;
    Entry entry{delivery.stanza, std::move(delivery.done), 0};
    ++state->sent;
    const bool hibernating = session->isHibernating();
    if (hibernating && !entry.done && storable(entry.stanza))
        entry.heldId = hold(session->username(), state->resumeId, entry.stanza);
    state->unacked.append(std::move(entry));
    updateSnapshot(session, *state);
    if (state->unacked.size() > m_maxQueue)
        endLater(session, u"Too many unacknowledged stanzas"_s);
    else if (!hibernating)
        scheduleRequest(session, *state);
    return hibernating;   // queued; a connected session writes it now
}

void StreamManagementModule::scheduleRequest(Session *session, State &state)
{
    if (state.requestPending)
        return;
    m_requestsDue.insert(session->id());
    if (!m_requestTimer.isActive())
        m_requestTimer.start();
}

void StreamManagementModule::sendRequests()
{
    const QSet<quint64> due = std::exchange(m_requestsDue, {});
    for (quint64 id : due) {
        Session *session = m_host->sessions().session(id);
        if (!session || session->isRetired() || session->isHibernating())
            continue;
        State *state = m_state.find(session);
        if (!state || !state->enabled || state->requestPending || state->unacked.isEmpty())
            continue;
        state->requestPending = true;
        session->send(XmlElement(u"r"_s, SmNs));
    }
}

void StreamManagementModule::endLater(Session *session, const QString &why)
{
    State *state = m_state.find(session);
    if (!state || state->ending)
        return;
    state->ending = true;   // nothing more is queued
    // Not now: the delivery may be part of a loop over the sessions.
    QPointer<Session> guard(session);
    QTimer::singleShot(0, &m_context, [this, guard, why] {
        if (!guard || guard->isRetired())
            return;
        qCInfo(lcSessions) << "session" << guard->id() << "ends:" << why;
        // §5: past the queue bound the session ends as if the timeout had expired.
        m_host->sessions().destroySession(guard, StreamError::Condition::ResourceConstraint, why);
    });
}

void StreamManagementModule::onHibernated(Session *session)
{
    State *state = m_state.find(session);
    if (!state || !state->enabled)
        return;
    state->requestPending = false;
    // Commit before ack: what the lost connection may not have delivered is kept on disk.
    for (Entry &entry : state->unacked) {
        if (!entry.done && !entry.heldId && storable(entry.stanza))
            entry.heldId = hold(session->username(), state->resumeId, entry.stanza);
    }
    state->expiry = std::make_unique<QTimer>();
    state->expiry->setSingleShot(true);
    state->expiry->setInterval(session->resumeTimeout() * 1000);
    QPointer<Session> guard(session);
    QObject::connect(state->expiry.get(), &QTimer::timeout, &m_context, [this, guard] {
        if (guard && !guard->isRetired()) {
            qCInfo(lcSessions) << "session" << guard->id() << "was not resumed in time";
            m_host->sessions().destroySession(guard);
        }
    });
    state->expiry->start();
    updateSnapshot(session, *state);
}

void StreamManagementModule::onClosed(Session *session)
{
    State *state = m_state.find(session);
    if (!state || !state->enabled)
        return;
    state->ending = true;
    state->expiry.reset();
    if (!state->resumeId.isEmpty())
        m_byResumeId.remove(state->resumeId);
    // §5: the client never acknowledged these; nothing the sender was told was delivered is
    // lost: held rows and the rest become offline messages, the others' receipts say no.
    const QList<Entry> unacked = std::exchange(state->unacked, {});
    if (!state->resumeId.isEmpty())
        moveHeldToOffline(state->resumeId);
    for (const Entry &entry : unacked) {
        if (entry.done)
            entry.done(false);
        else if (!entry.heldId && storable(entry.stanza))
            storeOffline(session->username(), entry.stanza);
        else if (entry.stanza.name() == u"iq")
            bounceRequest(entry.stanza);
    }
}

void StreamManagementModule::bounceRequest(const XmlElement &iq)
{
    // §5: a request the client never acknowledged is undeliverable; its sender hears so rather
    // than waiting for ever (an error or result is not answered, RFC 6120 §8.3.1).
    const QString type = iq.attribute(u"type"_s);
    if (type != u"get" && type != u"set")
        return;
    StanzaEvent event;
    event.stanza = iq;
    event.kind = Kind::Iq;
    event.from = Jid::parse(iq.attribute(u"from"_s));
    event.to = Jid::parse(iq.attribute(u"to"_s));
    if (event.from.isNull() || event.from.resource().isEmpty())
        return;   // the server's own requests (roster pushes, pings) need no answer
    m_host->router().bounce(event, StanzaError::Condition::RecipientUnavailable);
}

void StreamManagementModule::updateSnapshot(Session *session, const State &state)
{
    session->setStreamManagement(state.enabled, int(state.unacked.size()));
}

namespace {
XmlElement withDelay(const XmlElement &stanza, const QString &domain, const QDateTime &now)
{
    if (stanza.hasChildElement(u"delay"_s, DelayNs))
        return stanza;
    XmlElement copy = stanza;
    XmlElement delay(u"delay"_s, DelayNs);
    delay.setAttribute(u"from"_s, domain);
    delay.setAttribute(u"stamp"_s, now.toString(Qt::ISODate));
    copy.appendChild(delay);
    return copy;
}
} // namespace

qint64 StreamManagementModule::hold(const QString &username, const QString &resumeId, const XmlElement &stanza)
{
    if (!m_ready)
        return 0;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QSqlQuery query(m_host->database()->connection());
    query.prepare(u"INSERT INTO sm_held (username, session, stanza, stamp) VALUES (?, ?, ?, ?)"_s);
    query.addBindValue(username);
    query.addBindValue(resumeId);
    query.addBindValue(StoredStanza::toText(withDelay(stanza, m_host->domain(), now)));
    query.addBindValue(now.toString(Qt::ISODateWithMs));
    if (!query.exec()) {
        qCWarning(lcStorage) << "queued message not held:" << query.lastError().text();
        return 0;
    }
    return query.lastInsertId().toLongLong();
}

void StreamManagementModule::releaseHeld(const QList<qint64> &ids)
{
    if (!m_ready || ids.isEmpty())
        return;
    QSqlDatabase db = m_host->database()->connection();
    Transaction transaction(db);
    QSqlQuery query(db);
    query.prepare(u"DELETE FROM sm_held WHERE id = ?"_s);
    for (qint64 id : ids) {
        query.addBindValue(id);
        if (!query.exec())
            qCWarning(lcStorage) << "held message not released:" << query.lastError().text();
    }
    if (!transaction.commit())
        qCWarning(lcStorage) << "held messages not released:" << transaction.errorText();
}

void StreamManagementModule::moveHeldToOffline(const QString &resumeId)
{
    if (!m_ready)
        return;
    // One transaction: each held message becomes exactly one offline message.
    QSqlDatabase db = m_host->database()->connection();
    Transaction transaction(db);
    QSqlQuery query(db);
    const QString where = resumeId.isEmpty() ? QString() : u" WHERE session = ?"_s;
    query.prepare(u"INSERT INTO offline_messages (username, stanza, stamp) "
                  "SELECT username, stanza, stamp FROM sm_held"_s + where + u" ORDER BY id"_s);
    if (!resumeId.isEmpty())
        query.addBindValue(resumeId);
    bool ok = query.exec();
    if (ok) {
        query.prepare(u"DELETE FROM sm_held"_s + where);
        if (!resumeId.isEmpty())
            query.addBindValue(resumeId);
        ok = query.exec();
    }
    if (!ok) {
        qCWarning(lcStorage) << "held messages not moved offline:" << query.lastError().text();
        return;
    }
    if (!transaction.commit())
        qCWarning(lcStorage) << "held messages not moved offline:" << transaction.errorText();
}

void StreamManagementModule::storeOffline(const QString &username, const XmlElement &stanza)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QString error;
    // The sender was told it was delivered: no quota can refuse it now.
    if (m_offline->store(username, StoredStanza::toText(withDelay(stanza, m_host->domain(), now)), now, -1, &error)
        != OfflineStore::Result::Stored)
        qCWarning(lcStorage) << "unacknowledged message not stored offline:" << error;
}
