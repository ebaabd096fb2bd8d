#include "http/HttpsAcceptor.h"

#include <QSslSocket>
#include <QTimer>

namespace {
// A request head longer than this is no upgrade: the HTTP server judges it.
constexpr qint64 MaxHeadBytes = 16 * 1024;
// A client that neither finishes its handshake nor sends a request head in time is let go.
constexpr int FirstRequestTimeoutMs = 15000;
const char *const InspectingProperty = "httpsInspecting";
} // namespace

HttpsAcceptor::HttpsAcceptor(const QSslConfiguration &configuration, QObject *parent)
    : QTcpServer(parent)
    , m_configuration(configuration)
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
    if (m_taker && m_taker(socket, head))
        return;
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    addPendingConnection(socket);
    // The request is already buffered: no new readyRead would announce it.
    QMetaObject::invokeMethod(socket, &QAbstractSocket::readyRead, Qt::QueuedConnection);
}
