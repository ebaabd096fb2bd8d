#include "modules/SessionTimelineModule.h"

#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "net/Transport.h"
#include "session/Session.h"

#include <QDataStream>
#include <QDateTime>

using namespace Qt::StringLiterals;

namespace {
const QString SaslNs = u"urn:ietf:params:xml:ns:xmpp-sasl"_s;
const QString BindNs = u"urn:ietf:params:xml:ns:xmpp-bind"_s;
const QString ClientNs = u"jabber:client"_s;
const QString RosterNs = u"jabber:iq:roster"_s;
// Observers only (they return false): ahead of the modules that end each event.
constexpr int ObserverPriority = 1000;
constexpr int MaxDetail = 300;
// Presence changes of a long session stop being recorded past this size; the close still is.
constexpr int MaxPackedBytes = 4096;

QString peerOf(const Session *session)
{
    const Transport *conn = session->conn();
    if (!conn)
        return QString();
    const QHostAddress address = conn->peerAddress();
    const QString host = address.protocol() == QAbstractSocket::IPv6Protocol ? u"[%1]"_s.arg(address.toString())
                                                                              : address.toString();
    return u"%1:%2"_s.arg(host).arg(conn->peerPort());
}

QString jidOf(const Session *session)
{
    if (session->isConnectedResource())
        return session->fullJid().toString();
    if (!session->username().isEmpty())
        return session->username() + u'@' + session->host();
    return QString();
}

QString tlsName(QSsl::SslProtocol protocol)
{
    switch (protocol) {
    case QSsl::TlsV1_2: return u"TLS 1.2"_s;
    case QSsl::TlsV1_3: return u"TLS 1.3"_s;
    default: return u"TLS"_s;
    }
}

QString presenceDetail(const XmlElement &presence)
{
    const QString show = presence.childText(u"show"_s).trimmed();
    const QString status = presence.childText(u"status"_s).simplified();
    QString text = show.isEmpty() ? u"available"_s : show;
    if (!status.isEmpty())
        text += u" \u201c"_s + status + u"\u201d"_s;
    const QString priority = presence.childText(u"priority"_s).trimmed();
    if (!priority.isEmpty() && priority != u"0")
        text += u", priority "_s + priority;
    return text;
}

QString plural(int n, const QString &one, const QString &many)
{
    return QString::number(n) + u' ' + (n == 1 ? one : many);
}
} // namespace

void SessionTimelineModule::load(ModuleHost &host)
{
    m_host = &host;
    m_keepSeconds = host.optionInt(u"timeline_keep_seconds"_s, 3600);
    m_keepSessions = int(host.optionInt(u"timeline_keep_sessions"_s, 1000));
    using E = SessionManager::Event;

    host.hookSession(E::Opened, [this](Session *session) {
        // The address and port are written out when read (readable()).
        record(session, u"connected"_s, session->isDirectTls() ? u"(direct TLS)"_s : QString());
    });
    host.hookSession(E::Encrypted, [this](Session *session) {
        const Transport *conn = session->conn();
        record(session, u"tls"_s, conn ? tlsName(conn->sessionProtocol()) + u", "_s + conn->sessionCipherName() : QString());
    });
    // RFC 6120 §6.4.2: every <auth/> starts an exchange; all but the last one failed or were
    // aborted once authentication succeeds.
    host.handleElement(SaslNs, [this](Stream &stream, const XmlElement &element) {
        if (element.name() == u"auth")
            ++m_authAttempts[stream.session()->id()];
        return false;
    }, ObserverPriority);
    host.hookSession(E::Authenticated, [this](Session *session) {
        const int failed = qMax(0, m_authAttempts.take(session->id()) - 1);
        // Written out when read (readable()): "<mechanism> as <user>, <n> failed attempts before".
        record(session, u"authenticated"_s, session->snapshot().saslMechanism + u'\x1f' + QString::number(failed));
    });
    host.handleElement(ClientNs, [this](Stream &stream, const XmlElement &element) {
        const XmlElement bind = element.firstChildElement(u"bind"_s, BindNs);
        if (element.name() == u"iq" && !bind.isNull()) {
            m_bindSession = stream.session()->id();
            m_bindRequested = bind.childText(u"resource"_s, BindNs).trimmed();
        }
        return false;
    }, ObserverPriority);
    host.hookSession(E::Bound, [this](Session *session) {
        QString detail;   // empty: the resource it asked for (readable() adds it)
        const bool asked = m_bindSession == session->id() && !m_bindRequested.isEmpty();
        if (m_replacedSession && m_replacedJid == session->fullJid().toString())
            detail = u"(conflict: replaced session %1)"_s.arg(m_replacedSession);
        else if (asked && Jid::prepareResource(m_bindRequested) != session->resource())
            detail = u"(conflict: \u201c%1\u201d was taken, given a new resource)"_s.arg(m_bindRequested.left(MaxDetail));
        else if (!asked)
            detail = u"(chosen by the server)"_s;
        m_bindSession = m_replacedSession = 0;
        m_bindRequested.clear();
        m_replacedJid.clear();
        record(session, u"bound"_s, detail);
    });
    host.hook(Event::incoming(Kind::Presence, Target::Broadcast), [this](StanzaEvent &event) {
        Session *session = event.origin;
        if (!session)
            return false;
        const QString type = event.stanza.attribute(u"type"_s);
        if (type == u"unavailable") {
            const QString status = event.stanza.childText(u"status"_s).simplified();
            record(session, u"unavailable"_s, status.isEmpty() ? QString() : u"\u201c"_s + status + u"\u201d"_s);
        } else if (type.isEmpty()) {
            record(session, session->isAvailable() ? u"presence"_s : u"initial presence"_s, presenceDetail(event.stanza));
        }
        return false;
    }, ObserverPriority);
    host.hookIq(false, Target::Self, RosterNs, u"query"_s, [this](StanzaEvent &event) {
        if (event.origin && !event.origin->isInterested())
            record(event.origin, u"roster"_s);   // readable(): "requested (interested)"
        return false;
    }, ObserverPriority);
    host.hookSession(E::Closed, [this](Session *session) {
        const SessionManager::CloseReason &why = m_host->sessions().closing();
        if (why.condition == StreamError::Condition::Conflict && session->isConnectedResource()) {
            m_replacedSession = session->id();
            m_replacedJid = session->fullJid().toString();
        }
        QString detail = u"by "_s + (why.by.isEmpty() ? u"the server"_s : why.by);
        if (why.condition)
            detail += u": "_s + StreamError::conditionName(*why.condition);
        if (!why.text.isEmpty())
            detail += (why.condition ? u" \u2014 "_s : u": "_s) + why.text.left(MaxDetail);
        record(session, u"closed"_s, detail);
        SessionTimeline kept = materialize(session);
        kept.closed = true;
        m_live.remove(session->id());
        m_authAttempts.remove(session->id());
        keep(std::move(kept));
    }, -1000);   // last: after the goodbyes other modules send
    // Stream management (XEP-0198): the connection went but the session stays, then came back.
    host.hookSession(E::Hibernated, [this](Session *session) { record(session, u"hibernated"_s); });
    host.hookSession(E::Resumed, [this](Session *session) { record(session, u"resumed"_s); });
}

int SessionTimelineModule::kindIndex(const QString &kind)
{
    qsizetype i = m_kinds.indexOf(kind);
    if (i < 0) {
        if (m_kinds.size() >= 255)
            return 255;
        m_kinds.append(kind);
        i = m_kinds.size() - 1;
    }
    return int(i);
}

void SessionTimelineModule::record(Session *session, const QString &kind, const QString &detail)
{
    Packed &packed = m_live[session->id()];
    if (packed.size() > MaxPackedBytes && kind != u"closed")
        return;
    const qint64 startMs = session->connectedSince().toMSecsSinceEpoch();
    const QByteArray text = detail.left(MaxDetail).toUtf8();
    const quint32 offset = quint32(qBound<qint64>(0, QDateTime::currentMSecsSinceEpoch() - startMs, 0xffffffff));
    QByteArray step;
    step.reserve(7 + text.size());
    QDataStream out(&step, QIODevice::WriteOnly);
    out << offset << quint8(kindIndex(kind)) << quint16(text.size());
    step += text;
    packed += step;
    packed.squeeze();   // a handful of steps per session: no room kept for more
}

QString SessionTimelineModule::readable(const QString &kind, const QString &stored, const SessionTimeline &timeline)
{
    const QString resource = timeline.jid.section(u'/', 1);
    if (kind == u"authenticated") {
        const int failed = stored.section(u'\x1f', 1).toInt();
        return u"%1 as %2, %3 before"_s.arg(stored.section(u'\x1f', 0, 0), timeline.jid.section(u'@', 0, 0),
                                           plural(failed, u"failed attempt"_s, u"failed attempts"_s));
    }
    if (kind == u"connected")
        return stored.isEmpty() ? timeline.peer : timeline.peer + u' ' + stored;
    if (kind == u"bound")
        return stored.isEmpty() ? resource : resource + u' ' + stored;
    if (kind == u"roster" && stored.isEmpty())
        return u"requested (interested)"_s;
    return stored;
}

SessionTimeline SessionTimelineModule::materialize(const Session *session) const
{
    SessionTimeline timeline;
    timeline.id = session->id();
    timeline.jid = jidOf(session);
    timeline.peer = peerOf(session);
    const auto live = m_live.constFind(session->id());
    if (live == m_live.constEnd())
        return timeline;
    const qint64 startMs = session->connectedSince().toMSecsSinceEpoch();
    QDataStream in(*live);
    while (!in.atEnd()) {
        quint32 offset = 0;
        quint8 kind = 0;
        quint16 length = 0;
        in >> offset >> kind >> length;
        QByteArray text(length, Qt::Uninitialized);
        if (in.readRawData(text.data(), length) != length)
            break;
        TimelineStep step;
        step.time = QDateTime::fromMSecsSinceEpoch(startMs + qint64(offset), Qt::UTC);
        step.kind = kind < m_kinds.size() ? m_kinds.at(kind) : u"?"_s;
        step.detail = readable(step.kind, QString::fromUtf8(text), timeline);
        timeline.steps.append(step);
    }
    return timeline;
}

void SessionTimelineModule::keep(SessionTimeline timeline)
{
    if (m_keepSessions <= 0 || m_keepSeconds <= 0)
        return;
    m_kept.push_back(std::move(timeline));
    prune();
}

void SessionTimelineModule::prune() const
{
    const QDateTime oldest = QDateTime::currentDateTimeUtc().addSecs(-m_keepSeconds);
    while (!m_kept.empty()
           && (int(m_kept.size()) > m_keepSessions
               || (!m_kept.front().steps.isEmpty() && m_kept.front().steps.last().time < oldest)))
        m_kept.pop_front();
}

SessionTimeline SessionTimelineModule::timeline(quint64 id) const
{
    if (const Session *session = m_host->sessions().session(id); session && !session->isRetired())
        return materialize(session);
    prune();
    for (const SessionTimeline &kept : m_kept) {
        if (kept.id == id)
            return kept;
    }
    return SessionTimeline();
}

QList<SessionTimeline> SessionTimelineModule::timelines(const Jid &jid) const
{
    QList<SessionTimeline> result;
    if (jid.isNull())
        return result;
    const QString full = jid.toString();
    const QString bare = jid.bare().toString();
    auto matches = [&](const QString &sessionJid) {
        if (jid.isFull())
            return sessionJid == full;
        return sessionJid == bare || sessionJid.startsWith(bare + u'/');
    };
    prune();
    for (const SessionTimeline &kept : m_kept) {
        if (matches(kept.jid))
            result.append(kept);
    }
    const auto live = m_host->sessions().allSessions();
    for (const Session *session : live) {
        if (!session->isRetired() && matches(jidOf(session)))
            result.append(materialize(session));
    }
    std::sort(result.begin(), result.end(), [](const SessionTimeline &a, const SessionTimeline &b) { return a.id < b.id; });
    return result;
}
