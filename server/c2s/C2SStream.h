#pragma once

#include "auth/SaslMechanism.h"
#include "xml/XmlStreamParser.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <memory>

struct C2SContext;
class Session;

// Drives one client's stream from the first byte to resource binding (RFC 6120 §4–§7): stream
// headers and features, STARTTLS, SASL, bind and the legacy session iq. Once bound, every stanza
// goes to the router. Lives as a child of its Session.
class C2SStream : public QObject, private XmlStreamParser::Handler
{
    Q_OBJECT
public:
    C2SStream(Session *session, const C2SContext *context);
    ~C2SStream() override;

private:
    class AttemptLookup;

    void onReadyRead();
    // Reads what the per-session token bucket allows (config read_rate) and feeds the parser;
    // the rest waits in the socket, whose bounded buffer then holds back the sender (TCP).
    void readAvailable();
    void scheduleRead();
    void onEncrypted();
    void onDisconnected();

    // XmlStreamParser::Handler
    void streamOpened(const XmlElement &header, const QString &streamNamespace) override;
    void elementReceived(const XmlElement &element) override;
    void streamClosed() override;
    void streamFailed(StreamError::Condition condition, const QString &text) override;

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
    QTimer m_unauthenticatedTimer;
    std::unique_ptr<AttemptLookup> m_lookup;   // remembers the username a mechanism asked about
    bool m_authPending = false;                // a delayed SASL failure is on its way
    QList<XmlElement> m_deferred;              // parsed while it was, handled after it
    QTimer m_readTimer;
    QElapsedTimer m_clock;
    double m_readTokens = 0;
    qint64 m_lastRefillMs = 0;
};
