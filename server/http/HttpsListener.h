#pragma once

#include "tls/CertificateStore.h"

#include <QHostAddress>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QObject>
#include <QPointer>
#include <QRegularExpression>
#include <functional>
#include <memory>

class QAbstractHttpServer;
class QSslSocket;
class QWebSocket;
class QWebSocketServer;

// The server's one HTTPS port (Qt HTTP Server over TLS with the XMPP certificate): file upload
// (XEP-0363), the invitation landing page, XMPP over WebSocket (RFC 7395). Users add routes or a
// WebSocket handler before listen(); the server listens only when something did (wanted()).
class HttpsListener : public QObject
{
    Q_OBJECT
public:
    // A route's handler: the request, its responder (answer exactly once, now or later while
    // the socket lives), and the match of the route's pattern on the decoded path.
    using Handler = std::function<void(const QHttpServerRequest &request, QHttpServerResponder &responder,
                                       const QRegularExpressionMatch &match)>;
    using WebSocketHandler = std::function<void(std::unique_ptr<QWebSocket> socket)>;
    // A connection taken by the head of its first request: the socket (TLS done, the whole
    // request still unread, the handler's from now on), that head, and the path's match.
    using StreamHandler = std::function<void(QSslSocket *socket, const QByteArray &requestHead,
                                             const QRegularExpressionMatch &match)>;

    explicit HttpsListener(QObject *parent = nullptr);
    ~HttpsListener() override;

    // Routes are tried in the order added; `pathPattern` must match the whole path (it is
    // anchored here). A path that matches a route but not its methods gets 405, no route 404.
    void addRoute(QHttpServerRequest::Methods methods, const QString &pathPattern, Handler handler);
    // Requests whose method is `method` and whose path (without the query) matches the whole
    // `pathPattern`, when they open their connection, bypass Qt HTTP Server (which would hold
    // their body in memory): the handler reads them from the socket itself. The same request
    // later on a kept-alive connection reaches the routes instead.
    void takeRequests(const QByteArray &method, const QString &pathPattern, StreamHandler handler);
    // Every WebSocket upgrade (any path: the handler reads socket->requestUrl() and closes
    // what it does not serve). Without a handler, upgrades are refused.
    void setWebSocketHandler(WebSocketHandler handler);
    // Subprotocols the WebSocket upgrade negotiates (RFC 6455 §4.2.2). An upgrade that offers
    // none of them is answered 501 and not upgraded (RFC 7395 §3.1 for "xmpp").
    void setWebSocketSubprotocols(const QStringList &subprotocols);

    // The largest request (headers and body) a connection may send before its answer: Qt HTTP
    // Server 6.4 holds a whole request in memory before anyone sees it, so a connection that
    // sends more is cut off. Default 1 MiB (requests with large bodies are taken, takeRequests). Counting
    // starts again whenever the server writes to the connection, and stops at a WebSocket
    // upgrade (the socket then belongs to its QWebSocket).
    void setMaxRequestBytes(qint64 bytes) { m_maxRequestBytes = qMax(m_maxRequestBytes, bytes); }
    qint64 maxRequestBytes() const { return m_maxRequestBytes; }

    // Something uses the listener: a route, a taken request or a WebSocket handler was added.
    bool wanted() const;

    // The URL that clients use for `path` (begins with '/'): urlBase() + path.
    QString url(const QString &path) const;
    QString urlBase() const { return m_urlBase; }
    // Empty: https://HOST:PORT with the port actually bound (set before or after listen()).
    void setUrlBase(const QString &base, const QString &host);

    bool listen(const QHostAddress &address, quint16 port, const CertificateStore::Identity &identity,
                QString *error);
    bool isListening() const;
    quint16 serverPort() const;
    void close();

    // Qt's server itself, for what this class does not wrap.
    QAbstractHttpServer *httpServer() const;

private:
    class Server;
    struct Route
    {
        QHttpServerRequest::Methods methods;
        QRegularExpression pattern;
        Handler handler;
    };
    struct Taken
    {
        QByteArray method;
        QRegularExpression pattern;
        StreamHandler handler;
    };
    bool dispatch(const QHttpServerRequest &request, QHttpServerResponder &responder);
    // The acceptor's taker for takeRequests().
    bool takeRequest(QSslSocket *socket, const QByteArray &requestHead);
    // The acceptor's taker: a WebSocket upgrade goes to our own QWebSocketServer (Qt HTTP
    // Server 6.4 cannot answer a subprotocol).
    bool takeUpgrade(QSslSocket *socket, const QByteArray &requestHead);

    std::unique_ptr<Server> m_server;
    QList<Route> m_routes;
    QList<Taken> m_taken;
    WebSocketHandler m_webSocketHandler;
    std::unique_ptr<QWebSocketServer> m_webSockets;
    QList<QPointer<QSslSocket>> m_upgrading;   // TLS connections whose handshake is under way
    QString m_configuredBase;
    QString m_host;
    QString m_urlBase;
    quint16 m_port = 0;
    qint64 m_maxRequestBytes = 1024 * 1024;
};
