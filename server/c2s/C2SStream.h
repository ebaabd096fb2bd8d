#pragma once

#include "auth/SaslMechanism.h"
#include "net/Connection.h"
#include "stanza/StreamError.h"
#include "xml/XmlStreamParser.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QObject>
#include <memory>

struct C2SContext;
class Session;

// Drives one client's stream from the first byte to resource binding (RFC 6120 §4–§7): stream
// headers and features, STARTTLS, SASL, bind and the legacy session iq. Once bound, every stanza
// goes to the router. Lives as a child of its Session and handles its Connection's events.
class C2SStream : public QObject, private XmlStreamParser::Handler, private Connection::Handler
{
    Q_OBJECT
public:
    C2SStream(Session *session, const C2SContext *context);
    ~C2SStream() override;

private:
    class AttemptLookup;

    // Connection::Handler
    void connectionReadyRead() override;
    void connectionEncrypted() override;
    void connectionDisconnected() override;

    // Reads what the per-session token bucket allows (config read_rate) and feeds the parser;
    // the rest waits in the kernel (reading paused), whose bounded buffer then holds back the
    // sender (TCP).
    void readAvailable();
    // Stops reading (a level-triggered notifier would fire for ever) until resumeReading().
    void pauseReading();
    void resumeReading();
    void scheduleRead();
    void timerEvent(QTimerEvent *event) override;

    // XmlStreamParser::Handler
    void streamOpened(const XmlElement &header, const QString &streamNamespace) override;
    void elementReceived(const XmlElement &element) override;
    void streamClosed() override;
    void streamFailed(XmlStreamParser::Error error, const QString &text) override;

    void sendStreamHeader(const XmlElement &clientHeader);
    void sendFeatures();
    void handleStartTls(const XmlElement &element);
    void handleSaslElement(const XmlElement &element);
    void handleSaslStep(const QByteArray &payload);
    bool derivePlainOffThread(const QByteArray &payload);
    void saslFailed(SaslFailure failure, const QString &text = QString());
    // A failed login, counted by the AuthThrottle and answered after its delay; input waits.
    void throttledSaslFailure(SaslFailure failure, const QString &text, bool countAccount = true);
    void handleUnboundStanza(const XmlElement &stanza);
    void handleBind(const XmlElement &iq);
    void fail(StreamError::Condition condition, const QString &text = QString());
    bool mustEncryptFirst() const;

    Session *m_session;
    const C2SContext *m_context;
    XmlStreamParser m_parser;
    std::unique_ptr<SaslMechanism> m_sasl;
    int m_saslFailures = 0;
    // Timers without a QObject each: both arrive in timerEvent().
    QBasicTimer m_unauthenticatedTimer;
    std::unique_ptr<AttemptLookup> m_lookup;   // remembers the username a mechanism asked about;
                                               // released once authenticated
    bool m_authPending = false;                // a delayed SASL failure is on its way
    QList<XmlElement> m_deferred;              // parsed while it was, handled after it
    QBasicTimer m_readTimer;                   // resumes reading when the bucket has refilled
    QElapsedTimer m_clock;
    double m_readTokens = 0;
    qint64 m_lastRefillMs = 0;
};
