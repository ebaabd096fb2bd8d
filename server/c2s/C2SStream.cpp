#include "c2s/C2SStream.h"

#include "auth/Crypto.h"
#include "base/Logging.h"
#include "c2s/C2SContext.h"
#include "host/ModuleHost.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"

#include <QPointer>
#include <QSslCipher>
#include <QTimerEvent>

#include <cmath>

using namespace Qt::StringLiterals;

namespace {
const QString ClientNs = u"jabber:client"_s;

constexpr int MaxDeferredElements = 16;

bool isStanza(const XmlElement &element)
{
    const QString name = element.name();
    return element.xmlns() == ClientNs && (name == u"message" || name == u"presence" || name == u"iq");
}
// RFC 6120 §4.9.3: the stream error for each way the XML layer refuses input.
StreamError::Condition streamErrorFor(XmlStreamParser::Error error)
{
    using Error = XmlStreamParser::Error;
    using Condition = StreamError::Condition;
    switch (error) {
    case Error::NotWellFormed: return Condition::NotWellFormed;
    case Error::RestrictedXml: return Condition::RestrictedXml;
    case Error::InvalidNamespace: return Condition::InvalidNamespace;
    case Error::BadNamespacePrefix: return Condition::BadNamespacePrefix;
    case Error::BadFormat: return Condition::BadFormat;
    case Error::PolicyViolation: return Condition::PolicyViolation;
    case Error::UnsupportedEncoding: return Condition::UnsupportedEncoding;
    }
    return Condition::UndefinedCondition;
}

} // namespace

C2SStream::C2SStream(Session *session, const C2SContext *context)
    : QObject(session)
    , m_session(session)
    , m_conn(session->conn())
    , m_context(context)
    , m_parser(this)
{
    XmlStreamParser::Limits limits;
    limits.maxStanzaBytes = context->config->maxStanzaBytes;
    limits.maxDepth = context->config->maxElementDepth;
    limits.maxAttributes = context->config->maxAttributes;
    m_parser.setLimits(limits);

    m_clock.start();
    m_readTokens = double(qMax(context->config->readRateBytes, context->config->maxStanzaBytes));
    session->conn()->setHandler(this);
    m_unauthenticatedTimer.start(context->config->unauthenticatedTimeoutSeconds * 1000, this);
}

C2SStream::~C2SStream()
{
    // Only the connection this stream reads, and only while it still is ours: after a
    // resumption the session's connection belongs to the stream that took it over.
    if (Transport *conn = m_session->conn(); conn && conn == m_conn)
        conn->setHandler(nullptr);
}

void C2SStream::connectionReadyRead()
{
    readAvailable();
}

void C2SStream::timerEvent(QTimerEvent *event)
{
    // QBasicTimer repeats: each is stopped when it fires.
    if (event->timerId() == m_unauthenticatedTimer.timerId()) {
        m_unauthenticatedTimer.stop();
        if (m_session->type() == Session::Type::C2SUnauthed)
            fail(StreamError::Condition::ConnectionTimeout, u"No authentication within the allowed time"_s);
    } else if (event->timerId() == m_readTimer.timerId()) {
        m_readTimer.stop();
        resumeReading();
    } else {
        QObject::timerEvent(event);
    }
}

void C2SStream::pauseReading()
{
    if (Transport *conn = m_session->conn())
        conn->setReadEnabled(false);
}

void C2SStream::resumeReading()
{
    if (m_authPending || m_session->isRetired())
        return;
    if (Transport *conn = m_session->conn())
        conn->setReadEnabled(true);
    // What is already waiting (kernel or TLS buffer) brings no new notification.
    readAvailable();
}

void C2SStream::readAvailable()
{
    Transport *conn = m_session->conn();
    if (!conn || m_session->isRetired() || m_authPending)
        return;
    const qint64 available = conn->bytesAvailable();
    if (available <= 0)
        return;
    qint64 allowed = available;
    const qint64 rate = m_context->config->readRateBytes;
    if (rate > 0) {
        // Token bucket: `rate` bytes a second, bursts up to one largest stanza (or a second).
        const qint64 now = m_clock.elapsed();
        const double burst = double(qMax(rate, m_context->config->maxStanzaBytes));
        m_readTokens = qMin(burst, m_readTokens + double(now - m_lastRefillMs) * double(rate) / 1000.0);
        m_lastRefillMs = now;
        if (m_readTokens < 1) {
            pauseReading();
            scheduleRead();
            return;
        }
        allowed = qMin(available, qint64(m_readTokens));
    }
    // Exactly sized: what the parser keeps of it costs its size.
    const QByteArray data = conn->read(allowed);
    if (data.isEmpty())
        return;
    if (rate > 0)
        m_readTokens -= double(data.size());
    m_session->recordIncoming(data);
    m_parser.feed(data);
    // RFC 7395 §3.3.3: a WebSocket message carries one complete element (the framing's <open/>
    // and <close/> included); one cut at the message's end is not well-formed.
    if (!m_session->isRetired() && m_session->conn() && m_session->conn()->lastReadEndedMessage()
        && !m_parser.hasFailed() && !m_parser.isStopped() && !m_parser.isBetweenElements()) {
        fail(StreamError::Condition::NotWellFormed, u"A WebSocket message must carry complete elements"_s);
        return;
    }
    // Bytes left because the bucket ran dry wait in the kernel until it refills. (Left only
    // because one read is bounded, they come back through the level-triggered notifier.)
    if (rate > 0 && m_readTokens < 1 && !m_session->isRetired() && m_session->conn()
        && m_session->conn()->bytesAvailable() > 0) {
        pauseReading();
        scheduleRead();
    }
}

void C2SStream::scheduleRead()
{
    if (m_readTimer.isActive() || m_authPending)
        return;
    const qint64 rate = m_context->config->readRateBytes;
    int waitMs = 0;
    if (rate > 0 && m_readTokens < 1) {
        // Wait for a useful amount (a few KiB, or what a tenth of a second brings).
        const double want = qMin(4096.0, qMax(1.0, double(rate) / 10.0));
        waitMs = int(std::ceil((want - m_readTokens) * 1000.0 / double(rate)));
    }
    m_readTimer.start(qBound(0, waitMs, 1000), this);
}

void C2SStream::connectionEncrypted()
{
    qCDebug(lcTls) << "session" << m_session->id() << "encrypted with" << m_session->conn()->sessionCipher().name();
    m_session->setEncrypted();
}

void C2SStream::connectionDisconnected()
{
    if (const Transport *conn = m_session->conn())
        qCDebug(lcC2s) << "session" << m_session->id() << "connection lost:" << conn->errorString();
    // XEP-0198 §5: a session that may be resumed waits for its client instead of ending.
    if (m_context->sessions->hibernate(m_session)) {
        m_parser.stop();
        m_conn = nullptr;
        deleteLater();
        return;
    }
    m_context->sessions->destroySession(m_session, std::nullopt, u"Connection closed by peer"_s, u"network"_s);
}

bool C2SStream::reattach(Session *hibernating)
{
    SessionManager *sessions = m_context->sessions;
    if (!hibernating || hibernating == m_session || hibernating->username() != m_session->username())
        return false;
    // A client may resume before the server noticed the old connection was gone.
    if (!hibernating->isHibernating() && !sessions->hibernate(hibernating))
        return false;
    // The stream of the old connection, if it is still there, has nothing left to read.
    const auto oldStreams = hibernating->findChildren<C2SStream *>(Qt::FindDirectChildrenOnly);
    for (C2SStream *old : oldStreams) {
        if (old != this)
            delete old;
    }
    if (!sessions->reattach(hibernating, m_session))
        return false;
    setParent(hibernating);
    m_session = hibernating;
    return true;
}

void C2SStream::fail(StreamError::Condition condition, const QString &text)
{
    qCInfo(lcC2s) << "session" << m_session->id() << "stream error" << StreamError::conditionName(condition) << text;
    m_parser.stop();
    m_context->sessions->destroySession(m_session, condition, text);
}

void C2SStream::restart()
{
    m_parser.requestReset();
    m_session->setStreamRestarted();
}

void C2SStream::holdInput()
{
    m_authPending = true;
    m_readTimer.stop();
    pauseReading();
}

void C2SStream::releaseInput(const std::function<void()> &first)
{
    m_authPending = false;
    QPointer<C2SStream> self(this);
    first();
    while (self && !m_deferred.isEmpty() && !m_authPending && !m_session->isRetired())
        elementReceived(m_deferred.takeFirst());
    if (self && !m_authPending && !m_session->isRetired())
        resumeReading();
}

// --- stream level (RFC 6120 §4) ---

void C2SStream::streamOpened(const XmlElement &header, const QString &)
{
    const QString to = header.attribute(u"to"_s);
    const QString domain = Jid::prepareDomain(to);
    m_session->setStreamOpened(m_context->config->domain);
    if (header.xmlns() != ClientNs) {
        fail(StreamError::Condition::InvalidNamespace, u"The default namespace must be jabber:client"_s);
        return;
    }
    if (to.isEmpty()) {
        fail(StreamError::Condition::ImproperAddressing, u"A 'to' attribute is required on stream headers"_s);
        return;
    }
    if (domain != m_context->config->domain) {
        fail(StreamError::Condition::HostUnknown, u"This server does not serve "_s + to);
        return;
    }
    // RFC 6120 §4.7.5: we speak 1.0; a client without a version is pre-XMPP and unsupported.
    const QString version = header.attribute(u"version"_s);
    if (version.isEmpty() || version.section(u'.', 0, 0).toInt() < 1) {
        fail(StreamError::Condition::UnsupportedVersion, u"XMPP 1.0 is required"_s);
        return;
    }
    sendStreamHeader(header);
    sendFeatures();
}

void C2SStream::sendStreamHeader(const XmlElement &clientHeader)
{
    QByteArray header = QByteArrayLiteral("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                                          "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='");
    header += xmlEscape(m_context->config->domain);
    header += "' id='";
    header += QByteArray::number(m_session->id()) + '-' + Crypto::randomBytes(8).toHex();
    header += '\'';
    const QString clientFrom = clientHeader.attribute(u"from"_s);
    if (!clientFrom.isEmpty() && !Jid::parse(clientFrom).isNull()) {
        header += " to='";
        header += xmlEscape(clientFrom);
        header += '\'';
    }
    header += " xml:lang='en'>";
    m_session->sendRaw(header);
    m_session->setStreamHeaderSent(true);
}

void C2SStream::sendFeatures()
{
    // Prefixed names are written as they are; giving it the stream's default namespace keeps
    // the serializer from adding an xmlns.
    XmlElement features(u"stream:features"_s, ClientNs);
    if (m_session->type() == Session::Type::C2SUnauthed) {
        // STARTTLS, SASL mechanisms: offered by their modules.
        if (m_context->host)
            m_context->host->collectStreamFeatures(ModuleHost::Stage::BeforeAuth, m_session, features);
    } else {
        // Bind and the legacy session (BindModule), then the other modules' features.
        if (m_context->host)
            m_context->host->collectStreamFeatures(ModuleHost::Stage::AfterAuth, m_session, features);
    }
    // The prefix "stream" is bound in our header; the element's children carry their own xmlns.
    m_session->sendRaw(features.toXml(ClientNs));
}

void C2SStream::streamClosed()
{
    m_parser.stop();
    m_context->sessions->destroySession(m_session, std::nullopt, u"Stream closed by client"_s, u"client"_s);
}

void C2SStream::streamFailed(XmlStreamParser::Error error, const QString &text)
{
    fail(streamErrorFor(error), text);
}

void C2SStream::elementReceived(const XmlElement &element)
{
    // A handler ended the session (e.g. a stream error with an application condition) while
    // more elements of the same read were parsed: they belong to nobody now.
    if (m_session->isRetired()) {
        m_parser.stop();
        return;
    }
    if (m_authPending) {
        // A delayed SASL answer is on its way; SASL is lock-step, so this is rare and small.
        if (m_deferred.size() >= MaxDeferredElements)
            fail(StreamError::Condition::PolicyViolation, u"Wait for the authentication outcome"_s);
        else
            m_deferred.append(element);
        return;
    }
    m_session->countIncomingStanza();
    const QString ns = element.xmlns();
    if (!isStanza(element)) {
        // Negotiation (STARTTLS, SASL) and extensions' top-level elements (stream management,
        // client state indication) go to the module that registered their namespace.
        if (m_context->host && m_context->host->dispatchElement(*this, element))
            return;
        fail(StreamError::Condition::UnsupportedStanzaType,
             u"Unknown element <"_s + element.name() + u"> in namespace "_s + ns);
        return;
    }
    switch (m_session->type()) {
    case Session::Type::C2SUnauthed:
        // In-band registration (XEP-0077 §3, XEP-0445) is the one exchange of stanzas allowed
        // before authentication; the registration module takes it if it is enabled.
        if (!m_context->host || !m_context->host->dispatchElement(*this, element))
            fail(StreamError::Condition::NotAuthorized, u"Authenticate before sending stanzas"_s);
        return;
    case Session::Type::C2SUnbound:
        // Resource binding (BindModule): nothing else is accepted yet (RFC 6120 §7.1).
        if (!m_context->host || !m_context->host->dispatchElement(*this, element))
            fail(StreamError::Condition::NotAuthorized, u"Bind a resource before sending stanzas"_s);
        return;
    case Session::Type::C2S:
        break;
    }
    // RFC 6120 §8.1.2.1, §4.9.3.9: a client may only name itself (its full or bare JID).
    if (const QString from = element.attribute(u"from"_s); !from.isNull()) {
        const Jid claimed = Jid::parse(from);
        if (claimed.isNull() || (claimed != m_session->fullJid() && claimed != m_session->fullJid().bare())) {
            fail(StreamError::Condition::InvalidFrom, u"The 'from' attribute is not your JID"_s);
            return;
        }
    }
    m_session->countClientStanza();
    m_context->router->routeFromClient(m_session, element);
}
