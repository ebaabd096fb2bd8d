#include "modules/ClientVersionProbeModule.h"

#include "host/ModuleHost.h"
#include "session/Session.h"

using namespace Qt::StringLiterals;

namespace {
const QString VersionNs = u"jabber:iq:version"_s;
const QString CapsNs = u"http://jabber.org/protocol/caps"_s;
// With the client software module, ahead of the presence module (which ends the event and
// makes the session available): here a session that is not yet available is becoming so.
constexpr int Priority = 100;
constexpr int MaxLength = 100;
} // namespace

QString ClientVersionProbeModule::capsKey(const XmlElement &presence)
{
    // XEP-0115 §5: the verification string identifies the software and its features; with
    // the hash algorithm it names one client build. Legacy caps (no hash) are not trusted.
    const XmlElement caps = presence.firstChildElement(u"c"_s, CapsNs);
    const QString hash = caps.attribute(u"hash"_s);
    const QString ver = caps.attribute(u"ver"_s);
    if (caps.isNull() || hash.isEmpty() || ver.isEmpty() || ver.size() > 200)
        return QString();
    return hash + u' ' + ver;
}

void ClientVersionProbeModule::load(ModuleHost &host)
{
    m_host = &host;
    m_queries = std::make_unique<ServerQueries>(host, u"version-"_s, [this](Session *session, const XmlElement &response,
                                                                            qint64) {
        const QString key = m_askedWithKey.take(session->id());
        if (m_askedWithKey.isEmpty())
            m_askedWithKey.squeeze();
        if (response.attribute(u"type"_s) != u"result")
            return;   // XEP-0092 unsupported: the caps node stays
        const XmlElement query = response.firstChildElement(u"query"_s, VersionNs);
        const QString name = query.childText(u"name"_s, VersionNs).simplified().left(MaxLength);
        const QString version = query.childText(u"version"_s, VersionNs).simplified().left(MaxLength);
        if (name.isEmpty())
            return;
        const QString software = version.isEmpty() ? name : name + u' ' + version;
        session->setClientVersion(software);
        if (!key.isEmpty()) {
            if (m_cache.size() >= MaxCachedHashes)
                m_cache.clear();   // a small office has a handful of clients; start over
            m_cache.insert(key, software);
        }
    });

    host.hook(Event::incoming(Kind::Presence, Target::Broadcast), [this](StanzaEvent &event) {
        Session *session = event.origin;
        if (!session || session->isAvailable() || event.stanza.attribute(u"type"_s) == u"unavailable")
            return false;   // only a resource becoming available
        const QString key = capsKey(event.stanza);
        if (const auto cached = m_cache.constFind(key); !key.isEmpty() && cached != m_cache.constEnd()) {
            session->setClientVersion(*cached);
            return false;
        }
        m_due.append({session->id(), key});
        if (!m_batch.isActive())
            m_batch.start(BatchDelayMs);
        return false;
    }, Priority);
    host.hookSession(SessionManager::Event::Closed, [this](Session *session) {
        m_askedWithKey.remove(session->id());   // a due one is skipped by flush()
    });

    m_batch.setSingleShot(true);
    QObject::connect(&m_batch, &QTimer::timeout, [this] { flush(); });
    // Clients that never answer (XEP-0092 is optional) are not waited for forever.
    m_expiry.setSingleShot(true);
    m_expiry.setInterval(AnswerWaitMs);
    QObject::connect(&m_expiry, &QTimer::timeout, [this] {
        m_queries->expire(AnswerWaitMs);
        if (m_queries->waitingCount() == 0) {
            m_askedWithKey.clear();
            m_askedWithKey.squeeze();
        } else {
            m_expiry.start();
        }
    });
}

void ClientVersionProbeModule::flush()
{
    const XmlElement query(u"query"_s, VersionNs);
    const qsizetype slice = qMin<qsizetype>(m_due.size(), MaxPerSlice);
    for (qsizetype i = 0; i < slice; ++i) {
        const auto &[id, key] = m_due.at(i);
        Session *session = m_host->sessions().session(id);
        if (!session || session->isRetired() || !session->isAvailable())
            continue;
        // Another device with the same caps may have answered meanwhile.
        if (const auto cached = m_cache.constFind(key); !key.isEmpty() && cached != m_cache.constEnd()) {
            session->setClientVersion(*cached);
            continue;
        }
        m_askedWithKey.insert(id, key);
        m_queries->ask(session, query);
    }
    m_due.remove(0, slice);
    if (m_due.isEmpty())
        m_due.squeeze();
    else
        m_batch.start(SliceIntervalMs);
    if (m_queries->waitingCount() > 0 && !m_expiry.isActive())
        m_expiry.start();
}
