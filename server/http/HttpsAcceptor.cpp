#include "http/HttpsAcceptor.h"

#include <QSslSocket>

#include "base/Logging.h"

#include <memory>
#include <QTimer>

namespace {
// A request head longer than this is no upgrade: the HTTP server judges it.
constexpr qint64 MaxHeadBytes = 16 * 1024;
// A client that neither finishes its handshake nor sends a request head in time is let go.
constexpr int FirstRequestTimeoutMs = 15000;
const char *const InspectingProperty = "httpsInspecting";
} // namespace

HttpsAcceptor::HttpsAcceptor(const QSslConfiguration &configuration, const qint64 *maxRequestBytes, QObject *parent)
    : QTcpServer(parent)
    , m_configuration(configuration)
    , m_maxRequestBytes(maxRequestBytes)
{
}

void HttpsAcceptor::incomingConnection(qintptr descriptor)
{
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    socket->setSslConfiguration(m_configuration);
    socket->setProperty(InspectingProperty, true);
    connect(socket, &QSslSocket::readyRead, this, [this, socket] { inspect(socket); });
    connect(socket, &QAbstractSocket::disconnected, this, [socket] { socket->deleteLater(); });
    connect(socket, &QAbstractSocket::errorOccurred, this, [socket] { socket->abort(); });
    QTimer::singleShot(FirstRequestTimeoutMs, socket, [socket] {
        if (socket->property(InspectingProperty).toBool())
            socket->abort();
    });
    socket->startServerEncryption();
}

void HttpsAcceptor::inspect(QSslSocket *socket)
{
    if (!socket->isEncrypted())
        return;
    // Only looked at: whoever takes the connection reads the request itself.
    const QByteArray head = socket->peek(MaxHeadBytes);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0 && head.size() < MaxHeadBytes)
        return;
    handOver(socket, end < 0 ? head : head.first(end + 4));
}

void HttpsAcceptor::handOver(QSslSocket *socket, const QByteArray &head)
{
    socket->setProperty(InspectingProperty, false);
    disconnect(socket, nullptr, this, nullptr);
    for (const Taker &taker : std::as_const(m_takers)) {
        if (taker(socket, head))
            return;
    }
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    limitRequests(socket);
    addPendingConnection(socket);
    // The request is already buffered: no new readyRead would announce it.
    QMetaObject::invokeMethod(socket, &QAbstractSocket::readyRead, Qt::QueuedConnection);
}

// Connected before the HTTP server connects its own readyRead handler (it does so once it takes
// the pending connection), so this one sees each arrival first.
void HttpsAcceptor::limitRequests(QSslSocket *socket)
{
    auto received = std::make_shared<qint64>(0);
    connect(socket, &QIODevice::readyRead, socket, [socket, received, limit = m_maxRequestBytes] {
        *received += socket->bytesAvailable();   // the HTTP server reads all of it after us
        if (*received > *limit) {
            qCInfo(lcServer) << "https: a request from" << socket->peerAddress().toString() << "passed" << *limit
                             << "bytes; connection closed";
            socket->abort();
        }
    });
    connect(socket, &QIODevice::bytesWritten, socket, [received] { *received = 0; });
}
