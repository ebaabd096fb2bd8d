#include "net/Connection.h"

#include <QEvent>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTimerEvent>

#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {
// One read from the kernel at most; also what a session may take in one turn of the loop, so
// a fast sender cannot starve the others (the level-triggered notifier brings it back).
constexpr qint64 ScratchSize = 64 * 1024;
// What a QSslSocket may hold decrypted and unread: beyond it TCP holds the sender back.
constexpr qint64 TlsReadBuffer = 64 * 1024;

// Shared by every connection of a thread: input is copied out, exactly sized, at once.
char *scratch()
{
    thread_local std::unique_ptr<char[]> buffer;
    if (!buffer)
        buffer = std::make_unique<char[]>(size_t(ScratchSize));
    return buffer.get();
}

bool wouldBlock(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}
} // namespace

// A socket notifier that calls its connection directly: no signal connection per session.
class Connection::Notifier final : public QSocketNotifier
{
public:
    Notifier(Connection *owner, qintptr fd, Type type) : QSocketNotifier(fd, type, owner) {}

protected:
    bool event(QEvent *event) override
    {
        if (event->type() != QEvent::SockAct && event->type() != QEvent::SockClose)
            return QSocketNotifier::event(event);
        auto *owner = static_cast<Connection *>(parent());
        if (type() == QSocketNotifier::Read)
            owner->onReadable();
        else
            owner->onWritable();
        return true;
    }
};

Connection::Connection(qintptr descriptor, QObject *parent)
    : QObject(parent)
    , m_fd(descriptor)
{
    if (m_fd < 0) {
        m_gone = true;
        m_error = u"No socket"_s;
        return;
    }
    const int flags = ::fcntl(int(m_fd), F_GETFL);
    ::fcntl(int(m_fd), F_SETFL, flags | O_NONBLOCK);
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getpeername(int(m_fd), reinterpret_cast<sockaddr *>(&address), &length) == 0) {
        if (address.ss_family == AF_INET) {
            m_peerAddress.setAddress(reinterpret_cast<const sockaddr *>(&address));
            m_peerPort = ntohs(reinterpret_cast<const sockaddr_in *>(&address)->sin_port);
        } else if (address.ss_family == AF_INET6) {
            m_peerAddress.setAddress(reinterpret_cast<const sockaddr *>(&address));
            m_peerPort = ntohs(reinterpret_cast<const sockaddr_in6 *>(&address)->sin6_port);
        }
    }
    m_readNotifier = new Notifier(this, m_fd, QSocketNotifier::Read);
    updateReadNotifier();
}

Connection::~Connection()
{
    // Notifiers go before the descriptor: none may stay registered for a number the kernel
    // hands out again.
    delete std::exchange(m_readNotifier, nullptr);
    delete std::exchange(m_writeNotifier, nullptr);
    if (m_tls)
        QObject::disconnect(m_tls, nullptr, this, nullptr);   // its closing is nobody's news
    else if (m_fd >= 0)
        ::close(int(m_fd));
    // A QSslSocket child closes the descriptor it took over.
}

void Connection::setNoDelay(bool on)
{
    const int value = on ? 1 : 0;
    if (!m_tls && m_fd >= 0)
        ::setsockopt(int(m_fd), IPPROTO_TCP, TCP_NODELAY, &value, sizeof value);
    else if (m_tls)
        m_tls->setSocketOption(QAbstractSocket::LowDelayOption, value);
}

void Connection::setHandler(Handler *handler)
{
    m_handler = handler;
    updateReadNotifier();
}

void Connection::dropNotifier(Notifier *&notifier)
{
    // We may be inside the notifier's own event: unregister it now, free it later.
    if (Notifier *n = std::exchange(notifier, nullptr)) {
        n->setEnabled(false);
        n->deleteLater();
    }
}

// --- input ---

qint64 Connection::bytesAvailable() const
{
    if (m_tls)
        return m_tls->bytesAvailable();
    if (m_gone)
        return 0;
    int available = 0;
    if (::ioctl(int(m_fd), FIONREAD, &available) < 0)
        return 0;
    return available;
}

QByteArray Connection::read(qint64 maxSize)
{
    if (maxSize <= 0)
        return {};
    if (m_tls) {
        QByteArray data = m_tls->read(maxSize);
        // Qt may hand over a whole ring-buffer chunk; what the parser keeps costs its size.
        data.squeeze();
        return data;
    }
    if (m_gone || m_tlsWaiting)
        return {};
    char *buffer = scratch();
    ssize_t n;
    do {
        n = ::recv(int(m_fd), buffer, size_t(qMin(maxSize, ScratchSize)), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n > 0)
        return QByteArray(buffer, qsizetype(n));
    if (n == 0)
        reportGoneLater(u"The remote host closed the connection"_s);
    else if (!wouldBlock(errno))
        reportGoneLater(qt_error_string(errno));
    return {};
}

void Connection::setReadEnabled(bool enabled)
{
    m_readEnabled = enabled;
    updateReadNotifier();
}

void Connection::updateReadNotifier()
{
    if (!m_readNotifier)
        return;
    // Level-triggered: an enabled notifier with input nobody reads fires on every turn.
    const bool wanted = !m_gone && !m_tlsWaiting && (m_closing || (m_readEnabled && m_handler));
    if (m_readNotifier->isEnabled() != wanted)
        m_readNotifier->setEnabled(wanted);
}

void Connection::onReadable()
{
    if (m_closing) {
        discardInput();
        return;
    }
    if (bytesAvailable() > 0) {
        if (m_handler)
            m_handler->connectionReadyRead();
        return;
    }
    // Readable with nothing to read: the peer closed, or the connection failed.
    char byte;
    ssize_t n;
    do {
        n = ::recv(int(m_fd), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        peerGone(u"The remote host closed the connection"_s);
    else if (n < 0 && !wouldBlock(errno))
        peerGone(qt_error_string(errno));
    else if (n > 0 && m_handler)
        m_handler->connectionReadyRead();
}

void Connection::discardInput()
{
    if (m_tls) {
        m_tls->skip(m_tls->bytesAvailable());
        return;
    }
    char *buffer = scratch();
    // A bounded amount per turn; the level-triggered notifier brings the rest.
    for (int round = 0; round < 4 && !m_gone; ++round) {
        const ssize_t n = ::recv(int(m_fd), buffer, size_t(ScratchSize), MSG_DONTWAIT);
        if (n > 0)
            continue;
        if (n == 0)
            peerGone(u"The remote host closed the connection"_s);
        else if (!wouldBlock(errno))
            peerGone(qt_error_string(errno));
        return;
    }
}

// --- output ---

void Connection::write(const QByteArray &bytes)
{
    if (m_gone || bytes.isEmpty())
        return;
    if (m_tls) {
        m_tls->write(bytes);
        return;
    }
    if (!m_pending.isEmpty()) {
        m_pending += bytes;   // behind what the kernel already refused: order holds
        return;
    }
    ssize_t n;
    do {
        n = ::send(int(m_fd), bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (!wouldBlock(errno)) {
            // Reported from the event loop: the writer may be deep in a handler of this session.
            reportGoneLater(qt_error_string(errno));
            return;
        }
        n = 0;
    }
    if (n == bytes.size())
        return;
    m_pending = n == 0 ? bytes : bytes.sliced(qsizetype(n));
    if (!m_writeNotifier)
        m_writeNotifier = new Notifier(this, m_fd, QSocketNotifier::Write);
}

qint64 Connection::bytesToWrite() const
{
    return m_tls ? m_tls->bytesToWrite() : m_pending.size();
}

void Connection::flush()
{
    if (m_tls)
        m_tls->flush();
    else if (!m_pending.isEmpty() && !m_gone)
        sendPending();
}

void Connection::onWritable()
{
    sendPending();
}

void Connection::sendPending()
{
    ssize_t n;
    do {
        n = ::send(int(m_fd), m_pending.constData(), size_t(m_pending.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (!wouldBlock(errno))
            reportGoneLater(qt_error_string(errno));
        return;
    }
    if (n < m_pending.size()) {
        m_pending = m_pending.sliced(qsizetype(n));   // keeps exactly the unsent bytes
        return;
    }
    m_pending = QByteArray();
    dropNotifier(m_writeNotifier);
    if (m_tlsWaiting)
        handOverToTls();
    else if (m_closing && !m_halfClosed) {
        ::shutdown(int(m_fd), SHUT_WR);
        m_halfClosed = true;
    }
}

// --- TLS ---

void Connection::startServerEncryption(const QSslConfiguration &configuration)
{
    if (m_gone || m_tls || m_closing)
        return;
    m_tlsWaiting = configuration;
    updateReadNotifier();   // what arrives now is the handshake, for the QSslSocket to read
    if (m_pending.isEmpty())
        handOverToTls();
}

void Connection::handOverToTls()
{
    const QSslConfiguration configuration = *m_tlsWaiting;
    m_tlsWaiting.reset();
    // Two owners must never poll one descriptor: ours go before the QSslSocket's come.
    dropNotifier(m_readNotifier);
    dropNotifier(m_writeNotifier);
    m_tls = new QSslSocket(this);
    m_tls->setReadBufferSize(TlsReadBuffer);
    if (!m_tls->setSocketDescriptor(m_fd, QAbstractSocket::ConnectedState, QIODevice::ReadWrite)) {
        reportGoneLater(m_tls->errorString());
        return;
    }
    m_tls->setSslConfiguration(configuration);
    m_tls->setPeerVerifyMode(QSslSocket::VerifyNone);   // clients present no certificate
    connect(m_tls, &QSslSocket::readyRead, this, [this] {
        if (m_closing)
            m_tls->skip(m_tls->bytesAvailable());
        else if (m_readEnabled && m_handler)
            m_handler->connectionReadyRead();
    });
    connect(m_tls, &QSslSocket::encrypted, this, [this] {
        if (m_handler)
            m_handler->connectionEncrypted();
    });
    connect(m_tls, &QSslSocket::disconnected, this, [this] { peerGone(m_tls->errorString()); });
    connect(m_tls, &QSslSocket::errorOccurred, this, [this](QAbstractSocket::SocketError) {
        if (m_tls->state() != QAbstractSocket::ConnectedState)
            peerGone(m_tls->errorString());
    });
    m_tls->startServerEncryption();
}

bool Connection::isEncrypted() const
{
    return m_tls && m_tls->isEncrypted();
}

QSsl::SslProtocol Connection::sessionProtocol() const
{
    return m_tls ? m_tls->sessionProtocol() : QSsl::UnknownProtocol;
}

QSslCipher Connection::sessionCipher() const
{
    return m_tls ? m_tls->sessionCipher() : QSslCipher();
}

// --- the end ---

void Connection::reportGoneLater(const QString &error)
{
    if (m_gone)
        return;
    m_gone = true;
    m_error = error;
    updateReadNotifier();
    if (m_writeNotifier)
        m_writeNotifier->setEnabled(false);
    QMetaObject::invokeMethod(this, [this] { peerGone(m_error); }, Qt::QueuedConnection);
}

void Connection::peerGone(const QString &error)
{
    if (!m_gone) {
        m_gone = true;
        m_error = error;
        updateReadNotifier();
        if (m_writeNotifier)
            m_writeNotifier->setEnabled(false);
    }
    if (m_closing) {
        finishClose();
        return;
    }
    if (m_goneReported)
        return;
    m_goneReported = true;
    if (m_handler)
        m_handler->connectionDisconnected();
}

void Connection::closeGracefully(int graceMs)
{
    if (m_closing)
        return;
    m_closing = true;
    m_handler = nullptr;
    setParent(nullptr);   // it outlives its session until its last bytes are out
    if (m_gone) {
        finishClose();
        return;
    }
    m_graceTimer.start(graceMs, this);
    if (m_tls) {
        m_tls->skip(m_tls->bytesAvailable());
        m_tls->disconnectFromHost();   // close_notify after the queued bytes, then close
        return;
    }
    m_tlsWaiting.reset();   // the session ends before its handshake began
    updateReadNotifier();
    discardInput();
    if (m_gone)
        return;
    if (m_pending.isEmpty()) {
        ::shutdown(int(m_fd), SHUT_WR);   // FIN after our last byte
        m_halfClosed = true;
    }
}

void Connection::abortAndDelete()
{
    m_closing = true;
    m_handler = nullptr;
    finishClose();
}

void Connection::timerEvent(QTimerEvent *event)
{
    if (event->timerId() != m_graceTimer.timerId())
        return QObject::timerEvent(event);
    // The peer never read its last bytes, or never closed: cut it off.
    finishClose();
}

void Connection::finishClose()
{
    m_graceTimer.stop();
    m_gone = true;
    dropNotifier(m_readNotifier);
    dropNotifier(m_writeNotifier);
    if (m_tls) {
        QObject::disconnect(m_tls, nullptr, this, nullptr);
        m_tls->abort();
    } else if (m_fd >= 0) {
        ::close(int(m_fd));
        m_fd = -1;
    }
    deleteLater();
}
