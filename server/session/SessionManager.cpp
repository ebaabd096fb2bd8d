#include "session/SessionManager.h"

#include "auth/Crypto.h"
#include "base/Logging.h"
#include "net/Transport.h"
#include "session/AuthThrottle.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
constexpr int BatchIntervalMs = 100;   // the console redraws at most ten times a second
}

SessionManager::SessionManager(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<SessionSnapshot>();
    qRegisterMetaType<QList<SessionSnapshot>>();
    m_batchTimer.setSingleShot(true);
    m_batchTimer.setInterval(BatchIntervalMs);
    connect(&m_batchTimer, &QTimer::timeout, this, &SessionManager::flushBatch);
}

SessionManager::~SessionManager()
{
    // Sessions are QObject children; make sure none outlives the indices.
    const auto sessions = m_byId.values();
    for (Session *session : sessions)
        session->m_retired = true;
}

Session *SessionManager::createSession(Transport *conn, bool directTls)
{
    auto *session = new Session(m_nextId++, conn, directTls, this);
    m_byId.insert(session->id(), session);
    const QString addressKey = AuthThrottle::addressKey(conn->peerAddress());
    m_unauthenticated.insert(session, addressKey);
    ++m_unauthenticatedByAddress[addressKey];
    qCDebug(lcSessions) << "session" << session->id() << "opened from" << conn->peerAddress().toString();
    run(Event::Opened, session);
    markDirty(session);
    return session;
}

void SessionManager::authenticate(Session *session, const QString &username, const QString &mechanism)
{
    forgetUnauthenticated(session);
    session->m_type = Session::Type::C2SUnbound;
    session->m_username = username;
    session->m_saslMechanism = mechanism;
    run(Event::Authenticated, session);
    markDirty(session);
}

SessionManager::BindResult SessionManager::bindResource(Session *session, QString *resource)
{
    Jid full = Jid::fromParts(session->username(), session->host(), *resource);
    if (full.isNull())
        return BindResult::NotAllowed;
    if (Session *existing = m_byFullJid.value(full); existing && existing != session) {
        switch (m_conflictPolicy) {
        case ServerConfig::ResourceConflict::KickNew:
            return BindResult::Conflict;
        case ServerConfig::ResourceConflict::Random:
            do {
                *resource = QString::fromLatin1(Crypto::randomBytes(6).toHex());
                full = full.withResource(*resource);
            } while (m_byFullJid.contains(full));
            break;
        case ServerConfig::ResourceConflict::KickOld:
            destroySession(existing, StreamError::Condition::Conflict,
                           u"Replaced by a new connection for the same resource"_s);
            break;
        }
    }
    session->m_resource = full.resource();
    session->m_fullJid = full;
    session->m_type = Session::Type::C2S;
    m_byFullJid.insert(full, session);
    m_byBareJid[full.bare()].append(session);
    run(Event::Bound, session);
    markDirty(session);
    return BindResult::Bound;
}

void SessionManager::destroySession(Session *session, std::optional<StreamError::Condition> condition,
                                    const QString &text, const QString &by)
{
    if (!session || session->m_retired || !m_byId.contains(session->id()))
        return;
    const quint64 id = session->id();
    qCDebug(lcSessions) << "destroying session" << id << (text.isEmpty() ? QString() : text);

    // While the session is still indexed, features say goodbye on its behalf.
    CloseReason outer = std::exchange(m_closing, CloseReason{by, condition, text});
    run(Event::Closed, session);
    if (std::exchange(session->m_hibernating, false))
        --m_hibernatingCount;
    m_closing = std::move(outer);

    session->close(condition, text);
    session->m_retired = true;
    forgetUnauthenticated(session);

    m_byId.remove(id);
    if (session->isConnectedResource()) {
        m_byFullJid.remove(session->fullJid());
        const Jid bare = session->fullJid().bare();
        auto it = m_byBareJid.find(bare);
        if (it != m_byBareJid.end()) {
            it->removeOne(session);
            if (it->isEmpty())
                m_byBareJid.erase(it);
        }
    }
    m_available.remove(session);
    m_interested.remove(session);
    m_dirty.remove(id);
    m_closedSinceBatch.append(id);
    scheduleBatch();

    session->deleteLater();
}

bool SessionManager::hibernate(Session *session)
{
    if (!session || session->m_retired || session->m_hibernating || session->m_resumeTimeout <= 0
        || session->type() != Session::Type::C2S || !m_byId.contains(session->id()))
        return false;
    qCDebug(lcSessions) << "session" << session->id() << "hibernating for" << session->m_resumeTimeout << "s";
    // The connection goes without a goodbye: it is lost, or a newer stream replaces it.
    session->releaseConnection();
    session->m_hibernating = true;
    session->m_hibernatingUntil = QDateTime::currentDateTimeUtc().addSecs(session->m_resumeTimeout);
    ++m_hibernatingCount;
    run(Event::Hibernated, session);
    markDirty(session);
    return true;
}

bool SessionManager::reattach(Session *hibernating, Session *fresh)
{
    if (!hibernating || !fresh || hibernating == fresh || !hibernating->m_hibernating || hibernating->m_retired
        || fresh->m_retired || !fresh->m_conn || fresh->username() != hibernating->username())
        return false;
    qCDebug(lcSessions) << "session" << fresh->id() << "resumes session" << hibernating->id();
    Transport *conn = std::exchange(fresh->m_conn, nullptr);
    conn->setParent(hibernating);
    hibernating->m_conn = conn;
    hibernating->m_notopen = fresh->m_notopen;
    hibernating->m_streamHeaderSent = fresh->m_streamHeaderSent;
    hibernating->m_directTls = fresh->m_directTls;
    hibernating->m_transportKind = fresh->m_transportKind;
    hibernating->m_encrypted = fresh->m_encrypted;
    hibernating->m_saslMechanism = fresh->m_saslMechanism;
    hibernating->m_closing = false;
    hibernating->m_hibernating = false;
    hibernating->m_hibernatingUntil = QDateTime();
    hibernating->m_lastActivity = QDateTime::currentDateTimeUtc();
    --m_hibernatingCount;

    // The fresh session was only ever a negotiation: it leaves without hooks.
    fresh->m_retired = true;
    forgetUnauthenticated(fresh);
    m_byId.remove(fresh->id());
    m_dirty.remove(fresh->id());
    m_closedSinceBatch.append(fresh->id());
    fresh->deleteLater();

    run(Event::Resumed, hibernating);
    markDirty(hibernating);
    return true;
}

void SessionManager::hook(Event event, SessionHook hook, int priority)
{
    auto &list = m_hooks[int(event)];
    // Highest priority first; equal priorities in the order they were added.
    const auto at = std::find_if(list.begin(), list.end(), [priority](const HookEntry &e) { return e.priority < priority; });
    list.insert(at, {priority, std::move(hook)});
}

void SessionManager::run(Event event, Session *session)
{
    for (const HookEntry &entry : m_hooks[int(event)])
        entry.hook(session);
}

void SessionManager::forgetUnauthenticated(Session *session)
{
    const auto it = m_unauthenticated.find(session);
    if (it == m_unauthenticated.end())
        return;
    const auto count = m_unauthenticatedByAddress.find(*it);
    if (count != m_unauthenticatedByAddress.end() && --*count <= 0)
        m_unauthenticatedByAddress.erase(count);
    m_unauthenticated.erase(it);
}

QList<Session *> SessionManager::availableResourcesOfUser(const Jid &bareJid) const
{
    QList<Session *> result;
    for (Session *s : m_byBareJid.value(bareJid)) {
        if (s->isAvailable())
            result.append(s);
    }
    return result;
}

QList<Session *> SessionManager::interestedResourcesOfUser(const Jid &bareJid) const
{
    QList<Session *> result;
    for (Session *s : m_byBareJid.value(bareJid)) {
        if (s->isInterested())
            result.append(s);
    }
    return result;
}

QList<SessionSnapshot> SessionManager::snapshots() const
{
    QList<SessionSnapshot> result;
    result.reserve(m_byId.size());
    for (Session *s : m_byId)
        result.append(s->snapshot());
    return result;
}

void SessionManager::setWatched(quint64 id, bool watched)
{
    if (Session *s = session(id))
        s->m_watched = watched;
}

void SessionManager::markDirty(Session *session)
{
    if (session->m_retired)
        return;
    m_dirty.insert(session->id());
    scheduleBatch();
}

void SessionManager::onPresenceChanged(Session *session, bool wasAvailable)
{
    const bool available = session->isAvailable();
    if (available)
        m_available.insert(session);
    else
        m_available.remove(session);
    if (available != wasAvailable)
        run(Event::PresenceChanged, session);
    markDirty(session);
}

void SessionManager::onInterestedChanged(Session *session)
{
    if (session->isInterested())
        m_interested.insert(session);
    else
        m_interested.remove(session);
    markDirty(session);
}

void SessionManager::scheduleBatch()
{
    if (!m_batchTimer.isActive())
        m_batchTimer.start();
}

void SessionManager::flushBatch()
{
    QList<SessionSnapshot> changed;
    changed.reserve(m_dirty.size());
    for (quint64 id : std::as_const(m_dirty)) {
        if (Session *s = m_byId.value(id))
            changed.append(s->snapshot());
    }
    m_dirty.clear();
    QList<quint64> closed;
    closed.swap(m_closedSinceBatch);
    if (!changed.isEmpty() || !closed.isEmpty())
        Q_EMIT sessionsUpdated(changed, closed);
}
