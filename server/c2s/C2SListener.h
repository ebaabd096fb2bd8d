#pragma once

#include "stanza/StreamError.h"

#include <QTcpServer>

#include <optional>

struct C2SContext;
class Connection;
class QHostAddress;

// Why a new client connection from `address` is refused before it costs anything (connection
// limits of the configuration), or nothing. Shared by every transport's listener.
struct AdmissionRefusal
{
    StreamError::Condition condition;
    QString text;
};
std::optional<AdmissionRefusal> admissionRefusal(const C2SContext *context, const QHostAddress &address);

// Accepts client connections on one port: plain (STARTTLS offered) or direct TLS (XEP-0368,
// the handshake starts at once). Each accepted socket becomes a Session with its C2SStream,
// unless a connection limit is reached: then the plain port answers with a stream error before
// any TLS, and the direct TLS port just closes.
class C2SListener : public QTcpServer
{
    Q_OBJECT
public:
    C2SListener(const C2SContext *context, bool directTls, QObject *parent = nullptr);

    bool isDirectTls() const { return m_directTls; }

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    void refuse(Connection *conn, StreamError::Condition condition, const QString &text);

    const C2SContext *m_context;
    bool m_directTls;
};
