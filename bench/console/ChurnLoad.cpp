#include "ChurnLoad.h"

using namespace Qt::StringLiterals;

namespace {
// Sizes of what the load generator sends, near enough for the byte columns.
constexpr int StreamHeaderBytes = 140;
constexpr int StepBytes[] = {StreamHeaderBytes, 110, StreamHeaderBytes, 120, 80, 11};
}

ChurnLoad::ChurnLoad(int changesPerSecond, int churnPerSecond, int batchesPerSecond, quint32 seed)
    : m_changesPerBatch(changesPerSecond / batchesPerSecond)
    , m_churnPerBatch(churnPerSecond / batchesPerSecond)
    , m_intervalMs(1000 / batchesPerSecond)
    , m_random(seed)
    , m_start(QDateTime::currentDateTimeUtc())
{
}

void ChurnLoad::receive(SessionSnapshot &s, int bytes, bool stanza)
{
    s.bytesIn += quint64(bytes);
    s.lastActivity = at(m_nowMs);
    if (stanza)
        ++s.stanzasIn;
    m_dirty.insert(s.id);
}

void ChurnLoad::open(const QString &user, qint64 atMs)
{
    Live live;
    SessionSnapshot &s = live.snapshot;
    s.id = m_nextId++;
    live.user = user;
    s.peerAddress = QHostAddress(QHostAddress::LocalHost);
    s.peerPort = m_nextPort;
    m_nextPort = m_nextPort == 60999 ? 32768 : quint16(m_nextPort + 1);
    s.connectedSince = at(atMs);
    s.lastActivity = s.connectedSince;
    m_idIndex.insert(s.id, m_ids.size());
    m_ids.append(s.id);
    m_dirty.insert(s.id);
    const quint64 id = s.id;
    m_live.emplace(id, std::move(live));
    m_pending.emplace(atMs + 1 + m_random.bounded(20), id);
}

void ChurnLoad::advance(quint64 id, qint64 atMs)
{
    const auto it = m_live.find(id);
    if (it == m_live.end())
        return;
    Live &live = it->second;
    SessionSnapshot &s = live.snapshot;
    const int step = live.step++;
    receive(s, StepBytes[step], step != 0 && step != 2);
    switch (step) {
    case 1:   // SASL PLAIN succeeded
        s.type = SessionSnapshot::Type::Authenticated;
        s.username = live.user;
        s.saslMechanism = u"PLAIN"_s;
        s.bytesOut += 51;
        ++s.stanzasOut;
        break;
    case 3:   // resource bound
        s.type = SessionSnapshot::Type::Bound;
        s.fullJid = s.username + u"@localhost/lg"_s;
        s.bytesOut += 150;
        ++s.stanzasOut;
        break;
    case 4:   // roster fetched
        s.interested = true;
        s.bytesOut += 70;
        ++s.stanzasOut;
        break;
    case 5:   // initial presence, reflected back to the resource
        s.available = true;
        s.bytesOut += 60;
        ++s.stanzasOut;
        break;
    default:
        break;
    }
    if (live.step < LoginSteps)
        m_pending.emplace(atMs + 1 + m_random.bounded(30), id);
}

void ChurnLoad::close(quint64 id)
{
    // The client's </stream:stream> dirties the session, then destroySession() takes it out of
    // the dirty set and lists it as closed.
    m_dirty.remove(id);
    m_closed.append(id);
    m_live.erase(id);
    const qsizetype index = m_idIndex.take(id);
    const quint64 moved = m_ids.constLast();
    m_ids[index] = moved;
    m_ids.removeLast();
    if (moved != id)
        m_idIndex.insert(moved, index);
}

QList<ChurnLoad::Batch> ChurnLoad::ramp(int sessions, int batchSize)
{
    QList<Batch> batches;
    for (int done = 0; done < sessions;) {
        Batch batch;
        for (int i = 0; i < batchSize && done < sessions; ++i, ++done) {
            const quint64 id = m_nextId;
            open(u"u%1"_s.arg(id), m_nowMs);
            while (m_live[id].step < LoginSteps)
                advance(id, m_nowMs);
            // Some traffic since, so that the counters differ between sessions.
            SessionSnapshot &s = m_live[id].snapshot;
            const int stanzas = int(m_random.bounded(200));
            s.stanzasIn += quint64(stanzas);
            s.stanzasOut += quint64(stanzas + m_random.bounded(50));
            s.bytesIn += quint64(stanzas) * 180;
            s.bytesOut += quint64(stanzas) * 260;
            batch.changed.append(s);
        }
        m_pending.clear();
        m_dirty.clear();
        batches.append(batch);
    }
    return batches;
}

ChurnLoad::Batch ChurnLoad::next()
{
    const qint64 from = m_nowMs;
    m_nowMs += m_intervalMs;

    // Churn: the oldest online sessions leave; their users log in again at once.
    for (int i = 0; i < m_churnPerBatch; ++i) {
        auto it = m_live.begin();
        while (it != m_live.end() && it->second.step < LoginSteps)
            ++it;
        if (it == m_live.end())
            break;
        const QString user = it->second.user;
        close(it->first);
        open(user, from + m_random.bounded(m_intervalMs));
    }
    // Login steps that fell due in this interval (they may open and finish within it).
    while (!m_pending.empty() && m_pending.begin()->first <= m_nowMs) {
        const auto [when, id] = *m_pending.begin();
        m_pending.erase(m_pending.begin());
        advance(id, when);
    }
    // Traffic: a stanza to some online sessions (a message in, a receipt out).
    for (int i = 0; i < m_changesPerBatch && !m_ids.isEmpty(); ++i) {
        Live &live = m_live[m_ids[m_random.bounded(m_ids.size())]];
        if (live.step < LoginSteps)
            continue;
        receive(live.snapshot, 150 + int(m_random.bounded(400)), true);
        ++live.snapshot.stanzasOut;
        live.snapshot.bytesOut += 100 + m_random.bounded(400);
    }

    Batch batch;
    batch.changed.reserve(m_dirty.size());
    for (quint64 id : std::as_const(m_dirty))
        batch.changed.append(m_live[id].snapshot);
    m_dirty.clear();
    batch.closed.swap(m_closed);
    return batch;
}
