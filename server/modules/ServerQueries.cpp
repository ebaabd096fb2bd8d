#include "modules/ServerQueries.h"

#include "host/ModuleHost.h"
#include "session/Session.h"

#include <chrono>

using namespace Qt::StringLiterals;

namespace {
// Ahead of every module's pre- handler (blocking runs at 100): the answer is ours alone.
constexpr int AnswerPriority = 10000;

qint64 nowMs()
{
    // Monotonic: a round trip must not jump with the wall clock.
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
} // namespace

ServerQueries::ServerQueries(ModuleHost &host, const QString &idPrefix, Answer answer)
    : m_host(host)
    , m_prefix(idPrefix)
    , m_answer(std::move(answer))
{
    auto consumeAnswer = [this](StanzaEvent &event) { return consume(event.origin, event.stanza); };
    // The client answers to the domain (host) or, leaving 'to' out, to itself (self).
    host.hook(Event::pre(Kind::Iq, Target::Host), consumeAnswer, AnswerPriority);
    host.hook(Event::pre(Kind::Iq, Target::Self), consumeAnswer, AnswerPriority);
    host.hookSession(SessionManager::Event::Closed, [this](Session *session) { forget(session); });
}

void ServerQueries::ask(Session *session, const XmlElement &payload)
{
    if (!session || !session->isConnectedResource())
        return;
    const quint64 serial = ++m_next;
    const QString id = m_prefix + QString::number(serial);
    XmlElement iq(u"iq"_s);
    iq.setAttribute(u"type"_s, u"get"_s);
    iq.setAttribute(u"id"_s, id);
    iq.setAttribute(u"from"_s, m_host.domain());
    iq.setAttribute(u"to"_s, session->fullJid().toString());
    iq.appendChild(payload);
    m_waiting.insert(session->id(), Waiting{serial, nowMs()});
    // Routed like any stanza from the server (pre-iq/full handlers, then delivery filters).
    m_host.router().post(iq);
}

bool ServerQueries::isWaiting(const Session *session) const
{
    return session && m_waiting.contains(session->id());
}

qint64 ServerQueries::waitingSinceMs(const Session *session) const
{
    const auto it = session ? m_waiting.constFind(session->id()) : m_waiting.constEnd();
    return it == m_waiting.constEnd() ? -1 : it->sentMs;
}

void ServerQueries::erase(QHash<quint64, Waiting>::iterator it)
{
    m_waiting.erase(it);
    // A burst of logins asks thousands at once; the table must not stay that big.
    if (m_waiting.isEmpty())
        m_waiting.squeeze();
}

void ServerQueries::forget(const Session *session)
{
    if (!session)
        return;
    if (const auto it = m_waiting.find(session->id()); it != m_waiting.end())
        erase(it);
}

void ServerQueries::expire(qint64 ms)
{
    const qint64 before = nowMs() - ms;
    for (auto it = m_waiting.begin(); it != m_waiting.end();) {
        if (it->sentMs < before)
            it = m_waiting.erase(it);
        else
            ++it;
    }
    if (m_waiting.isEmpty())
        m_waiting.squeeze();
}

bool ServerQueries::consume(Session *origin, const XmlElement &stanza)
{
    if (!origin || m_waiting.isEmpty())
        return false;
    const QString type = stanza.attribute(u"type"_s);
    if (type != u"result" && type != u"error")
        return false;
    const auto it = m_waiting.find(origin->id());
    if (it == m_waiting.end() || stanza.attribute(u"id"_s) != m_prefix + QString::number(it->serial))
        return false;
    const qint64 elapsed = nowMs() - it->sentMs;
    erase(it);
    m_answer(origin, stanza, elapsed);
    return true;
}
