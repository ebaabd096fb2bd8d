// Connection over real loopback TCP: bounded reads, writes queued in order when the kernel
// refuses them, no spinning while reading is paused, the graceful close (every byte, then FIN,
// unread input drained so no reset), the STARTTLS hand-over, and one disconnection report.
#include "net/Connection.h"
#include "tls/CertificateStore.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// Keeps the accepted descriptors instead of wrapping them in QTcpSockets.
class Acceptor final : public QTcpServer
{
public:
    QList<qintptr> descriptors;

protected:
    void incomingConnection(qintptr descriptor) override { descriptors.append(descriptor); }
};

class Recorder final : public Connection::Handler
{
public:
    int readyReads = 0;
    int encrypted = 0;
    int disconnected = 0;
    std::function<void()> onReadyRead;

    void connectionReadyRead() override
    {
        ++readyReads;
        if (onReadyRead)
            onReadyRead();
    }
    void connectionEncrypted() override { ++encrypted; }
    void connectionDisconnected() override { ++disconnected; }
};

QByteArray pattern(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char('a' + (i * 7 + i / 4096) % 26);
    return bytes;
}

void spin(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
}

} // namespace

class tst_Connection : public QObject
{
    Q_OBJECT

private:
    Acceptor m_acceptor;
    int m_client = -1;   // a raw, non-blocking client descriptor, read and written by hand

    // Connects a raw client and returns the server side's descriptor (not yet adopted).
    qintptr connectRawClient(int clientReceiveBuffer = 0)
    {
        m_client = ::socket(AF_INET, SOCK_STREAM, 0);
        if (clientReceiveBuffer > 0)
            ::setsockopt(m_client, SOL_SOCKET, SO_RCVBUF, &clientReceiveBuffer, sizeof clientReceiveBuffer);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(m_acceptor.serverPort());
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_client, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0)
            return -1;
        ::fcntl(m_client, F_SETFL, ::fcntl(m_client, F_GETFL) | O_NONBLOCK);
        if (!QTest::qWaitFor([this] { return !m_acceptor.descriptors.isEmpty(); }, 5000))
            return -1;
        return m_acceptor.descriptors.takeFirst();
    }

    void clientSend(const QByteArray &bytes)
    {
        QCOMPARE(::send(m_client, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL), ssize_t(bytes.size()));
    }

    // Reads until `size` bytes or end of stream, running the event loop meanwhile. *eof tells
    // whether the stream ended cleanly (FIN) and *reset whether it was reset.
    QByteArray clientReceive(qsizetype size, bool *eof = nullptr, bool *reset = nullptr, int timeoutMs = 10000)
    {
        QByteArray received;
        char buffer[65536];
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < timeoutMs && received.size() < size) {
            const ssize_t n = ::recv(m_client, buffer, sizeof buffer, 0);
            if (n > 0) {
                received.append(buffer, n);
                continue;
            }
            if (n == 0) {
                if (eof)
                    *eof = true;
                break;
            }
            if (errno == ECONNRESET) {
                if (reset)
                    *reset = true;
                break;
            }
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        }
        return received;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_acceptor.listen(QHostAddress::LocalHost)); }

    void cleanup()
    {
        if (m_client >= 0)
            ::close(m_client);
        m_client = -1;
        m_acceptor.descriptors.clear();
    }

    void knowsItsPeer()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        Connection conn(fd);
        sockaddr_in local{};
        socklen_t length = sizeof local;
        QCOMPARE(::getsockname(m_client, reinterpret_cast<sockaddr *>(&local), &length), 0);
        QCOMPARE(conn.peerAddress(), QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(conn.peerPort(), ntohs(local.sin_port));
        QVERIFY(conn.isOpen());
    }

    void readsExactlyWhatIsAllowed()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        Connection conn(fd);
        Recorder recorder;
        recorder.onReadyRead = [&] { conn.setReadEnabled(false); };
        conn.setHandler(&recorder);
        const QByteArray sent = pattern(1000);
        clientSend(sent);
        QTRY_COMPARE(conn.bytesAvailable(), qint64(1000));
        const QByteArray first = conn.read(300);
        QCOMPARE(first.size(), 300);
        QCOMPARE(first.capacity(), 300);   // no buffer chunk kept behind the bytes
        QCOMPARE(conn.bytesAvailable(), qint64(700));
        QCOMPARE(first + conn.read(5000), sent);
        QCOMPARE(conn.bytesAvailable(), qint64(0));
        QVERIFY(conn.read(5000).isEmpty());
        QCOMPARE(recorder.disconnected, 0);
    }

    void pausedReadingDoesNotSpin()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        Connection conn(fd);
        Recorder recorder;
        bool pauseOnRead = true;
        QByteArray received;
        recorder.onReadyRead = [&] {
            if (pauseOnRead)
                conn.setReadEnabled(false);   // what the token bucket does: leave it unread
            else
                received += conn.read(1 << 20);
        };
        conn.setHandler(&recorder);
        clientSend("<message>held back</message>");
        QTRY_COMPARE(recorder.readyReads, 1);
        spin(200);
        QCOMPARE(recorder.readyReads, 1);   // a level-triggered notifier left on would fire on
        QVERIFY(!conn.isReadEnabled());
        pauseOnRead = false;
        conn.setReadEnabled(true);
        QTRY_COMPARE(received, "<message>held back</message>"_ba);
        spin(100);
        QCOMPARE(recorder.readyReads, 2);   // and nothing more once everything is read
    }

    void refusedWritesAreQueuedInOrder()
    {
        const qintptr fd = connectRawClient(4096);
        QVERIFY(fd >= 0);
        const int small = 4096;
        ::setsockopt(int(fd), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        Connection conn(fd);
        const QByteArray all = pattern(4 << 20);
        for (qsizetype offset = 0; offset < all.size(); offset += 65536)
            conn.write(all.mid(offset, 65536));
        QVERIFY(conn.bytesToWrite() > 0);   // the kernel refused most of it
        QVERIFY(conn.bytesToWrite() < all.size());
        QCOMPARE(clientReceive(all.size()), all);
        QTRY_COMPARE(conn.bytesToWrite(), qint64(0));
    }

    void gracefulCloseDeliversEverythingThenFin()
    {
        const qintptr fd = connectRawClient(4096);
        QVERIFY(fd >= 0);
        const int small = 4096;
        ::setsockopt(int(fd), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        auto *conn = new Connection(fd);
        Recorder recorder;
        conn->setHandler(&recorder);
        recorder.onReadyRead = [&] { conn->setReadEnabled(false); };
        // Input nobody will read: closing over it must not make the kernel send a reset.
        clientSend(pattern(20000));
        QTRY_COMPARE(recorder.readyReads, 1);
        const QByteArray last = pattern(1 << 20) + "</stream:stream>";
        conn->write(last);
        QVERIFY(conn->bytesToWrite() > 0);
        QPointer<Connection> alive(conn);
        conn->setHandler(nullptr);
        conn->closeGracefully(10000);
        clientSend(pattern(5000));   // still arriving after the close began
        bool eof = false;
        bool reset = false;
        QCOMPARE(clientReceive(last.size() + 1, &eof, &reset), last);
        QVERIFY(eof);
        QVERIFY(!reset);
        QVERIFY(alive);   // it waits for the peer's close
        ::close(m_client);
        m_client = -1;
        QTRY_VERIFY(!alive);
        QCOMPARE(recorder.disconnected, 0);   // its handler was gone: nobody to tell
    }

    void gracefulCloseGivesUpOnASilentPeer()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        QPointer<Connection> conn(new Connection(fd));
        conn->write("bye");
        conn->closeGracefully(100);
        QTRY_VERIFY(!conn);   // the peer never closed: cut off after the grace period
        bool eof = false;
        QCOMPARE(clientReceive(100, &eof), "bye"_ba);
        QVERIFY(eof);
    }

    void endOfStreamIsReportedOnce()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        Connection conn(fd);
        Recorder recorder;
        conn.setHandler(&recorder);
        ::close(m_client);
        m_client = -1;
        QTRY_COMPARE(recorder.disconnected, 1);
        QVERIFY(!conn.isOpen());
        conn.write("too late");
        spin(100);
        QCOMPARE(recorder.disconnected, 1);
        QCOMPARE(recorder.readyReads, 0);
    }

    void resetIsReportedOnce()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        Connection conn(fd);
        Recorder recorder;
        conn.setHandler(&recorder);
        const linger abortive{1, 0};   // close with a reset instead of a FIN
        ::setsockopt(m_client, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
        ::close(m_client);
        m_client = -1;
        QTRY_COMPARE(recorder.disconnected, 1);
        QVERIFY(!conn.errorString().isEmpty());
        conn.write("too late");
        spin(100);
        QCOMPARE(recorder.disconnected, 1);
    }

    void resetFoundByAWriteIsReportedOnce()
    {
        const qintptr fd = connectRawClient();
        QVERIFY(fd >= 0);
        Connection conn(fd);
        Recorder recorder;
        conn.setHandler(&recorder);
        conn.setReadEnabled(false);   // only the write path can notice
        const linger abortive{1, 0};
        ::setsockopt(m_client, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
        ::close(m_client);
        m_client = -1;
        spin(50);
        conn.write("one");
        conn.write("two");
        QTRY_COMPARE(recorder.disconnected, 1);
        spin(100);
        QCOMPARE(recorder.disconnected, 1);
    }

    void startTlsHandsOverToQSslSocket()
    {
        if (!QSslSocket::supportsSsl())
            QSKIP("no TLS backend");
        QTemporaryDir dir;
        QString error;
        const CertificateStore::Identity identity = CertificateStore::loadOrGenerate(dir.path(), u"localhost"_s, &error);
        QVERIFY2(identity.isValid(), qPrintable(error));
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setLocalCertificate(identity.certificate);
        tls.setPrivateKey(identity.privateKey);
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);

        QSslSocket client;
        client.setPeerVerifyMode(QSslSocket::VerifyNone);
        client.connectToHost(QHostAddress::LocalHost, m_acceptor.serverPort());
        QVERIFY(client.waitForConnected(5000));
        QTRY_VERIFY(!m_acceptor.descriptors.isEmpty());
        const qintptr fd = m_acceptor.descriptors.takeFirst();
        const int small = 4096;
        ::setsockopt(int(fd), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        Connection conn(fd);
        Recorder recorder;
        QByteArray received;
        recorder.onReadyRead = [&] { received += conn.read(1 << 20); };
        conn.setHandler(&recorder);

        // The clear-text answer is larger than the kernel takes at once: all of it must leave
        // before the handshake, or the client would read TLS records as XML.
        const QByteArray proceed = pattern(1 << 20) + "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
        conn.write(proceed);
        QVERIFY(conn.bytesToWrite() > 0);
        conn.startServerEncryption(tls);
        QVERIFY(!conn.isEncrypted());
        QTRY_COMPARE_WITH_TIMEOUT(client.bytesAvailable(), qint64(proceed.size()), 10000);
        QCOMPARE(client.readAll(), proceed);
        client.startClientEncryption();
        QTRY_COMPARE(recorder.encrypted, 1);
        QVERIFY(client.waitForEncrypted(5000) || client.isEncrypted());
        QVERIFY(conn.isEncrypted());
        QVERIFY(conn.sessionProtocol() == QSsl::TlsV1_2 || conn.sessionProtocol() == QSsl::TlsV1_3);
        QVERIFY(!conn.sessionCipher().isNull());

        client.write("<stream:stream to='localhost'>");
        QTRY_COMPARE(received, "<stream:stream to='localhost'>"_ba);
        conn.write("<stream:features/>");
        QByteArray answer;
        QTRY_COMPARE(answer += client.readAll(), "<stream:features/>"_ba);

        client.disconnectFromHost();
        QTRY_COMPARE(recorder.disconnected, 1);
        spin(100);
        QCOMPARE(recorder.disconnected, 1);
    }
};

QTEST_GUILESS_MAIN(tst_Connection)
#include "tst_connection.moc"
