#pragma once

#include "session/SessionSnapshot.h"

#include <QHash>
#include <QList>
#include <QRandomGenerator>
#include <QSet>
#include <map>

// The server side of the console bench: what SessionManager would send the console while the
// load generator churns logins (bench/loadgen --churn) and the sessions exchange traffic.
// Batches have the server's shape: `changed` holds the current snapshot of every session
// dirtied since the last batch, in the order of SessionManager's dirty set (a QSet of ids);
// `closed` the ids destroyed since, in order. Each login walks the real steps, each one a
// client stanza that dirties the session: stream header, SASL PLAIN (→ authenticated),
// restart, bind (→ connected resource), roster get (→ interested), initial presence
// (→ available). A login takes tens of milliseconds on a busy server, so a new session shows up
// in one to three batches before it settles. The churn closes the oldest online session, as
// the load generator's round robin does, and the same user logs in again.
class ChurnLoad
{
public:
    struct Batch
    {
        QList<SessionSnapshot> changed;
        QList<quint64> closed;
    };

    ChurnLoad(int changesPerSecond, int churnPerSecond, int batchesPerSecond, quint32 seed);

    // The login ramp: `sessions` online sessions (bound, interested, available), in batches
    // of at most `batchSize` as the server would have sent them.
    QList<Batch> ramp(int sessions, int batchSize);
    // The next batch, one batch interval of simulated time later.
    Batch next();

private:
    struct Live
    {
        SessionSnapshot snapshot;
        QString user;   // the account, shown once SASL succeeds
        int step = 0;   // login steps done; LoginSteps when online
    };
    static constexpr int LoginSteps = 6;

    void open(const QString &user, qint64 atMs);
    void advance(quint64 id, qint64 atMs);
    void close(quint64 id);
    void receive(SessionSnapshot &s, int bytes, bool stanza);
    QDateTime at(qint64 ms) const { return m_start.addMSecs(ms); }

    int m_changesPerBatch;
    int m_churnPerBatch;
    int m_intervalMs;
    QRandomGenerator m_random;
    QDateTime m_start;
    qint64 m_nowMs = 0;
    quint64 m_nextId = 1;
    quint16 m_nextPort = 32768;
    std::map<quint64, Live> m_live;            // by id: the first online one is the oldest
    std::multimap<qint64, quint64> m_pending;  // next login step: when, which session
    QList<quint64> m_ids;                      // live ids, for picking one at random
    QHash<quint64, qsizetype> m_idIndex;
    QSet<quint64> m_dirty;
    QList<quint64> m_closed;
};
