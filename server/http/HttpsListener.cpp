#include "http/HttpsListener.h"

#include "base/Logging.h"

#include <QAbstractHttpServer>
#include <QSslConfiguration>
#include <QSslServer>
#include <QTcpSocket>
#include <QWebSocket>

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

void HttpsListener::setWebSocketHandler(WebSocketHandler handler)
{
    const bool first = !m_webSocketHandler;
    m_webSocketHandler = std::move(handler);
    // Qt accepts an upgrade only while this signal has a receiver, so connect it only now.
    if (first) {
        connect(m_server.get(), &QAbstractHttpServer::newWebSocketConnection, this, [this] {
            while (m_server->hasPendingWebSocketConnections()) {
                std::unique_ptr<QWebSocket> socket = m_server->nextPendingWebSocketConnection();
                if (socket && m_webSocketHandler)
                    m_webSocketHandler(std::move(socket));
            }
        });
    }
}

bool HttpsListener::wanted() const
{
    return !m_routes.isEmpty() || bool(m_webSocketHandler);
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

    auto *tcp = new QSslServer(m_server.get());
    tcp->setSslConfiguration(tls);
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
