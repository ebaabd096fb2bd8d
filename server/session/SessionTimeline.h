#pragma once

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

// One session's life as the console and `switchboard timeline` show it: connected, TLS,
// authenticated, bound, presence, roster, … closed, each with its time (SessionTimelineModule
// records them). Values only, for observers in other threads.
struct TimelineStep
{
    QDateTime time;      // UTC, millisecond precision
    QString kind;        // "connected", "tls", "authenticated", "bound", "presence", "closed", …
    QString detail;      // readable: "127.0.0.1:50412", "SCRAM-SHA-256 after 1 failed attempt"
};

struct SessionTimeline
{
    quint64 id = 0;
    QString jid;         // the full JID once bound, else user@domain, else empty
    QString peer;        // address:port
    bool closed = false;
    QList<TimelineStep> steps;

    bool isNull() const { return id == 0; }
};

Q_DECLARE_METATYPE(SessionTimeline)
Q_DECLARE_METATYPE(QList<SessionTimeline>)
