#pragma once

#include "host/Module.h"
#include "session/SessionData.h"
#include "session/SessionTimeline.h"

#include <QByteArray>
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
// A live session's steps are packed into one byte array (a few dozen bytes per step, one
// allocation per session); only kept timelines are held as readable values. A new lifecycle
// event is one hook calling record(session, "kind", detail).
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
    struct Live
    {
        qint64 startMs = 0;
        int authAttempts = 0;
        QByteArray packed;   // steps: u32 ms since start, u8 kind, u16 length, UTF-8 detail
    };
    SessionTimeline materialize(const Session *session) const;
    void keep(SessionTimeline timeline);
    void prune() const;
    int kindIndex(const QString &kind);

    ModuleHost *m_host = nullptr;
    SessionData<Live> m_live;
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
