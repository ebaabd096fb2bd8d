#include "http/StreamedRequest.h"

#include "base/Logging.h"

#include <QSslSocket>

#include <unistd.h>

namespace {
// What the socket may hold decrypted before Qt stops reading from the network: the body goes
// to disk in slices of at most this.
constexpr qint64 ReadBufferBytes = 256 * 1024;
// After a refusal, what a client may still send (a body already on its way) before the
// connection is cut; read and dropped so that the answer is not lost to a reset.
constexpr qint64 DrainBytes = 1024 * 1024;
constexpr int DrainTimeoutMs = 2000;

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 500: return "Internal Server Error";
    }
    return "Error";
}
} // namespace

StreamedRequest::StreamedRequest(QSslSocket *socket, const QByteArray &head, const QString &file, Headers headers,
                                 Check check, Finish finish)
    : QObject(socket)
    , m_socket(socket)
    , m_rawHead(head)
    , m_file(file)
    , m_headers(std::move(headers))
    , m_check(std::move(check))
    , m_finish(std::move(finish))
{
    m_socket->setReadBufferSize(ReadBufferBytes);
    connect(m_socket, &QAbstractSocket::disconnected, m_socket, &QObject::deleteLater);
    connect(m_socket, &QAbstractSocket::errorOccurred, m_socket, [this] {
        if (m_socket->state() != QAbstractSocket::UnconnectedState)
            m_socket->abort();
    });
    m_stall.setSingleShot(true);
    connect(&m_stall, &QTimer::timeout, this, [this] {
        if (m_receiving) {
            qCInfo(lcServer) << "https: a request body from" << m_socket->peerAddress().toString()
                             << "stalled; connection closed";
            dropFile();
            fail({408, QStringLiteral("no progress")});
        } else {
            m_socket->abort();   // drained long enough
        }
    });
    start();
}

StreamedRequest::~StreamedRequest()
{
    dropFile();
}

StreamedRequest::Head StreamedRequest::parseHead(const QByteArray &head, bool *ok, bool *chunked)
{
    Head h;
    *ok = false;
    *chunked = false;
    if (!head.endsWith("\r\n\r\n"))
        return h;
    const QList<QByteArray> lines = head.chopped(4).split('\n');
    const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
    if (requestLine.size() != 3 || !requestLine.at(2).startsWith("HTTP/1."))
        return h;
    h.method = requestLine.at(0);
    h.target = requestLine.at(1);
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).endsWith('\r') ? lines.at(i).chopped(1) : lines.at(i);
        const qsizetype colon = line.indexOf(':');
        // No whitespace before the colon (RFC 9112 §5.1), no obsolete line folding.
        if (colon <= 0 || line.first(colon).contains(' ') || line.first(colon).contains('\t') || line.startsWith(' '))
            return h;
        const QByteArray name = line.first(colon).toLower();
        const QByteArray value = line.sliced(colon + 1).trimmed();
        if (name == "content-length") {
            bool valid = false;
            const qint64 length = value.toLongLong(&valid);
            // Several different lengths are an error (RFC 9112 §6.3).
            if (!valid || length < 0 || (h.contentLength >= 0 && h.contentLength != length))
                return h;
            h.contentLength = length;
        } else if (name == "transfer-encoding") {
            *chunked = true;
        } else if (name == "content-type") {
            h.contentType = value;
        } else if (name == "expect") {
            h.expectContinue = value.compare("100-continue", Qt::CaseInsensitive) == 0;
        }
    }
    *ok = true;
    return h;
}

void StreamedRequest::start()
{
    bool ok = false;
    bool chunked = false;
    m_head = parseHead(m_rawHead, &ok, &chunked);
    // The head was only peeked at: it is still in the socket.
    m_socket->skip(m_rawHead.size());
    if (!ok) {
        fail({400, QStringLiteral("malformed request head")});
        return;
    }
    if (chunked || m_head.contentLength < 0) {
        fail({411, QStringLiteral("a Content-Length is required")});
        return;
    }
    const Answer verdict = m_check(m_head);
    if (verdict.status != 0) {
        fail(verdict);
        return;
    }
    if (!m_file.open(QIODevice::WriteOnly | QIODevice::NewOnly)) {
        qCWarning(lcStorage) << "https: cannot create" << m_file.fileName() << m_file.errorString();
        fail({500, QStringLiteral("the body cannot be stored")});
        return;
    }
    m_created = true;
    m_left = m_head.contentLength;
    m_receiving = true;
    if (m_head.expectContinue)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
    connect(m_socket, &QIODevice::readyRead, this, &StreamedRequest::receive);
    m_stall.start(StallTimeoutMs);
    receive();
}

void StreamedRequest::receive()
{
    if (!m_receiving)
        return;
    while (m_left > 0 && m_socket->bytesAvailable() > 0) {
        const QByteArray slice = m_socket->read(qMin(m_left, ReadBufferBytes));
        if (m_file.write(slice) != slice.size()) {
            qCWarning(lcStorage) << "https: cannot write" << m_file.fileName() << m_file.errorString();
            dropFile();
            fail({500, QStringLiteral("the body cannot be stored")});
            return;
        }
        m_left -= slice.size();
        m_stall.start(StallTimeoutMs);
    }
    if (m_left > 0)
        return;
    if (m_socket->bytesAvailable() > 0) {
        // More than Content-Length before any answer: no second request is served here.
        dropFile();
        fail({400, QStringLiteral("the body is longer than its Content-Length")});
        return;
    }
    complete();
}

void StreamedRequest::complete()
{
    m_receiving = false;
    m_stall.stop();
    disconnect(m_socket, &QIODevice::readyRead, this, &StreamedRequest::receive);
    // On disk before anyone hears of it: the owner renames it and commits.
    if (!m_file.flush() || ::fsync(m_file.handle()) != 0) {
        qCWarning(lcStorage) << "https: cannot write" << m_file.fileName() << m_file.errorString();
        dropFile();
        fail({500, QStringLiteral("the body cannot be stored")});
        return;
    }
    m_file.close();
    const Answer answer = m_finish(m_head, m_file.fileName());
    dropFile();   // whatever the owner left
    respond(answer);
    m_socket->disconnectFromHost();
}

void StreamedRequest::respond(const Answer &answer)
{
    m_answered = true;
    const QByteArray body = answer.text.isEmpty() ? QByteArray() : answer.text.toUtf8() + '\n';
    QByteArray out = "HTTP/1.1 " + QByteArray::number(answer.status) + ' ' + reasonPhrase(answer.status) + "\r\n";
    for (const auto &[name, value] : std::as_const(m_headers))
        out += name + ": " + value + "\r\n";
    if (!body.isEmpty())
        out += "Content-Type: text/plain; charset=utf-8\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    m_socket->write(out);
}

// Answers, then reads and drops what the client still sends for a little while: closing with
// unread bytes would reset the connection, and the client might lose the answer with it.
void StreamedRequest::fail(const Answer &answer)
{
    m_receiving = false;
    disconnect(m_socket, &QIODevice::readyRead, this, nullptr);
    if (!m_answered)
        respond(answer);
    auto drain = [this] {
        m_drained += m_socket->skip(m_socket->bytesAvailable());
        if (m_drained > DrainBytes) {
            qCInfo(lcServer) << "https: a refused request from" << m_socket->peerAddress().toString()
                             << "kept sending; connection closed";
            m_socket->abort();
        }
    };
    connect(m_socket, &QIODevice::readyRead, this, drain);
    m_stall.start(DrainTimeoutMs);
    drain();
}

void StreamedRequest::dropFile()
{
    if (!m_created)
        return;
    m_created = false;
    if (m_file.isOpen())
        m_file.close();
    QFile::remove(m_file.fileName());
}
