#include "modules/ClientPingModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

void ClientPingModule::load(ModuleHost &host)
{
    m_host = &host;
    m_intervalSeconds = int(host.optionInt(u"client_ping_interval"_s, 120));
    if (m_intervalSeconds <= 0)
        return;
    m_pings = std::make_unique<ServerQueries>(host, u"ping-"_s, [](Session *session, const XmlElement &, qint64 ms) {
        session->setRoundTrip(int(qMin<qint64>(ms, 1 << 30)));
    });
    // A new resource is first pinged one interval after binding (the slot the cursor just
    // left), and then every interval.
    host.hookSession(SessionManager::Event::Bound, [this](Session *session) {
        m_wheel[size_t((m_cursor + WheelSlots - 1) % WheelSlots)].push_back(session->id());
    });
    m_timer.setInterval(qMax(1, m_intervalSeconds * 1000 / WheelSlots));
    m_timer.setTimerType(Qt::CoarseTimer);
    QObject::connect(&m_timer, &QTimer::timeout, [this] { tick(); });
    m_timer.start();
}

void ClientPingModule::tick()
{
    if (!m_pings)
        return;
    std::vector<quint64> &slot = m_wheel[size_t(m_cursor)];
    m_cursor = (m_cursor + 1) % WheelSlots;
    std::vector<quint64> due;
    due.swap(slot);
    SessionManager &sessions = m_host->sessions();
    const XmlElement ping(u"ping"_s, u"urn:xmpp:ping"_s);
    for (quint64 id : due) {
        Session *session = sessions.session(id);
        if (!session || session->isRetired() || !session->isConnectedResource())
            continue;   // gone: it leaves the wheel here
        if (m_pings->isWaiting(session)) {
            qCInfo(lcSessions) << "session" << id << "did not answer a ping in" << m_intervalSeconds << "s";
            sessions.destroySession(session, StreamError::Condition::ConnectionTimeout,
                                    u"No answer to a ping in %1 s"_s.arg(m_intervalSeconds), u"ping timeout"_s);
            continue;
        }
        m_pings->ask(session, ping);
        slot.push_back(id);
    }
}
