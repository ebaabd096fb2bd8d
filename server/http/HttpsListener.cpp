#include "http/HttpsListener.h"

#include "base/Logging.h"
#include "http/HttpsAcceptor.h"

#include <QAbstractHttpServer>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;

// Qt's abstract server with our dispatch: every request is answered by a route, 404 or 405.
class HttpsListener::Server final : public QAbstractHttpServer
{
public:
    explicit Server(HttpsListener *owner)
        : m_owner(owner)
    {
    }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        QHttpServerResponder responder = makeResponder(request, socket);
        return m_owner->dispatch(request, responder);
    }
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        makeResponder(request, socket).write(QHttpServerResponder::StatusCode::NotFound);
    }

private:
    HttpsListener *m_owner;
};

HttpsListener::HttpsListener(QObject *parent)
    : QObject(parent)
    , m_server(std::make_unique<Server>(this))
{
}

HttpsListener::~HttpsListener() = default;

void HttpsListener::addRoute(QHttpServerRequest::Methods methods, const QString &pathPattern, Handler handler)
{
    QRegularExpression pattern(QRegularExpression::anchoredPattern(pathPattern));
    Q_ASSERT(pattern.isValid());
    m_routes.append({methods, pattern, std::move(handler)});
}

void HttpsListener::takeRequests(const QByteArray &method, const QString &pathPattern, StreamHandler handler)
{
    QRegularExpression pattern(QRegularExpression::anchoredPattern(pathPattern));
    Q_ASSERT(pattern.isValid());
    m_taken.append({method, pattern, std::move(handler)});
}

bool HttpsListener::takeRequest(QSslSocket *socket, const QByteArray &requestHead)
{
    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    const QByteArray line = requestHead.left(requestHead.indexOf("\r\n"));
    const QList<QByteArray> parts = line.split(' ');
    if (parts.size() != 3)
        return false;
    const QByteArray target = parts.at(1);
    const qsizetype query = target.indexOf('?');
    const QString path = QString::fromLatin1(query < 0 ? target : target.first(query));
    for (const Taken &taken : std::as_const(m_taken)) {
        if (parts.at(0) != taken.method)
            continue;
        const QRegularExpressionMatch match = taken.pattern.match(path);
        if (match.hasMatch()) {
            taken.handler(socket, requestHead, match);
            return true;
        }
    }
    return false;
}

void HttpsListener::setWebSocketHandler(WebSocketHandler handler)
{
    m_webSocketHandler = std::move(handler);
    if (m_webSockets)
        return;
    // The handshake is ours (takeUpgrade), TLS is the acceptor's: the server runs no TLS.
    m_webSockets = std::make_unique<QWebSocketServer>(u"Switchboard"_s, QWebSocketServer::NonSecureMode);
    connect(m_webSockets.get(), &QWebSocketServer::newConnection, this, [this] {
        while (QWebSocket *socket = m_webSockets->nextPendingConnection()) {
            // Its TLS session, for whoever shows it: QWebSocket keeps the socket under it to itself.
            m_upgrading.removeAll(nullptr);
            for (const QPointer<QSslSocket> &tls : std::as_const(m_upgrading)) {
                if (tls->peerPort() == socket->peerPort() && tls->peerAddress() == socket->peerAddress()) {
                    socket->setSslConfiguration(tls->sslConfiguration());
                    // Nor does it own it: the TLS socket goes with the WebSocket (after
                    // the WebSocket's own goodbye, as children go last).
                    tls->setParent(socket);
                    m_upgrading.removeAll(tls);
                    break;
                }
            }
            if (m_webSocketHandler)
                m_webSocketHandler(std::unique_ptr<QWebSocket>(socket));
            else
                socket->deleteLater();
        }
    });
}

void HttpsListener::setWebSocketSubprotocols(const QStringList &subprotocols)
{
    setWebSocketHandler(m_webSocketHandler);
    m_webSockets->setSupportedSubprotocols(subprotocols);
}

bool HttpsListener::takeUpgrade(QSslSocket *socket, const QByteArray &requestHead)
{
    if (!m_webSockets || !m_webSocketHandler)
        return false;
    // The head's field lines, names lower-cased; list values split at commas (RFC 9110 §5.6.1).
    auto tokens = [&requestHead](QByteArrayView name) {
        QList<QByteArray> values;
        const QList<QByteArray> lines = requestHead.split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.first(colon).trimmed().toLower() == name) {
                const QList<QByteArray> parts = line.sliced(colon + 1).split(',');
                for (const QByteArray &part : parts)
                    values.append(part.trimmed());
            }
        }
        return values;
    };
    bool upgrade = false;
    const QList<QByteArray> upgrades = tokens("upgrade");
    for (const QByteArray &value : upgrades)
        upgrade = upgrade || value.compare("websocket", Qt::CaseInsensitive) == 0;
    if (!upgrade)
        return false;
    const QStringList supported = m_webSockets->supportedSubprotocols();
    if (!supported.isEmpty()) {
        bool offered = false;
        const QList<QByteArray> asked = tokens("sec-websocket-protocol");
        for (const QByteArray &protocol : asked)
            offered = offered || supported.contains(QString::fromLatin1(protocol));
        if (!offered) {
            // As Prosody does: no WebSocket for a client that will not speak the subprotocol.
            qCInfo(lcServer) << "refused a WebSocket upgrade without the subprotocol" << supported << "from"
                             << socket->peerAddress().toString();
            const QByteArray body = "Ask for the WebSocket subprotocol " + supported.join(u", "_s).toUtf8() + ".\n";
            socket->write("HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\n"
                          "Access-Control-Allow-Origin: *\r\nConnection: close\r\nContent-Length: "
                          + QByteArray::number(body.size()) + "\r\n\r\n" + body);
            socket->disconnectFromHost();
            connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
            return true;
        }
    }
    // It reads the request already buffered (QWebSocketServer announces it to itself).
    m_upgrading.removeAll(nullptr);
    m_upgrading.append(socket);
    // A handshake that fails leaves the socket to us.
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket] {
        if (m_upgrading.contains(socket)) {
            m_upgrading.removeAll(socket);
            socket->deleteLater();
        }
    });
    m_webSockets->handleConnection(socket);
    return true;
}

bool HttpsListener::wanted() const
{
    return !m_routes.isEmpty() || !m_taken.isEmpty() || bool(m_webSocketHandler);
}

QString HttpsListener::url(const QString &path) const
{
    return m_urlBase + path;
}

void HttpsListener::setUrlBase(const QString &base, const QString &host)
{
    m_configuredBase = base;
    while (m_configuredBase.endsWith(u'/'))
        m_configuredBase.chop(1);
    m_host = host;
    m_urlBase = !m_configuredBase.isEmpty() ? m_configuredBase : u"https://%1:%2"_s.arg(m_host).arg(m_port);
}

bool HttpsListener::listen(const QHostAddress &address, quint16 port, const CertificateStore::Identity &identity,
                           QString *error)
{
    // The XMPP identity: the same certificate (and chain) and key as c2s.
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(QList<QSslCertificate>{identity.certificate} + identity.chain);
    tls.setPrivateKey(identity.privateKey);
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    tls.setAllowedNextProtocols({QSslConfiguration::NextProtocolHttp1_1});

    auto *tcp = new HttpsAcceptor(tls, &m_maxRequestBytes, m_server.get());
    tcp->addTaker([this](QSslSocket *socket, const QByteArray &head) { return takeUpgrade(socket, head); });
    tcp->addTaker([this](QSslSocket *socket, const QByteArray &head) { return takeRequest(socket, head); });
    if (!tcp->listen(address, port)) {
        *error = tcp->errorString();
        delete tcp;
        return false;
    }
    m_server->bind(tcp);
    m_port = tcp->serverPort();
    setUrlBase(m_configuredBase, m_host.isEmpty() ? address.toString() : m_host);
    return true;
}

bool HttpsListener::isListening() const
{
    return m_port != 0;
}

quint16 HttpsListener::serverPort() const
{
    return m_port;
}

void HttpsListener::close()
{
    const QList<QTcpServer *> servers = m_server->servers();
    for (QTcpServer *tcp : servers)
        tcp->close();
    m_port = 0;
}

QAbstractHttpServer *HttpsListener::httpServer() const
{
    return m_server.get();
}

bool HttpsListener::dispatch(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QString path = request.url().path();
    bool pathKnown = false;
    for (const Route &route : std::as_const(m_routes)) {
        const QRegularExpressionMatch match = route.pattern.match(path);
        if (!match.hasMatch())
            continue;
        pathKnown = true;
        if (!(route.methods & request.method()))
            continue;
        route.handler(request, responder, match);
        return true;
    }
    responder.write(pathKnown ? QHttpServerResponder::StatusCode::MethodNotAllowed
                              : QHttpServerResponder::StatusCode::NotFound);
    return true;
}
