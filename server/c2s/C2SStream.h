#pragma once

#include "host/Stream.h"
#include "net/Transport.h"
#include "stanza/StreamError.h"
#include "xml/XmlStreamParser.h"

#include <QBasicTimer>
#include <QElapsedTimer>
#include <QObject>
#include <memory>

struct C2SContext;
class Session;

// Drives one client's stream from the first byte to resource binding (RFC 6120 §4–§7): stream
// headers, read pacing, and the state machine: the features the modules offer and their
// negotiation elements (STARTTLS, SASL and bind are modules). Once bound, every stanza goes to
// the router. Lives as a child of its Session and handles its transport's events: a TCP
// connection or a WebSocket (RFC 7395), which translates its framing to the same stream.
class C2SStream : public QObject, public Stream, private XmlStreamParser::Handler, private Transport::Handler
{
    Q_OBJECT
public:
    C2SStream(Session *session, const C2SContext *context);
    ~C2SStream() override;

    // Stream
    Session *session() const override { return m_session; }
    void restart() override;
    void fail(StreamError::Condition condition, const QString &text = QString()) override;
    void holdInput() override;
    void releaseInput(const std::function<void()> &first) override;
    bool reattach(Session *hibernating) override;

private:

    // Transport::Handler
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

    Session *m_session;
    Transport *m_conn;                         // the transport this stream reads
    const C2SContext *m_context;
    XmlStreamParser m_parser;
    // Timers without a QObject each: both arrive in timerEvent().
    QBasicTimer m_unauthenticatedTimer;
    bool m_authPending = false;                // input held (holdInput), e.g. a delayed SASL answer
    QList<XmlElement> m_deferred;              // parsed meanwhile, handled by releaseInput
    QBasicTimer m_readTimer;                   // resumes reading when the bucket has refilled
    QElapsedTimer m_clock;
    double m_readTokens = 0;
    qint64 m_lastRefillMs = 0;
};
