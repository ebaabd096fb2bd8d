#pragma once

#include "base/ServerConfig.h"
#include "session/Session.h"
#include "session/SessionSnapshot.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>

// Owns every session (Prosody's sessionmanager): creates them, indexes them by id, full JID and
// bare JID, keeps the session model's three sets (connected ⊇ available, connected ⊇ interested) and
// destroys them. Observers in other threads get value snapshots in batches, at most ten a
// second, never pointers.
class SessionManager : public QObject
{
    Q_OBJECT
public:
    enum class BindResult { Bound, Conflict, NotAllowed };

    explicit SessionManager(QObject *parent = nullptr);
    ~SessionManager() override;

    void setResourceConflictPolicy(ServerConfig::ResourceConflict policy) { m_conflictPolicy = policy; }

    Session *createSession(Transport *conn, bool directTls);
    // c2s_unauthed → c2s_unbound.
    void authenticate(Session *session, const QString &username, const QString &mechanism);
    // c2s_unbound → c2s; applies the resource conflict policy (RFC 6120 §7.7.2.2). With
    // `random`, *resource may be replaced by a fresh one.
    BindResult bindResource(Session *session, QString *resource);
    // Tells interested listeners (presence goes out on the user's behalf), removes the session
    // from every index, closes the stream with the optional error and retires the session so
    // that late sends are dropped. Safe to call twice.
    // `by` says who or what ended it, for the session timeline ("client", "network",
    // "administrator"; empty: the server itself).
    void destroySession(Session *session, std::optional<StreamError::Condition> condition = std::nullopt,
                        const QString &text = QString(), const QString &by = QString());
    // A bound session with a resume timeout (Session::setResumeTimeout) loses its connection
    // without ending: the connection is let go (no stream error), the session stays indexed,
    // available and interested, and is due to end resumeTimeout() seconds from now. Runs the
    // Hibernated hooks. False (nothing done) for a session that is not eligible.
    bool hibernate(Session *session);
    // A new stream of the same user takes over a hibernating session: `fresh` (authenticated,
    // not bound) hands its connection and stream state over and is retired without any hook
    // (it never was a resource); the hibernating one is connected again and runs the Resumed
    // hooks. The caller moves the stream object itself (see C2SStream::reattach).
    bool reattach(Session *hibernating, Session *fresh);
    // Sessions without a connection (hibernating), for the status bar.
    int hibernatingCount() const { return m_hibernatingCount; }

    // Why the session being destroyed goes: valid while the Closed hooks run.
    struct CloseReason
    {
        QString by;
        std::optional<StreamError::Condition> condition;
        QString text;
    };
    const CloseReason &closing() const { return m_closing; }

    // --- queries ---
    Session *session(quint64 id) const { return m_byId.value(id); }
    Session *sessionByFullJid(const Jid &fullJid) const { return m_byFullJid.value(fullJid); }
    // Connected resources of a user (bare JID), in binding order.
    QList<Session *> sessionsOfUser(const Jid &bareJid) const { return m_byBareJid.value(bareJid); }
    QList<Session *> allSessions() const { return m_byId.values(); }
    int connectionCount() const { return int(m_byId.size()); }
    // Connections not yet authenticated, in all and from one address (AuthThrottle::addressKey).
    int unauthenticatedCount() const { return int(m_unauthenticated.size()); }
    int unauthenticatedFrom(const QString &addressKey) const { return m_unauthenticatedByAddress.value(addressKey); }
    int connectedResourceCount() const { return int(m_byFullJid.size()); }
    const QSet<Session *> &availableResources() const { return m_available; }
    const QSet<Session *> &interestedResources() const { return m_interested; }
    QList<Session *> availableResourcesOfUser(const Jid &bareJid) const;
    QList<Session *> interestedResourcesOfUser(const Jid &bareJid) const;
    QList<SessionSnapshot> snapshots() const;

    // Session lifecycle events for modules, run synchronously in the server thread, highest
    // priority first:
    //   Opened           a connection was accepted (type c2s_unauthed)
    //   Authenticated    SASL succeeded (c2s_unbound)
    //   Bound            a resource is bound (c2s; e.g. load the roster)
    //   PresenceChanged  the session became available or unavailable
    //   Closed           the session is going away, still indexed and able to send (e.g.
    //                    unavailable presence on the user's behalf); closing() says why
    //   Hibernated       the connection is gone but the session stays (hibernate())
    //   Resumed          a new connection took over a hibernating session (reattach())
    //   Encrypted        TLS is up (STARTTLS or direct TLS)
    enum class Event { Opened, Authenticated, Bound, PresenceChanged, Closed, Hibernated, Resumed, Encrypted, Count };
    using SessionHook = std::function<void(Session *)>;
    void hook(Event event, SessionHook hook, int priority = 0);

    // The console's XML view: only watched sessions pay for the traffic signal.
    void setWatched(quint64 id, bool watched);

    // Called by Session.
    void markDirty(Session *session);
    void onPresenceChanged(Session *session, bool wasAvailable);
    void onInterestedChanged(Session *session);
    void onEncrypted(Session *session) { run(Event::Encrypted, session); }
    // A watched session's bytes: a direct call, no signal connection per session.
    void reportTraffic(quint64 sessionId, bool incoming, const QByteArray &data) { Q_EMIT traffic(sessionId, incoming, data); }

Q_SIGNALS:
    // The batch: every session that changed since the last one, and every one that went.
    void sessionsUpdated(const QList<SessionSnapshot> &changed, const QList<quint64> &closed);
    void traffic(quint64 sessionId, bool incoming, const QByteArray &data);

private:
    void flushBatch();
    void scheduleBatch();

    ServerConfig::ResourceConflict m_conflictPolicy = ServerConfig::ResourceConflict::KickOld;
    quint64 m_nextId = 1;
    QHash<quint64, Session *> m_byId;
    QHash<Jid, Session *> m_byFullJid;
    QHash<Jid, QList<Session *>> m_byBareJid;
    QSet<Session *> m_available;
    QSet<Session *> m_interested;
    void run(Event event, Session *session);
    struct HookEntry
    {
        int priority;
        SessionHook hook;
    };
    std::vector<HookEntry> m_hooks[int(Event::Count)];
    int m_hibernatingCount = 0;
    CloseReason m_closing;
    void forgetUnauthenticated(Session *session);
    QHash<Session *, QString> m_unauthenticated;        // session → its address key
    QHash<QString, int> m_unauthenticatedByAddress;

    QSet<quint64> m_dirty;
    QList<quint64> m_closedSinceBatch;
    QTimer m_batchTimer;
};
