#pragma once

#include "net/Transport.h"
#include "session/Roster.h"
#include "session/SessionData.h"
#include "session/SessionSnapshot.h"
#include "stanza/Jid.h"
#include "stanza/StreamError.h"
#include "xml/XmlElement.h"

#include <QDateTime>
#include <QObject>
#include <memory>
#include <optional>

class SessionManager;

// One client connection, with exactly the fields of Prosody's doc/session.txt (the session
// model in docs/ARCHITECTURE.md). State changes go through setters that tell the SessionManager,
// which keeps the indices and the connected ⊇ available / connected ⊇ interested sets.
class Session : public QObject
{
    Q_OBJECT
public:
    enum class Type { C2SUnauthed, C2SUnbound, C2S };

    // Takes ownership of conn until the session ends (see releaseConnection).
    Session(quint64 id, Transport *conn, bool directTls, SessionManager *manager);
    ~Session() override;

    quint64 id() const { return m_id; }

    // --- the session model's fields ---
    Transport *conn() const { return m_conn; }    // null once the session has ended
    bool notopen() const { return m_notopen; }
    Type type() const { return m_type; }
    const QString &username() const { return m_username; }
    const QString &host() const { return m_host; }
    const QString &resource() const { return m_resource; }
    const Jid &fullJid() const { return m_fullJid; }
    Jid bareJid() const { return m_fullJid.isNull() ? Jid::fromParts(m_username, m_host) : m_fullJid.bare(); }
    int priority() const { return m_priority; }
    const XmlElement &presence() const { return m_presence; }
    bool interested() const { return m_interested; }
    const std::shared_ptr<Roster> &roster() const { return m_roster; }

    // The session model's predicates.
    bool isConnectedResource() const { return !m_fullJid.isNull(); }
    bool isAvailable() const { return !m_presence.isNull(); }
    bool isInterested() const { return m_interested; }

    // Writes a stanza (serialised in the jabber:client default namespace) or raw bytes.
    // After the session is retired, sends are dropped.
    void send(const XmlElement &stanza);
    void sendRaw(const QByteArray &bytes);
    // Ends the stream: optional stream error, then </stream:stream>, then the TCP close.
    // Prefer SessionManager::destroySession, which also tells contacts and cleans indices.
    void close(std::optional<StreamError::Condition> condition = std::nullopt, const QString &text = QString());

    bool isRetired() const { return m_retired; }

    // --- hibernation (docs/ARCHITECTURE.md, "Sessions") ---
    // A bound session whose connection is lost may hibernate instead of ending: it keeps its
    // full JID, presence, roster interest and every index, has no connection, and a later
    // stream of the same user may take it over (SessionManager::hibernate / reattach).
    // A resume timeout above zero makes the session eligible; zero (the default) does not.
    bool isHibernating() const { return m_hibernating; }
    int resumeTimeout() const { return m_resumeTimeout; }
    void setResumeTimeout(int seconds) { m_resumeTimeout = seconds; }
    QDateTime hibernatingUntil() const { return m_hibernatingUntil; }
    // Stanzas of the client routed so far (not negotiation elements): XEP-0198's 'h' counts these.
    quint64 clientStanzas() const { return m_clientStanzas; }
    void countClientStanza() { ++m_clientStanzas; }
    // Stream management as the console shows it (the module keeps the protocol state).
    void setStreamManagement(bool enabled, int unacknowledged);

    // --- state transitions (called by the c2s stream and features) ---
    void setStreamOpened(const QString &host);
    void setStreamRestarted();          // after STARTTLS / SASL success the stream is new again
    bool isStreamHeaderSent() const { return m_streamHeaderSent; }
    void setStreamHeaderSent(bool sent) { m_streamHeaderSent = sent; }
    void setPriority(int priority);
    void setPresence(const XmlElement &presence);   // null = unavailable
    void setInterested(bool interested);
    void setRoster(std::shared_ptr<Roster> roster);
    void setClientSoftware(const QString &software);
    // XEP-0352 client state, set by the CSI module; shown by the console.
    void setCsiInactive(bool inactive);
    bool isCsiInactive() const { return m_csiInactive; }
    void setClientVersion(const QString &version);     // XEP-0092 answer: "name version"
    void setNickname(const QString &nickname);         // XEP-0172, from presence
    void setRoundTrip(int ms);                         // last server ping's answer time
    int roundTrip() const { return m_rttMs; }
    void setSaslMechanism(const QString &mechanism);
    void setEncrypted();

    // --- statistics for the console ---
    bool isEncrypted() const { return m_encrypted; }
    bool isDirectTls() const { return m_directTls; }
    // What carries the stream (TCP or WebSocket); kept while hibernating, for the console.
    Transport::Kind transportKind() const { return m_transportKind; }
    void recordIncoming(const QByteArray &data);
    void countIncomingStanza();
    QDateTime connectedSince() const { return m_connectedSince; }
    QDateTime lastActivity() const { return m_lastActivity; }
    SessionSnapshot snapshot() const;

    // Modules' per-session data (see SessionData); freed with the session.
    SessionSlots &slots() { return m_slots; }
    const SessionSlots &slots() const { return m_slots; }

private:
    friend class SessionManager;
    void writeBytes(const QByteArray &bytes);
    void releaseConnection();
    void markChanged();

    SessionManager *m_manager;
    quint64 m_id;
    Transport *m_conn;
    bool m_notopen = true;
    bool m_streamHeaderSent = false;
    Type m_type = Type::C2SUnauthed;
    QString m_username;
    QString m_host;
    QString m_resource;
    Jid m_fullJid;
    int m_priority = 0;
    XmlElement m_presence;
    bool m_interested = false;
    std::shared_ptr<Roster> m_roster;
    bool m_retired = false;
    bool m_closing = false;
    bool m_hibernating = false;
    int m_resumeTimeout = 0;
    QDateTime m_hibernatingUntil;
    quint64 m_clientStanzas = 0;
    bool m_smEnabled = false;
    int m_smUnacked = 0;

    bool m_directTls;
    bool m_encrypted = false;
    bool m_watched = false;
    Transport::Kind m_transportKind;   // in the padding before the next field: no cost
    QString m_saslMechanism;
    QString m_clientSoftware;
    bool m_csiInactive = false;
    // What the client told about itself (XEP-0092, XEP-0172): most idle sessions never say,
    // so it costs a pointer until one does.
    struct SelfDescription
    {
        QString clientVersion;
        QString nickname;
    };
    std::unique_ptr<SelfDescription> m_described;
    int m_rttMs = -1;
    QDateTime m_connectedSince;
    QDateTime m_lastActivity;
    quint64 m_stanzasIn = 0;
    quint64 m_stanzasOut = 0;
    quint64 m_bytesIn = 0;
    quint64 m_bytesOut = 0;
    SessionSlots m_slots;
};

template<class T>
T *SessionData<T>::find(const Session *session) const
{
    return static_cast<T *>(session->slots().find(m_slot));
}

template<class T>
T &SessionData<T>::get(Session *session)
{
    if (T *existing = find(session))
        return *existing;
    auto value = std::make_shared<T>();
    T *raw = value.get();
    session->slots().set(m_slot, std::move(value));
    return *raw;
}

template<class T>
void SessionData<T>::reset(Session *session)
{
    session->slots().set(m_slot, nullptr);
}
