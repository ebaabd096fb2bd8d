#pragma once

#include "stanza/StreamError.h"

#include <QTcpServer>

struct C2SContext;
class Connection;

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
