#pragma once

#include "host/Module.h"
#include "session/SessionTimeline.h"

#include <QByteArray>
#include <QHash>
#include <QStringList>
#include <deque>

class Jid;
class Session;

// Each session's lifecycle for the console's details pane and `switchboard timeline`:
// connected (address, port), TLS (version, cipher), authenticated (mechanism, failed attempts
// before it), bound (resource, how a conflict was resolved), initial presence, roster
// requested, presence changes, closed (by whom or what, condition, text). A closed session's
// timeline is kept for `timeline_keep_seconds` (default 1 hour) and at most
// `timeline_keep_sessions` (default 1,000) sessions, so an admin can see why someone dropped.
//
// Idle sessions are most of a server's memory, so a live session's steps are packed into one
// byte array (7 bytes per step plus its detail; details the session itself knows, such as the
// resource or the user, are written out only when the timeline is read); only kept timelines
// are held as readable values. A new lifecycle event is one hook calling
// record(session, "kind", detail).
class SessionTimelineModule final : public Module
{
public:
    void load(ModuleHost &host) override;

    // Appends a step to a live session's timeline.
    void record(Session *session, const QString &kind, const QString &detail = QString());

    // A live or kept session's timeline; null when unknown (never seen or no longer kept).
    SessionTimeline timeline(quint64 id) const;
    // A full JID: that resource's sessions; a bare JID: all the user's; live and kept, oldest
    // first.
    QList<SessionTimeline> timelines(const Jid &jid) const;
    int keptCount() const { return int(m_kept.size()); }

private:
    // Steps: u32 ms since the session connected, u8 kind, u16 length, UTF-8 detail.
    using Packed = QByteArray;
    SessionTimeline materialize(const Session *session) const;
    static QString readable(const QString &kind, const QString &stored, const SessionTimeline &timeline);
    void keep(SessionTimeline timeline);
    void prune() const;
    int kindIndex(const QString &kind);

    ModuleHost *m_host = nullptr;
    QHash<quint64, Packed> m_live;              // by session id
    QHash<quint64, int> m_authAttempts;         // until authenticated
    QStringList m_kinds;                          // kind names by index
    mutable std::deque<SessionTimeline> m_kept;   // oldest first
    qint64 m_keepSeconds = 3600;
    int m_keepSessions = 1000;
    // Bind is synchronous: what the session being bound asked for, and whom it replaced.
    quint64 m_bindSession = 0;
    QString m_bindRequested;
    quint64 m_replacedSession = 0;
    QString m_replacedJid;
};
