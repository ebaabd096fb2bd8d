#include "c2s/C2SStream.h"

#include "auth/SaslPrep.h"
#include "c2s/C2SContext.h"
#include "core/AuthThrottle.h"
#include "core/Logging.h"
#include "core/PlainDeriver.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "stanza/StanzaError.h"

#include <QPointer>
#include <QSslCipher>
#include <QTimer>
#include <QTimerEvent>

#include <cmath>

using namespace Qt::StringLiterals;

namespace {
const QString ClientNs = u"jabber:client"_s;
const QString TlsNs = u"urn:ietf:params:xml:ns:xmpp-tls"_s;
const QString SaslNs = u"urn:ietf:params:xml:ns:xmpp-sasl"_s;
const QString BindNs = u"urn:ietf:params:xml:ns:xmpp-bind"_s;
const QString SessionNs = u"urn:ietf:params:xml:ns:xmpp-session"_s;

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

// The account store as SASL sees it, plus a note of the username asked about, so that a
// failure can be counted against the account whichever mechanism ran.
class C2SStream::AttemptLookup final : public SaslCredentialLookup
{
public:
    AttemptLookup(SaslCredentialLookup *inner, int iterations) : m_inner(inner), m_iterations(iterations) {}
    std::optional<ScramCredentials> scramCredentials(const QString &username, Crypto::Hash hash) override
    {
        m_username = username;
        if (auto known = m_inner ? m_inner->scramCredentials(username, hash) : std::nullopt)
            return known;
        // An unknown user is shown the configured iteration count and a salt that stays the
        // same for that name, like a real account (the mechanism's own fake would show its
        // default count, telling the accounts apart once scram_iterations is changed). The
        // keys match no password.
        static const QByteArray secret = Crypto::randomBytes(32);
        const QByteArray tag = QByteArray::number(int(hash)) + '\0' + username.toUtf8();
        const int length = Crypto::hashLength(hash);
        ScramCredentials fake;
        fake.salt = Crypto::hmac(Crypto::Hash::Sha256, secret, "salt\0"_ba + tag).left(ScramCredentials::SaltLength);
        fake.iterations = m_iterations;
        fake.storedKey = Crypto::hmac(Crypto::Hash::Sha256, secret, "stored\0"_ba + tag).left(length);
        fake.serverKey = Crypto::hmac(Crypto::Hash::Sha256, secret, "server\0"_ba + tag).left(length);
        return fake;
    }
    bool verifyPassword(const QString &username, const QString &password) override
    {
        m_username = username;
        return m_inner && m_inner->verifyPassword(username, password);
    }
    const QString &username() const { return m_username; }
    void clear() { m_username.clear(); }

private:
    SaslCredentialLookup *m_inner;
    int m_iterations;
    QString m_username;
};

C2SStream::C2SStream(Session *session, const C2SContext *context)
    : QObject(session)
    , m_session(session)
    , m_context(context)
    , m_parser(this)
    , m_lookup(std::make_unique<AttemptLookup>(context->credentials, context->config->scramIterations))
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
    if (Connection *conn = m_session->conn())
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
    if (Connection *conn = m_session->conn())
        conn->setReadEnabled(false);
}

void C2SStream::resumeReading()
{
    if (m_authPending || m_session->isRetired())
        return;
    if (Connection *conn = m_session->conn())
        conn->setReadEnabled(true);
    // What is already waiting (kernel or TLS buffer) brings no new notification.
    readAvailable();
}

void C2SStream::readAvailable()
{
    Connection *conn = m_session->conn();
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
    if (const Connection *conn = m_session->conn())
        qCDebug(lcC2s) << "session" << m_session->id() << "connection lost:" << conn->errorString();
    m_context->sessions->destroySession(m_session, std::nullopt, u"Connection closed by peer"_s);
}

void C2SStream::fail(StreamError::Condition condition, const QString &text)
{
    qCInfo(lcC2s) << "session" << m_session->id() << "stream error" << StreamError::conditionName(condition) << text;
    m_parser.stop();
    m_context->sessions->destroySession(m_session, condition, text);
}

bool C2SStream::mustEncryptFirst() const
{
    return m_context->config->requireEncryption && !m_session->isEncrypted();
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
        if (m_context->tlsAvailable && !m_session->isEncrypted()) {
            XmlElement starttls(u"starttls"_s, TlsNs);
            if (m_context->config->requireEncryption)
                starttls.appendChild(XmlElement(u"required"_s, TlsNs));
            features.appendChild(starttls);
        }
        if (!mustEncryptFirst()) {
            XmlElement mechanisms(u"mechanisms"_s, SaslNs);
            const QStringList names = SaslMechanism::availableMechanisms(
                m_session->isEncrypted(), m_context->config->allowPlainWithoutTls);
            for (const QString &name : names)
                mechanisms.appendTextElement(u"mechanism"_s, name, SaslNs);
            features.appendChild(mechanisms);
        }
    } else {
        features.appendChild(XmlElement(u"bind"_s, BindNs));
        // RFC 3921bis: old clients may still send the session iq; tell new ones they need not.
        XmlElement session(u"session"_s, SessionNs);
        session.appendChild(XmlElement(u"optional"_s, SessionNs));
        features.appendChild(session);
        for (const XmlElement &extra : m_context->boundStreamFeatures)
            features.appendChild(extra);
    }
    // The prefix "stream" is bound in our header; the element's children carry their own xmlns.
    m_session->sendRaw(features.toXml(ClientNs));
}

void C2SStream::streamClosed()
{
    m_parser.stop();
    m_context->sessions->destroySession(m_session, std::nullopt, u"Stream closed by client"_s);
}

void C2SStream::streamFailed(XmlStreamParser::Error error, const QString &text)
{
    fail(streamErrorFor(error), text);
}

void C2SStream::elementReceived(const XmlElement &element)
{
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
    if (ns == TlsNs && element.name() == u"starttls") {
        handleStartTls(element);
        return;
    }
    if (ns == SaslNs) {
        handleSaslElement(element);
        return;
    }
    if (!isStanza(element)) {
        fail(StreamError::Condition::UnsupportedStanzaType,
             u"Unknown element <"_s + element.name() + u"> in namespace "_s + ns);
        return;
    }
    switch (m_session->type()) {
    case Session::Type::C2SUnauthed:
        fail(StreamError::Condition::NotAuthorized, u"Authenticate before sending stanzas"_s);
        return;
    case Session::Type::C2SUnbound:
        handleUnboundStanza(element);
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
    if (element.name() == u"iq" && element.attribute(u"type"_s) == u"set") {
        if (element.hasChildElement(u"session"_s, SessionNs)) {
            m_session->send(StanzaRouter::makeIqResult(element));
            return;
        }
        if (element.hasChildElement(u"bind"_s, BindNs)) {
            m_session->send(StanzaError::makeErrorReply(element, StanzaError::Condition::NotAllowed,
                                                        u"A resource is already bound"_s));
            return;
        }
    }
    m_context->router->routeFromClient(m_session, element);
}

// --- STARTTLS (RFC 6120 §5.4) ---

void C2SStream::handleStartTls(const XmlElement &)
{
    if (!m_context->tlsAvailable || m_session->isEncrypted() || m_session->type() != Session::Type::C2SUnauthed) {
        m_session->sendRaw(QByteArrayLiteral("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
        fail(StreamError::Condition::PolicyViolation, u"STARTTLS is not possible now"_s);
        return;
    }
    m_session->sendRaw(QByteArrayLiteral("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
    // §5.4.3.3: the old stream is gone; the client opens a new one over TLS. The connection
    // sends <proceed/> to the end before its handshake begins.
    m_parser.requestReset();
    m_session->setStreamRestarted();
    m_session->conn()->startServerEncryption(m_context->tls);
}

// --- SASL (RFC 6120 §6) ---

void C2SStream::handleSaslElement(const XmlElement &element)
{
    if (m_session->type() != Session::Type::C2SUnauthed) {
        fail(StreamError::Condition::PolicyViolation, u"Already authenticated"_s);
        return;
    }
    const QString name = element.name();
    if (name == u"abort") {
        m_sasl.reset();
        saslFailed(SaslFailure::Aborted);
        return;
    }
    if (name == u"auth") {
        if (mustEncryptFirst()) {
            saslFailed(SaslFailure::EncryptionRequired, u"Use STARTTLS first"_s);
            return;
        }
        const QString mechanism = element.attribute(u"mechanism"_s);
        const QStringList offered = SaslMechanism::availableMechanisms(m_session->isEncrypted(),
                                                                       m_context->config->allowPlainWithoutTls);
        if (!offered.contains(mechanism)) {
            const bool weak = mechanism == u"PLAIN";
            saslFailed(weak ? SaslFailure::MechanismTooWeak : SaslFailure::InvalidMechanism);
            return;
        }
        if (m_context->authThrottle && m_context->authThrottle->isAddressLocked(m_session->conn()->peerAddress())) {
            m_lookup->clear();
            throttledSaslFailure(SaslFailure::TemporaryAuthFailure,
                                 u"Too many failed logins from your address; try again later"_s, false);
            return;
        }
        m_lookup->clear();
        m_sasl = SaslMechanism::create(mechanism, m_lookup.get());
        if (!m_sasl) {
            saslFailed(SaslFailure::InvalidMechanism);
            return;
        }
        m_sasl->setLocalDomain(m_context->config->domain);
    } else if (name == u"response") {
        if (!m_sasl) {
            saslFailed(SaslFailure::MalformedRequest, u"No authentication in progress"_s);
            return;
        }
    } else {
        fail(StreamError::Condition::UnsupportedStanzaType, u"Unexpected SASL element"_s);
        return;
    }

    // §6.4.2: "=" is an empty initial response; anything else must be valid base64.
    const QString text = element.text().trimmed();
    QByteArray payload;
    if (!text.isEmpty() && text != u"=") {
        auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            m_sasl.reset();
            saslFailed(SaslFailure::IncorrectEncoding);
            return;
        }
        payload = *decoded;
    }
    if (name == u"auth" && m_sasl->name() == u"PLAIN" && derivePlainOffThread(payload))
        return;   // handleSaslStep() runs when the worker is done
    handleSaslStep(payload);
}

bool C2SStream::derivePlainOffThread(const QByteArray &payload)
{
    // PLAIN costs a PBKDF2 (10,000 iterations): done on a worker, the server thread serves the
    // other sessions meanwhile. The mechanism then runs as usual and finds the derivation in
    // the account service's memo; anything unusual here simply runs inline.
    if (!m_context->plainDeriver)
        return false;
    const QList<QByteArray> parts = payload.split('\0');
    if (parts.size() != 3 || parts.at(1).isEmpty())
        return false;
    const std::optional<QString> password = Sasl::saslPrep(QString::fromUtf8(parts.at(2)));
    const std::optional<QString> username = Sasl::saslPrep(QString::fromUtf8(parts.at(1)));
    if (!password || !username || password->isEmpty())
        return false;
    m_authPending = true;
    m_readTimer.stop();
    pauseReading();
    QPointer<C2SStream> self(this);
    m_context->plainDeriver->derive(*username, password->toUtf8(), [self, payload] {
        if (!self || self->m_session->isRetired())
            return;
        self->m_authPending = false;
        if (self->m_sasl)
            self->handleSaslStep(payload);
        while (self && !self->m_deferred.isEmpty() && !self->m_authPending && !self->m_session->isRetired())
            self->elementReceived(self->m_deferred.takeFirst());
        if (self && !self->m_authPending && !self->m_session->isRetired())
            self->resumeReading();
    });
    return true;
}

void C2SStream::handleSaslStep(const QByteArray &payload)
{
    const SaslMechanism::Step step = m_sasl->step(payload);
    switch (step.kind) {
    case SaslMechanism::Step::Kind::Challenge: {
        XmlElement challenge(u"challenge"_s, SaslNs);
        if (!step.payload.isEmpty())
            challenge.appendText(QString::fromLatin1(step.payload.toBase64()));
        m_session->sendRaw(challenge.toXml(ClientNs));
        return;
    }
    case SaslMechanism::Step::Kind::Failure: {
        m_sasl.reset();
        throttledSaslFailure(step.failure, step.text);
        return;
    }
    case SaslMechanism::Step::Kind::Success:
        break;
    }
    const QString username = m_sasl->authenticatedUsername();
    const QString mechanism = m_sasl->name();
    m_sasl.reset();
    if (AuthThrottle *throttle = m_context->authThrottle) {
        // A locked account stays locked even for the right password: that is what stops a
        // guesser. The answer is the same as for a wrong one.
        if (throttle->isAccountLocked(username) || throttle->isAddressLocked(m_session->conn()->peerAddress())) {
            throttledSaslFailure(SaslFailure::NotAuthorized, QString(), false);
            return;
        }
        throttle->recordSuccess(username);
    }
    if (m_context->isAccountDisabled && m_context->isAccountDisabled(username)) {
        saslFailed(SaslFailure::AccountDisabled, u"This account is disabled"_s);
        return;
    }
    XmlElement success(u"success"_s, SaslNs);
    if (!step.payload.isEmpty())
        success.appendText(QString::fromLatin1(step.payload.toBase64()));
    m_session->sendRaw(success.toXml(ClientNs));
    qCInfo(lcSasl) << "session" << m_session->id() << "authenticated as" << username << "with" << mechanism;
    m_unauthenticatedTimer.stop();
    m_lookup.reset();   // only SASL needed it
    m_context->sessions->authenticate(m_session, username, mechanism);
    // §6.4.6: after success the client opens a new stream on the same connection.
    m_parser.requestReset();
    m_session->setStreamRestarted();
}

void C2SStream::throttledSaslFailure(SaslFailure failure, const QString &text, bool countAccount)
{
    AuthThrottle *throttle = m_context->authThrottle;
    Connection *conn = m_session->conn();
    if (!throttle || !conn || failure == SaslFailure::Aborted) {
        saslFailed(failure, text);
        return;
    }
    const QString username = m_lookup->username();
    SaslFailure answer = failure;
    QString answerText = text;
    if (!username.isEmpty() && throttle->isAccountLocked(username)) {
        answer = SaslFailure::TemporaryAuthFailure;
        answerText = u"Too many failed logins for this account; try again later"_s;
        countAccount = false;
    }
    const int delayMs = throttle->recordFailure(username, conn->peerAddress(), countAccount);
    m_lookup->clear();
    if (delayMs <= 0) {
        saslFailed(answer, answerText);
        return;
    }
    // Nothing more is read until the answer is out; what was already parsed waits with it.
    m_authPending = true;
    m_readTimer.stop();
    pauseReading();
    QTimer::singleShot(delayMs, this, [this, answer, answerText] {
        m_authPending = false;
        saslFailed(answer, answerText);
        while (!m_deferred.isEmpty() && !m_authPending && !m_session->isRetired())
            elementReceived(m_deferred.takeFirst());
        if (!m_authPending && !m_session->isRetired())
            resumeReading();
    });
}

void C2SStream::saslFailed(SaslFailure failure, const QString &text)
{
    qCInfo(lcSasl) << "session" << m_session->id() << "SASL failure" << saslFailureName(failure);
    XmlElement element(u"failure"_s, SaslNs);
    element.appendChild(XmlElement(saslFailureName(failure), SaslNs));
    if (!text.isEmpty())
        element.appendTextElement(u"text"_s, text, SaslNs);
    m_session->sendRaw(element.toXml(ClientNs));
    if (failure == SaslFailure::Aborted)
        return;
    if (++m_saslFailures >= m_context->config->maxSaslFailures)
        fail(StreamError::Condition::PolicyViolation, u"Too many failed authentication attempts"_s);
}

// --- resource binding (RFC 6120 §7) ---

void C2SStream::handleUnboundStanza(const XmlElement &stanza)
{
    const bool isIqSet = stanza.name() == u"iq" && stanza.attribute(u"type"_s) == u"set";
    if (isIqSet && stanza.hasChildElement(u"bind"_s, BindNs)) {
        handleBind(stanza);
        return;
    }
    if (isIqSet && stanza.hasChildElement(u"session"_s, SessionNs)) {
        m_session->send(StanzaRouter::makeIqResult(stanza));
        return;
    }
    // §7.1: nothing but binding before a resource is bound.
    if (stanza.name() == u"iq" && stanza.attribute(u"type"_s) != u"error" && stanza.attribute(u"type"_s) != u"result")
        m_session->send(StanzaError::makeErrorReply(stanza, StanzaError::Condition::NotAuthorized,
                                                    u"Bind a resource first"_s));
}

void C2SStream::handleBind(const XmlElement &iq)
{
    const XmlElement bind = iq.firstChildElement(u"bind"_s, BindNs);
    QString requested = bind.childText(u"resource"_s, BindNs).trimmed();
    QString resource;
    if (requested.isEmpty()) {
        resource = QString::fromLatin1(Crypto::randomBytes(9).toBase64(QByteArray::Base64UrlEncoding));
    } else {
        resource = Jid::prepareResource(requested);
        if (resource.isEmpty()) {
            // §7.7.2.1: a resource that cannot be prepared is bad-request.
            m_session->send(StanzaError::makeErrorReply(iq, StanzaError::Condition::BadRequest,
                                                        u"The resource is not valid"_s));
            return;
        }
    }
    switch (m_context->sessions->bindResource(m_session, &resource)) {
    case SessionManager::BindResult::Conflict:
        m_session->send(StanzaError::makeErrorReply(iq, StanzaError::Condition::Conflict,
                                                    u"That resource is in use"_s));
        return;
    case SessionManager::BindResult::NotAllowed:
        m_session->send(StanzaError::makeErrorReply(iq, StanzaError::Condition::NotAllowed));
        return;
    case SessionManager::BindResult::Bound:
        break;
    }
    XmlElement result = StanzaRouter::makeIqResult(iq);
    result.removeAttribute(u"from"_s);
    result.removeAttribute(u"to"_s);
    XmlElement bound(u"bind"_s, BindNs);
    bound.appendTextElement(u"jid"_s, m_session->fullJid().toString(), BindNs);
    result.appendChild(bound);
    m_session->send(result);
    qCInfo(lcC2s) << "session" << m_session->id() << "bound" << m_session->fullJid().toString();
}
