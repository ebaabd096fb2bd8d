#include "modules/SaslModule.h"

#include "auth/Crypto.h"
#include "auth/SaslMechanism.h"
#include "auth/SaslPrep.h"
#include "base/Logging.h"
#include "c2s/C2SContext.h"
#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "net/Transport.h"
#include "session/AuthThrottle.h"
#include "session/Session.h"
#include "session/SessionManager.h"

#include <QPointer>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
const QString ClientNs = u"jabber:client"_s;
const QString SaslNs = u"urn:ietf:params:xml:ns:xmpp-sasl"_s;
constexpr int FeaturePriority = 10;

// The account store as SASL sees it, plus a note of the username asked about, so that a
// failure can be counted against the account whichever mechanism ran.
class AttemptLookup final : public SaslCredentialLookup
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

// One session's SASL state, until it is authenticated.
struct Attempt
{
    std::unique_ptr<SaslMechanism> mechanism;
    std::unique_ptr<AttemptLookup> lookup;
    int failures = 0;
};
} // namespace

class SaslModule::Exchange
{
public:
    explicit Exchange(const C2SContext *context) : m_context(context) {}

    bool mustEncryptFirst(const Session *session) const
    {
        return m_context->config->requireEncryption && !session->isEncrypted();
    }
    void offer(Session *session, XmlElement &features) const;
    bool handle(Stream &stream, const XmlElement &element);

private:
    Attempt &attempt(Session *session)
    {
        Attempt &a = m_attempts.get(session);
        if (!a.lookup)
            a.lookup = std::make_unique<AttemptLookup>(m_context->credentials, m_context->config->scramIterations);
        return a;
    }
    bool derivePlainOffThread(Stream &stream, const QByteArray &payload);
    void step(Stream &stream, const QByteArray &payload);
    void failed(Stream &stream, SaslFailure failure, const QString &text = QString());
    // A failed login, counted by the AuthThrottle and answered after its delay; input waits.
    void throttledFailure(Stream &stream, SaslFailure failure, const QString &text, bool countAccount = true);

    const C2SContext *m_context;
    SessionData<Attempt> m_attempts;
};

void SaslModule::Exchange::offer(Session *session, XmlElement &features) const
{
    if (mustEncryptFirst(session))
        return;
    XmlElement mechanisms(u"mechanisms"_s, SaslNs);
    const QStringList names = SaslMechanism::availableMechanisms(session->isEncrypted(),
                                                                 m_context->config->allowPlainWithoutTls);
    for (const QString &name : names)
        mechanisms.appendTextElement(u"mechanism"_s, name, SaslNs);
    features.appendChild(mechanisms);
}

bool SaslModule::Exchange::handle(Stream &stream, const XmlElement &element)
{
    Session *session = stream.session();
    if (session->type() != Session::Type::C2SUnauthed) {
        stream.fail(StreamError::Condition::PolicyViolation, u"Already authenticated"_s);
        return true;
    }
    Attempt &a = attempt(session);
    const QString name = element.name();
    if (name == u"abort") {
        a.mechanism.reset();
        failed(stream, SaslFailure::Aborted);
        return true;
    }
    if (name == u"auth") {
        if (mustEncryptFirst(session)) {
            failed(stream, SaslFailure::EncryptionRequired, u"Use STARTTLS first"_s);
            return true;
        }
        const QString mechanism = element.attribute(u"mechanism"_s);
        const QStringList offered = SaslMechanism::availableMechanisms(session->isEncrypted(),
                                                                       m_context->config->allowPlainWithoutTls);
        if (!offered.contains(mechanism)) {
            const bool weak = mechanism == u"PLAIN";
            failed(stream, weak ? SaslFailure::MechanismTooWeak : SaslFailure::InvalidMechanism);
            return true;
        }
        if (m_context->authThrottle && m_context->authThrottle->isAddressLocked(session->conn()->peerAddress())) {
            a.lookup->clear();
            throttledFailure(stream, SaslFailure::TemporaryAuthFailure,
                             u"Too many failed logins from your address; try again later"_s, false);
            return true;
        }
        a.lookup->clear();
        a.mechanism = SaslMechanism::create(mechanism, a.lookup.get());
        if (!a.mechanism) {
            failed(stream, SaslFailure::InvalidMechanism);
            return true;
        }
        a.mechanism->setLocalDomain(m_context->config->domain);
    } else if (name == u"response") {
        if (!a.mechanism) {
            failed(stream, SaslFailure::MalformedRequest, u"No authentication in progress"_s);
            return true;
        }
    } else {
        stream.fail(StreamError::Condition::UnsupportedStanzaType, u"Unexpected SASL element"_s);
        return true;
    }

    // §6.4.2: "=" is an empty initial response; anything else must be valid base64.
    const QString text = element.text().trimmed();
    QByteArray payload;
    if (!text.isEmpty() && text != u"=") {
        auto decoded = QByteArray::fromBase64Encoding(text.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            a.mechanism.reset();
            failed(stream, SaslFailure::IncorrectEncoding);
            return true;
        }
        payload = *decoded;
    }
    if (name == u"auth" && a.mechanism->name() == u"PLAIN" && derivePlainOffThread(stream, payload))
        return true;   // step() runs when the worker is done
    step(stream, payload);
    return true;
}

bool SaslModule::Exchange::derivePlainOffThread(Stream &stream, const QByteArray &payload)
{
    // PLAIN costs a PBKDF2 (10,000 iterations): done on a worker, the server thread serves the
    // other sessions meanwhile. The mechanism then runs as usual and finds the derivation in
    // the account service's memo; anything unusual here simply runs inline.
    if (!m_context->derivePlain)
        return false;
    const QList<QByteArray> parts = payload.split('\0');
    if (parts.size() != 3 || parts.at(1).isEmpty())
        return false;
    const std::optional<QString> password = Sasl::saslPrep(QString::fromUtf8(parts.at(2)));
    const std::optional<QString> username = Sasl::saslPrep(QString::fromUtf8(parts.at(1)));
    if (!password || !username || password->isEmpty())
        return false;
    stream.holdInput();
    // The stream is a child of its session: alive while the session is.
    QPointer<Session> session(stream.session());
    Stream *s = &stream;
    m_context->derivePlain(*username, password->toUtf8(), [this, session, s, payload] {
        if (!session || session->isRetired())
            return;
        s->releaseInput([this, session, s, payload] {
            if (Attempt *a = m_attempts.find(session); a && a->mechanism)
                step(*s, payload);
        });
    });
    return true;
}

void SaslModule::Exchange::step(Stream &stream, const QByteArray &payload)
{
    Session *session = stream.session();
    Attempt &a = attempt(session);
    const SaslMechanism::Step result = a.mechanism->step(payload);
    switch (result.kind) {
    case SaslMechanism::Step::Kind::Challenge: {
        XmlElement challenge(u"challenge"_s, SaslNs);
        if (!result.payload.isEmpty())
            challenge.appendText(QString::fromLatin1(result.payload.toBase64()));
        session->sendRaw(challenge.toXml(ClientNs));
        return;
    }
    case SaslMechanism::Step::Kind::Failure:
        a.mechanism.reset();
        throttledFailure(stream, result.failure, result.text);
        return;
    case SaslMechanism::Step::Kind::Success:
        break;
    }
    const QString username = a.mechanism->authenticatedUsername();
    const QString mechanism = a.mechanism->name();
    a.mechanism.reset();
    if (AuthThrottle *throttle = m_context->authThrottle) {
        // A locked account stays locked even for the right password: that is what stops a
        // guesser. The answer is the same as for a wrong one.
        if (throttle->isAccountLocked(username) || throttle->isAddressLocked(session->conn()->peerAddress())) {
            throttledFailure(stream, SaslFailure::NotAuthorized, QString(), false);
            return;
        }
        throttle->recordSuccess(username);
    }
    if (m_context->isAccountDisabled && m_context->isAccountDisabled(username)) {
        failed(stream, SaslFailure::AccountDisabled, u"This account is disabled"_s);
        return;
    }
    // A kick that keeps the user out: the reconnecting client learns until when (RFC 6120
    // §6.5.1 account-disabled, with the time in <text/>).
    if (m_context->keepOutText) {
        if (const QString text = m_context->keepOutText(username); !text.isEmpty()) {
            failed(stream, SaslFailure::AccountDisabled, text);
            return;
        }
    }
    XmlElement success(u"success"_s, SaslNs);
    if (!result.payload.isEmpty())
        success.appendText(QString::fromLatin1(result.payload.toBase64()));
    session->sendRaw(success.toXml(ClientNs));
    qCInfo(lcSasl) << "session" << session->id() << "authenticated as" << username << "with" << mechanism;
    m_attempts.reset(session);   // only SASL needed it
    m_context->sessions->authenticate(session, username, mechanism);
    // §6.4.6: after success the client opens a new stream on the same connection.
    stream.restart();
}

void SaslModule::Exchange::throttledFailure(Stream &stream, SaslFailure failure, const QString &text,
                                            bool countAccount)
{
    AuthThrottle *throttle = m_context->authThrottle;
    Session *session = stream.session();
    Transport *conn = session->conn();
    if (!throttle || !conn || failure == SaslFailure::Aborted) {
        failed(stream, failure, text);
        return;
    }
    AttemptLookup &lookup = *attempt(session).lookup;
    const QString username = lookup.username();
    SaslFailure answer = failure;
    QString answerText = text;
    if (!username.isEmpty() && throttle->isAccountLocked(username)) {
        answer = SaslFailure::TemporaryAuthFailure;
        answerText = u"Too many failed logins for this account; try again later"_s;
        countAccount = false;
    }
    const int delayMs = throttle->recordFailure(username, conn->peerAddress(), countAccount);
    lookup.clear();
    if (delayMs <= 0) {
        failed(stream, answer, answerText);
        return;
    }
    // Nothing more is read until the answer is out; what was already parsed waits with it.
    stream.holdInput();
    Stream *s = &stream;
    QTimer::singleShot(delayMs, session, [this, s, answer, answerText] {
        s->releaseInput([this, s, answer, answerText] { failed(*s, answer, answerText); });
    });
}

void SaslModule::Exchange::failed(Stream &stream, SaslFailure failure, const QString &text)
{
    Session *session = stream.session();
    qCInfo(lcSasl) << "session" << session->id() << "SASL failure" << saslFailureName(failure);
    XmlElement element(u"failure"_s, SaslNs);
    element.appendChild(XmlElement(saslFailureName(failure), SaslNs));
    if (!text.isEmpty())
        element.appendTextElement(u"text"_s, text, SaslNs);
    session->sendRaw(element.toXml(ClientNs));
    if (failure == SaslFailure::Aborted)
        return;
    if (++attempt(session).failures >= m_context->config->maxSaslFailures)
        stream.fail(StreamError::Condition::PolicyViolation, u"Too many failed authentication attempts"_s);
}

SaslModule::SaslModule(const C2SContext *context)
    : m_context(context)
{
}

SaslModule::~SaslModule() = default;

void SaslModule::load(ModuleHost &host)
{
    m_exchange = std::make_shared<Exchange>(m_context);
    Exchange *exchange = m_exchange.get();
    host.addStreamFeature(ModuleHost::Stage::BeforeAuth, [exchange](Session *session, XmlElement &features) {
        exchange->offer(session, features);
    }, FeaturePriority);
    host.handleElement(SaslNs, [exchange](Stream &stream, const XmlElement &element) {
        return exchange->handle(stream, element);
    });
}
