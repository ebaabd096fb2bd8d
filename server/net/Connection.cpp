#include "net/Connection.h"

#include "tls/TlsSession.h"

#include <QElapsedTimer>
#include <QEvent>
#include <QSocketNotifier>
#include <QTimer>
#include <QTimerEvent>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

namespace {
// One read from the kernel at most; also what a session may take in one turn of the loop, so
// a fast sender cannot starve the others (the level-triggered notifier brings it back).
constexpr qint64 ScratchSize = 64 * 1024;

// Shared by every connection of a thread: input is copied out, exactly sized, at once.
char *scratch()
{
    thread_local std::unique_ptr<char[]> buffer;
    if (!buffer)
        buffer = std::make_unique<char[]>(size_t(ScratchSize));
    return buffer.get();
}

// The connections of this thread written to during the current event-loop turn: their bytes
// leave together when the turn ends (a zero timer, flushCorked() below), so that what one turn
// produces for a client (a room message from several senders, a presence burst, a carbon beside
// its message) costs one send, and one TLS record, rather than one each. On loopback a send also
// runs the receiver's TCP input, so a room's fan-out at 1,000 occupants is mostly sends.
constexpr qint64 FlushSliceNs = 500'000;   // about half a millisecond of sends per turn
constexpr size_t FlushCheckEvery = 16;

struct CorkedWrites
{
    std::vector<Connection *> connections;
    std::unique_ptr<QTimer> timer;
};

CorkedWrites &corkedWrites()
{
    thread_local CorkedWrites corked;
    return corked;
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
    : Transport(parent)
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
            std::memcpy(&m_peer.v4, &address, sizeof m_peer.v4);
            m_peerPort = ntohs(m_peer.v4.sin_port);
        } else if (address.ss_family == AF_INET6) {
            std::memcpy(&m_peer.v6, &address, sizeof m_peer.v6);
            m_peerPort = ntohs(m_peer.v6.sin6_port);
        }
    }
    m_readNotifier = new Notifier(this, m_fd, QSocketNotifier::Read);
    updateReadNotifier();
}

Connection::~Connection()
{
    if (m_corked) {
        std::vector<Connection *> &corked = corkedWrites().connections;
        std::replace(corked.begin(), corked.end(), this, static_cast<Connection *>(nullptr));
    }
    // Notifiers go before the descriptor: none may stay registered for a number the kernel
    // hands out again.
    delete std::exchange(m_readNotifier, nullptr);
    delete std::exchange(m_writeNotifier, nullptr);
    m_tls.reset();   // the TLS session leaves the descriptor to us
    if (m_fd >= 0)
        ::close(int(m_fd));
}

QHostAddress Connection::peerAddress() const
{
    if (m_peer.v4.sin_family != AF_INET && m_peer.v4.sin_family != AF_INET6)
        return QHostAddress();
    return QHostAddress(reinterpret_cast<const sockaddr *>(&m_peer));
}

void Connection::setNoDelay(bool on)
{
    const int value = on ? 1 : 0;
    if (m_fd >= 0)
        ::setsockopt(int(m_fd), IPPROTO_TCP, TCP_NODELAY, &value, sizeof value);
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
    if (m_gone)
        return 0;
    if (m_tls) {
        if (!m_tls->isEstablished())
            return 0;
        if (const int pending = m_tls->pending(); pending > 0)
            return pending;
        // Decrypt the next record (if it is all here) without taking it: its size is the answer.
        auto *self = const_cast<Connection *>(this);
        switch (m_tls->peek()) {
        case TlsSession::Status::Ok:
            return m_tls->pending();
        case TlsSession::Status::WantRead:
            return 0;
        case TlsSession::Status::WantWrite:
            self->m_readWantsWrite = true;
            self->armWriteNotifier();
            return 0;
        case TlsSession::Status::Closed:
        case TlsSession::Status::Failed:
            self->reportGoneLater(m_tls->errorString());
            return 0;
        }
        return 0;
    }
    int available = 0;
    if (::ioctl(int(m_fd), FIONREAD, &available) < 0)
        return 0;
    return available;
}

QByteArray Connection::read(qint64 maxSize)
{
    if (maxSize <= 0 || m_gone || m_tlsWaiting)
        return {};
    char *buffer = scratch();
    if (m_tls) {
        if (!m_tls->isEstablished())
            return {};
        int n = 0;
        switch (m_tls->read(buffer, int(qMin(maxSize, ScratchSize)), &n)) {
        case TlsSession::Status::Ok:
            if (m_tls->pending() > 0)
                scheduleTlsRead();   // the rest of the record brings no notification
            return QByteArray(buffer, qsizetype(n));
        case TlsSession::Status::WantRead:
            return {};
        case TlsSession::Status::WantWrite:
            m_readWantsWrite = true;
            armWriteNotifier();
            return {};
        case TlsSession::Status::Closed:
        case TlsSession::Status::Failed:
            reportGoneLater(m_tls->errorString());
            return {};
        }
        return {};
    }
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
    if (enabled && m_tls && m_tls->pending() > 0)
        scheduleTlsRead();
}

void Connection::updateReadNotifier()
{
    if (!m_readNotifier)
        return;
    // Level-triggered: an enabled notifier with input nobody reads fires on every turn. A
    // handshake in progress is the connection's own business and always reads.
    const bool handshaking = m_tls && !m_tls->isEstablished();
    const bool wanted = !m_gone && !m_tlsWaiting
        && (m_closing || handshaking || (m_readEnabled && m_handler));
    if (m_readNotifier->isEnabled() != wanted)
        m_readNotifier->setEnabled(wanted);
}

void Connection::onReadable()
{
    if (m_closing) {
        discardInput();
        return;
    }
    if (m_tls) {
        if (!m_tls->isEstablished())
            continueHandshake();
        else
            onTlsReadable();
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

void Connection::onTlsReadable()
{
    if (m_gone || !m_readEnabled || !m_handler)
        return;
    switch (m_tls->peek()) {
    case TlsSession::Status::Ok:
        m_handler->connectionReadyRead();
        return;
    case TlsSession::Status::WantRead:   // half a record, or a record with no application data
        return;
    case TlsSession::Status::WantWrite:
        m_readWantsWrite = true;
        armWriteNotifier();
        return;
    case TlsSession::Status::Closed:
    case TlsSession::Status::Failed:
        peerGone(m_tls->errorString());
        return;
    }
}

void Connection::scheduleTlsRead()
{
    if (m_tlsReadQueued)
        return;
    m_tlsReadQueued = true;
    QMetaObject::invokeMethod(this, [this] {
        m_tlsReadQueued = false;
        if (!m_gone && !m_closing && m_tls && m_tls->isEstablished() && m_tls->pending() > 0
            && m_readEnabled && m_handler)
            m_handler->connectionReadyRead();
    }, Qt::QueuedConnection);
}

void Connection::discardInput()
{
    // Clear text, or TLS after our close_notify: nothing of it will be read, so nothing needs
    // decrypting either.
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

void Connection::armWriteNotifier()
{
    if (!m_writeNotifier && m_fd >= 0 && !m_gone)
        m_writeNotifier = new Notifier(this, m_fd, QSocketNotifier::Write);
}

void Connection::write(const QByteArray &bytes)
{
    if (m_gone || bytes.isEmpty())
        return;
    if (!m_pending.isEmpty() || (m_tls && !m_tls->isEstablished()) || m_tlsWaiting) {
        // Behind what is already waiting, or until the handshake is done: order holds.
        m_pending += bytes;
        return;
    }
    // Corked until the end of this turn; later writes of the turn append to it (above).
    m_pending = bytes;
    m_corked = true;
    CorkedWrites &corked = corkedWrites();
    corked.connections.push_back(this);
    if (!corked.timer) {
        corked.timer = std::make_unique<QTimer>();
        corked.timer->setSingleShot(true);
        corked.timer->setInterval(0);
        QObject::connect(corked.timer.get(), &QTimer::timeout, &Connection::flushCorked);
    }
    if (!corked.timer->isActive())
        corked.timer->start();
}

void Connection::flushCorked()
{
    // A slice per turn, bounded in time: a room's fan-out to thousands of clients is thousands
    // of sends, and the rest of the loop (timers, other clients' input) must not wait behind all
    // of them. A connection left for the next slice keeps collecting that turn's writes, so a
    // loaded server sends fewer, larger writes instead of falling behind.
    CorkedWrites &corked = corkedWrites();
    std::vector<Connection *> connections;
    connections.swap(corked.connections);
    QElapsedTimer slice;
    slice.start();
    size_t next = 0;
    while (next < connections.size()) {
        if (Connection *connection = connections[next]) {
            connection->m_corked = false;
            connection->sendCorked();
        }
        ++next;
        if (next % FlushCheckEvery == 0 && slice.nsecsElapsed() > FlushSliceNs)
            break;
    }
    if (next == connections.size())
        return;
    // The rest go first next time, ahead of any corked since: the order of first writes holds.
    connections.erase(connections.begin(), connections.begin() + qsizetype(next));
    connections.insert(connections.end(), corked.connections.begin(), corked.connections.end());
    corked.connections.swap(connections);
    corked.timer->start();
}

void Connection::sendCorked()
{
    if (m_gone || m_pending.isEmpty() || m_writeNotifier)
        return;   // gone, sent by flush(), or already waiting for the kernel
    if (m_tls) {
        sendPendingTls();   // arms the write notifier itself when the kernel refuses
        return;
    }
    sendPending();   // a dead peer is reported from the event loop, as for any write
    if (!m_pending.isEmpty() && !m_gone)
        armWriteNotifier();
}

qint64 Connection::bytesToWrite() const
{
    return m_pending.size();
}

void Connection::flush()
{
    if (m_pending.isEmpty() || m_gone)
        return;
    if (!m_tls)
        sendPending();
    else if (m_tls->isEstablished())
        sendPendingTls();
}

void Connection::onWritable()
{
    if (m_gone)
        return;
    if (!m_tls) {
        sendPending();
        return;
    }
    if (!m_tls->isEstablished()) {
        continueHandshake();
        return;
    }
    if (!m_pending.isEmpty())
        sendPendingTls();
    if (m_readWantsWrite && !m_gone) {
        m_readWantsWrite = false;
        if (m_pending.isEmpty())
            dropNotifier(m_writeNotifier);
        onTlsReadable();
    } else if (m_pending.isEmpty()) {
        dropNotifier(m_writeNotifier);
    }
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
        beginTls();
    else if (m_closing && !m_halfClosed) {
        ::shutdown(int(m_fd), SHUT_WR);
        m_halfClosed = true;
    }
}

void Connection::sendPendingTls()
{
    qsizetype sent = 0;
    TlsSession::Status status = TlsSession::Status::Ok;
    while (sent < m_pending.size()) {
        int n = 0;
        // After a WantWrite the session wants the same bytes again first: the queue starts with them.
        status = m_tls->write(m_pending.constData() + sent, int(qMin<qsizetype>(m_pending.size() - sent, 1 << 30)), &n);
        if (status != TlsSession::Status::Ok)
            break;
        sent += n;
    }
    if (status == TlsSession::Status::Failed || status == TlsSession::Status::Closed) {
        m_pending = QByteArray();
        reportGoneLater(m_tls->errorString());
        return;
    }
    if (sent < m_pending.size()) {
        if (sent > 0)
            m_pending = m_pending.sliced(sent);
        armWriteNotifier();
        return;
    }
    m_pending = QByteArray();
    if (!m_readWantsWrite)
        dropNotifier(m_writeNotifier);
    if (m_closing && !m_halfClosed) {
        m_tls->sendCloseNotify();   // close_notify, then FIN
        ::shutdown(int(m_fd), SHUT_WR);
        m_halfClosed = true;
    }
}

// --- TLS ---

void Connection::startServerEncryption(const TlsContext &context)
{
    if (m_gone || m_tls || m_closing || m_tlsWaiting)
        return;
    if (context.isNull()) {
        reportGoneLater(u"TLS is not available"_s);
        return;
    }
    m_tlsWaiting = context;
    updateReadNotifier();   // what arrives now is the handshake, not for the handler
    if (m_pending.isEmpty())
        beginTls();
}

void Connection::beginTls()
{
    const TlsContext context = *m_tlsWaiting;
    m_tlsWaiting.reset();
    m_tls = std::make_unique<TlsSession>(context, int(m_fd));
    if (!m_tls->isValid()) {
        reportGoneLater(m_tls->errorString());
        return;
    }
    updateReadNotifier();
    continueHandshake();   // the ClientHello may be here already
}

void Connection::continueHandshake()
{
    switch (m_tls->handshake()) {
    case TlsSession::Status::Ok:
        if (m_pending.isEmpty())
            dropNotifier(m_writeNotifier);
        updateReadNotifier();
        if (m_handler)
            m_handler->connectionEncrypted();
        // What the handler wrote before (or while) the handshake finished leaves now.
        if (!m_gone && m_tls && !m_pending.isEmpty())
            sendPendingTls();
        if (!m_gone && m_tls && m_tls->pending() > 0)
            scheduleTlsRead();
        return;
    case TlsSession::Status::WantRead:
        dropNotifier(m_writeNotifier);
        return;
    case TlsSession::Status::WantWrite:
        armWriteNotifier();
        return;
    case TlsSession::Status::Closed:
    case TlsSession::Status::Failed:
        // A client that sent something other than TLS, or gave up: an everyday event, reported
        // like any other lost connection (the handler logs it at debug level).
        reportGoneLater(m_tls->errorString());
        return;
    }
}

bool Connection::isEncrypted() const
{
    return m_tls && m_tls->isEstablished();
}

QSsl::SslProtocol Connection::sessionProtocol() const
{
    return m_tls ? m_tls->protocol() : QSsl::UnknownProtocol;
}

QString Connection::sessionCipherName() const
{
    return m_tls ? m_tls->cipherName() : QString();
}

QSslCipher Connection::sessionCipher() const
{
    // By name only: Qt files some TLS 1.2 suites under the protocol that introduced them.
    const QString name = sessionCipherName();
    return name.isEmpty() ? QSslCipher() : QSslCipher(name);
}

QByteArray Connection::alpnProtocol() const
{
    return m_tls ? m_tls->alpnProtocol() : QByteArray();
}

QByteArray Connection::tlsExporter() const
{
    return m_tls ? m_tls->tlsExporter() : QByteArray();
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
    if (m_tlsWaiting) {
        m_tlsWaiting.reset();   // the session ends before its handshake began
    } else if (m_tls && !m_tls->isEstablished()) {
        // No TLS goodbye without a session: what waited for the handshake is dropped.
        m_pending = QByteArray();
        dropNotifier(m_writeNotifier);
    }
    updateReadNotifier();
    discardInput();
    if (m_gone)
        return;
    if (m_pending.isEmpty()) {
        if (m_tls)
            m_tls->sendCloseNotify();   // only if established
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
    m_tls.reset();
    if (m_fd >= 0) {
        ::close(int(m_fd));
        m_fd = -1;
    }
    deleteLater();
}
