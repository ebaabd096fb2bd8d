#include "session/Session.h"

#include "base/Logging.h"
#include "net/Transport.h"
#include "session/SessionManager.h"

using namespace Qt::StringLiterals;

namespace {
const QString ClientNamespace = u"jabber:client"_s;
constexpr int CloseGracePeriodMs = 10000;

QString protocolName(QSsl::SslProtocol protocol)
{
    switch (protocol) {
    case QSsl::TlsV1_2: return u"TLS 1.2"_s;
    case QSsl::TlsV1_3: return u"TLS 1.3"_s;
    default: return u"TLS"_s;
    }
}
} // namespace

Session::Session(quint64 id, Transport *conn, bool directTls, SessionManager *manager)
    : QObject(manager)
    , m_manager(manager)
    , m_id(id)
    , m_conn(conn)
    , m_directTls(directTls)
    , m_transportKind(conn->kind())
    , m_connectedSince(QDateTime::currentDateTimeUtc())
    , m_lastActivity(m_connectedSince)
{
    conn->setParent(this);
}

Session::~Session()
{
    // Only when the session was never ended (the manager going away): no goodbye then.
    delete std::exchange(m_conn, nullptr);
}

void Session::send(const XmlElement &stanza)
{
    if (m_retired)
        return;
    ++m_stanzasOut;
    writeBytes(stanza.toXml(ClientNamespace));
}

void Session::sendRaw(const QByteArray &bytes)
{
    if (m_retired)
        return;
    writeBytes(bytes);
}

void Session::writeBytes(const QByteArray &bytes)
{
    if (!m_conn || !m_conn->isOpen())
        return;
    m_conn->write(bytes);
    m_bytesOut += quint64(bytes.size());
    if (m_watched)
        m_manager->reportTraffic(m_id, false, bytes);
    markChanged();
}

void Session::close(std::optional<StreamError::Condition> condition, const QString &text)
{
    if (m_closing || m_retired)
        return;
    m_closing = true;
    if (m_conn && m_conn->isOpen()) {
        // RFC 6120 §4.9.1.2: an error before our header still needs a header to belong to.
        if (!m_streamHeaderSent && condition) {
            writeBytes("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                       "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='"
                       + xmlEscape(m_host) + "'>");
            m_streamHeaderSent = true;
        }
        if (condition)
            writeBytes(StreamError::streamErrorXml(*condition, text));
        if (m_streamHeaderSent)
            writeBytes(QByteArrayLiteral("</stream:stream>"));
    }
    releaseConnection();
}

void Session::releaseConnection()
{
    if (!m_conn)
        return;
    // The connection outlives the session until its last bytes (the stream error, the closing
    // tag) are on the wire, then half-closes (or ends TLS) and drains input so that the kernel
    // never resets it; a peer that never reads is cut off after a grace period.
    Transport *conn = std::exchange(m_conn, nullptr);
    conn->setHandler(nullptr);
    conn->closeGracefully(CloseGracePeriodMs);
}

void Session::setStreamOpened(const QString &host)
{
    m_notopen = false;
    m_host = host;
    markChanged();
}

void Session::setStreamRestarted()
{
    m_notopen = true;
    m_streamHeaderSent = false;
}

void Session::setPriority(int priority)
{
    if (m_priority == priority)
        return;
    m_priority = priority;
    markChanged();
}

void Session::setPresence(const XmlElement &presence)
{
    const bool wasAvailable = isAvailable();
    m_presence = presence;
    m_manager->onPresenceChanged(this, wasAvailable);
}

void Session::setInterested(bool interested)
{
    if (m_interested == interested)
        return;
    m_interested = interested;
    m_manager->onInterestedChanged(this);
}

void Session::setRoster(std::shared_ptr<Roster> roster)
{
    m_roster = std::move(roster);
    markChanged();
}

void Session::setClientSoftware(const QString &software)
{
    m_clientSoftware = software;
    markChanged();
}

void Session::setCsiInactive(bool inactive)
{
    if (m_csiInactive == inactive)
        return;
    m_csiInactive = inactive;
    markChanged();
}

void Session::setClientVersion(const QString &version)
{
    if (!m_described)
        m_described = std::make_unique<SelfDescription>();
    m_described->clientVersion = version;
    markChanged();
}

void Session::setNickname(const QString &nickname)
{
    if (m_described ? m_described->nickname == nickname : nickname.isEmpty())
        return;
    if (!m_described)
        m_described = std::make_unique<SelfDescription>();
    m_described->nickname = nickname;
    markChanged();
}

void Session::setRoundTrip(int ms)
{
    m_rttMs = ms;
    markChanged();
}

void Session::setSaslMechanism(const QString &mechanism)
{
    m_saslMechanism = mechanism;
    markChanged();
}

void Session::setStreamManagement(bool enabled, int unacknowledged)
{
    if (m_smEnabled == enabled && m_smUnacked == unacknowledged)
        return;
    m_smEnabled = enabled;
    m_smUnacked = unacknowledged;
    markChanged();
}

void Session::setEncrypted()
{
    m_encrypted = true;
    m_manager->onEncrypted(this);
    markChanged();
}

void Session::recordIncoming(const QByteArray &data)
{
    m_bytesIn += quint64(data.size());
    m_lastActivity = QDateTime::currentDateTimeUtc();
    if (m_watched)
        m_manager->reportTraffic(m_id, true, data);
    markChanged();
}

void Session::countIncomingStanza()
{
    ++m_stanzasIn;
}

void Session::markChanged()
{
    m_manager->markDirty(this);
}

SessionSnapshot Session::snapshot() const
{
    SessionSnapshot s;
    s.id = m_id;
    switch (m_type) {
    case Type::C2SUnauthed: s.type = SessionSnapshot::Type::Unauthenticated; break;
    case Type::C2SUnbound: s.type = SessionSnapshot::Type::Authenticated; break;
    case Type::C2S: s.type = SessionSnapshot::Type::Bound; break;
    }
    s.username = m_username;
    s.fullJid = m_fullJid.isNull() ? QString() : m_fullJid.toString();
    if (m_conn) {
        s.peerAddress = m_conn->peerAddress();
        s.peerPort = m_conn->peerPort();
        if (m_encrypted) {
            s.tlsProtocol = protocolName(m_conn->sessionProtocol());
            s.tlsCipher = m_conn->sessionCipherName();
        }
    }
    s.directTls = m_directTls;
    s.transport = m_transportKind == Transport::Kind::WebSocket ? u"websocket"_s : u"tcp"_s;
    s.encrypted = m_encrypted;
    s.saslMechanism = m_saslMechanism;
    s.clientSoftware = m_clientSoftware;
    s.csiInactive = m_csiInactive;
    if (m_described) {
        s.clientVersion = m_described->clientVersion;
        s.nickname = m_described->nickname;
    }
    s.rttMs = m_rttMs;
    s.available = isAvailable();
    s.interested = m_interested;
    if (isAvailable()) {
        s.presenceShow = m_presence.childText(u"show"_s);
        s.presenceStatus = m_presence.childText(u"status"_s);
    }
    s.priority = m_priority;
    s.rosterSize = m_roster ? int(m_roster->items.size()) : 0;
    s.connectedSince = m_connectedSince;
    s.lastActivity = m_lastActivity;
    s.stanzasIn = m_stanzasIn;
    s.stanzasOut = m_stanzasOut;
    s.bytesIn = m_bytesIn;
    s.bytesOut = m_bytesOut;
    s.hibernating = m_hibernating;
    s.hibernatingUntil = m_hibernatingUntil;
    s.sm = m_smEnabled;
    s.smUnacked = m_smUnacked;
    return s;
}
