#pragma once

#include <QByteArray>
#include <QList>
#include <QSslConfiguration>
#include <QTcpServer>

#include <functional>

class QSslSocket;

// The HTTPS port's acceptor: a QTcpServer that runs the TLS handshake and looks at the head of
// the first request before the HTTP server reads it. Takers (the WebSocket upgrade, requests
// whose body is streamed rather than held) are asked in the order added and may claim the
// connection by that head; every other connection becomes a pending connection of the HTTP
// server bound to this acceptor (QAbstractHttpServer::bind), its request still unread.
// Why not QSslServer: QtHttpServer 6.4 upgrades WebSockets itself and cannot answer with a
// subprotocol, which XMPP over WebSocket requires (RFC 7395 §3.1, "xmpp").
class HttpsAcceptor : public QTcpServer
{
public:
    // True: the taker owns the socket now.
    using Taker = std::function<bool(QSslSocket *socket, const QByteArray &requestHead)>;

    // maxRequestBytes (owned by the caller, read at each arrival): a connection handed to the
    // HTTP server that sends more than this before the server next writes to it is cut off,
    // since Qt HTTP Server 6.4 holds a whole request in memory.
    HttpsAcceptor(const QSslConfiguration &configuration, const qint64 *maxRequestBytes, QObject *parent = nullptr);

    void addTaker(Taker taker) { m_takers.append(std::move(taker)); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void inspect(QSslSocket *socket);
    void handOver(QSslSocket *socket, const QByteArray &head);

    void limitRequests(QSslSocket *socket);

    QSslConfiguration m_configuration;
    const qint64 *m_maxRequestBytes;
    QList<Taker> m_takers;
};
