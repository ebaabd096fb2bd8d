// Connection over real loopback TCP: bounded reads, writes queued in order when the kernel
// refuses them, no spinning while reading is paused, the graceful close (every byte, then FIN,
// unread input drained so no reset), TLS on the same descriptor (STARTTLS after the last
// clear-text byte, WANT_READ/WANT_WRITE, decrypted bytes waiting in OpenSSL, close_notify,
// garbage, a stalled handshake, ALPN, channel binding data), and one disconnection report.
#include "net/Connection.h"
#include "tls/CertificateStore.h"
#include "tls/TlsContext.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

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
        // A turn's writes leave together when the turn ends (corked), and nothing before.
        QCOMPARE(conn.bytesToWrite(), all.size());
        QTRY_VERIFY(conn.bytesToWrite() < all.size());
        QVERIFY(conn.bytesToWrite() > 0);   // the kernel refused most of it
        QCOMPARE(clientReceive(all.size()), all);
        QTRY_COMPARE(conn.bytesToWrite(), qint64(0));
    }

    void manyConnectionsCorkedInOneTurnLeaveOverSeveralTurns()
    {
        // 300 clients written to in one turn: their sends take milliseconds, so they leave in
        // slices over several turns (the loop stays free for timers and other input between
        // them), and every client still gets exactly its bytes.
        constexpr int Clients = 300;
        const QByteArray bytes = pattern(128 * 1024);
        std::vector<std::unique_ptr<Connection>> connections;
        std::vector<int> peers;
        for (int i = 0; i < Clients; ++i) {
            int pair[2];
            QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
            const int buffer = 1 << 20;
            ::setsockopt(pair[0], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
            ::setsockopt(pair[1], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
            connections.push_back(std::make_unique<Connection>(pair[0]));
            peers.push_back(pair[1]);
        }
        for (auto &connection : connections)
            connection->write(bytes);
        auto flushed = [&] {
            return int(std::count_if(connections.cbegin(), connections.cend(),
                                     [](const auto &c) { return c->bytesToWrite() == 0; }));
        };
        QCOMPARE(flushed(), 0);
        QCoreApplication::processEvents();   // one turn: the first slice
        const int afterOneTurn = flushed();
        QVERIFY2(afterOneTurn > 0 && afterOneTurn < Clients, qPrintable(QString::number(afterOneTurn)));
        QTRY_COMPARE(flushed(), Clients);
        for (int peer : peers) {
            QByteArray received;
            char chunk[65536];
            ssize_t n;
            while ((n = ::recv(peer, chunk, sizeof chunk, 0)) > 0)
                received.append(chunk, n);
            QCOMPARE(received, bytes);
            ::close(peer);
        }
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

    void startTlsRunsOnTheSameDescriptor()
    {
        const TlsContext tls = makeContext();
        QVERIFY(!tls.isNull());

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
        QCOMPARE(conn.sessionCipherName(), client.sessionCipher().name());
        QCOMPARE(conn.sessionCipher().name(), conn.sessionCipherName());
        QVERIFY(conn.alpnProtocol().isEmpty());   // not offered, not chosen
        QCOMPARE(conn.tlsExporter().size(), 32);

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

    // Large writes the kernel refuses (OpenSSL's WANT_WRITE) leave complete and in order, and
    // a reader that takes less than a record at a time still gets everything: decrypted bytes
    // waiting inside OpenSSL bring the handler back although the descriptor is not readable.
    void tlsLargeTransfersBothWays()
    {
        const TlsContext tls = makeContext();
        QSslSocket client;
        Recorder recorder;
        std::unique_ptr<Connection> conn = tlsPair(tls, client, recorder, 4096);
        QVERIFY(conn);
        QByteArray received;
        recorder.onReadyRead = [&] { received += conn->read(1000); };

        const QByteArray down = pattern(3 << 20);
        conn->write(down);
        QVERIFY(conn->bytesToWrite() > 0);
        QByteArray got;
        QElapsedTimer timer;
        timer.start();
        while (got.size() < down.size() && timer.elapsed() < 20000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            got += client.readAll();
        }
        QCOMPARE(got.size(), down.size());
        QVERIFY(got == down);
        QCOMPARE(conn->bytesToWrite(), qint64(0));

        const QByteArray up = pattern(200 * 1024);
        client.write(up);
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), up.size(), 20000);
        QVERIFY(received == up);
    }

    // While reading is paused nothing is delivered, even with plaintext waiting in OpenSSL;
    // resuming delivers it without new input.
    void tlsPausedReadingHoldsDecryptedBytes()
    {
        const TlsContext tls = makeContext();
        QSslSocket client;
        Recorder recorder;
        std::unique_ptr<Connection> conn = tlsPair(tls, client, recorder);
        QVERIFY(conn);
        QByteArray received;
        recorder.onReadyRead = [&] {
            received += conn->read(10);
            conn->setReadEnabled(false);   // one small bite, then pause (a rate limit)
        };
        client.write(pattern(5000));
        QTRY_COMPARE(received.size(), 10);
        const int calls = recorder.readyReads;
        spin(200);
        QCOMPARE(recorder.readyReads, calls);
        QVERIFY(conn->bytesAvailable() > 0);
        recorder.onReadyRead = [&] { received += conn->read(1 << 20); };
        conn->setReadEnabled(true);
        QTRY_COMPARE(received.size(), 5000);
        QVERIFY(received == pattern(5000));
    }

    // The session's end under TLS: every queued byte, then close_notify, then FIN.
    void tlsGracefulCloseSendsEverythingThenCloseNotify()
    {
        const TlsContext tls = makeContext();
        QSslSocket client;
        Recorder recorder;
        std::unique_ptr<Connection> conn = tlsPair(tls, client, recorder, 4096);
        QVERIFY(conn);
        const QByteArray last = pattern(1 << 20);
        Connection *closing = conn.release();
        QPointer<Connection> watch(closing);
        closing->write(last);
        closing->setHandler(nullptr);
        closing->closeGracefully(20000);
        QByteArray got;
        bool closed = false;
        QObject::connect(&client, &QSslSocket::disconnected, [&] { closed = true; });
        QElapsedTimer timer;
        timer.start();
        while (!closed && timer.elapsed() < 20000) {
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
            got += client.readAll();
        }
        got += client.readAll();
        QVERIFY(closed);
        QCOMPARE(got.size(), last.size());
        QVERIFY(got == last);
        QTRY_VERIFY(watch.isNull());   // gone once the peer closed too
    }

    // Not a ClientHello: the handshake fails, the loss is reported once, nothing hangs.
    void garbageInsteadOfClientHelloIsALostConnection()
    {
        const TlsContext tls = makeContext();
        Connection conn(connectRawClient());
        Recorder recorder;
        conn.setHandler(&recorder);
        conn.startServerEncryption(tls);
        clientSend("<?xml version='1.0'?><stream:stream to='localhost'>\r\n\r\n");
        QTRY_COMPARE(recorder.disconnected, 1);
        QVERIFY(!conn.isOpen());
        QVERIFY(!conn.isEncrypted());
        QCOMPARE(recorder.encrypted, 0);
        spin(100);
        QCOMPARE(recorder.disconnected, 1);
    }

    // A client that never finishes its handshake is closed by its owner like any other: the
    // handshake's pending bytes are dropped and the descriptor closes within the grace time.
    void stalledHandshakeClosesWhenAsked()
    {
        const TlsContext tls = makeContext();
        auto *conn = new Connection(connectRawClient());
        QPointer<Connection> watch(conn);
        Recorder recorder;
        conn->setHandler(&recorder);
        conn->startServerEncryption(tls);
        clientSend(QByteArray("\x16\x03\x01\x00\x80", 5));   // a record header, then silence
        spin(100);
        QCOMPARE(recorder.encrypted, 0);
        QCOMPARE(recorder.disconnected, 0);
        conn->write("<stream:error/>");   // waits for a handshake that never comes
        conn->setHandler(nullptr);
        conn->closeGracefully(300);
        bool eof = false;
        bool reset = false;
        const QByteArray got = clientReceive(1, &eof, &reset, 5000);
        QVERIFY(got.isEmpty());   // nothing in clear text, no half a record
        QVERIFY(eof || reset);
        QTRY_VERIFY(watch.isNull());
    }

    // A peer that resets while records go out: a lost connection, reported once. (The SIGPIPE
    // this could raise in a server is covered by the hostile TLS tests: Qt ignores it here.)
    void tlsPeerResetWhileWritingIsALostConnection()
    {
        const TlsContext tls = makeContext();
        QSslSocket client;
        Recorder recorder;
        std::unique_ptr<Connection> conn = tlsPair(tls, client, recorder, 4096);
        QVERIFY(conn);
        conn->write(pattern(1 << 20));
        client.abort();   // RST: unread data in its receive buffer
        for (int i = 0; i < 50 && recorder.disconnected == 0; ++i) {
            conn->write(pattern(64 * 1024));
            spin(10);
        }
        QTRY_COMPARE(recorder.disconnected, 1);
        spin(100);
        QCOMPARE(recorder.disconnected, 1);
    }

    // XEP-0368 §3: "xmpp-client" is chosen when the client offers it.
    void alpnXmppClientIsChosenWhenOffered()
    {
        const TlsContext tls = makeContext();
        QSslSocket client;
        QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
        configuration.setAllowedNextProtocols({"h2"_ba, "xmpp-client"_ba});
        client.setSslConfiguration(configuration);
        Recorder recorder;
        std::unique_ptr<Connection> conn = tlsPair(tls, client, recorder);
        QVERIFY(conn);
        QCOMPARE(conn->alpnProtocol(), "xmpp-client"_ba);
        QCOMPARE(client.sslConfiguration().nextNegotiatedProtocol(), "xmpp-client"_ba);
        // Channel binding data differs per session and both ends would compute the same.
        QSslSocket other;
        Recorder otherRecorder;
        std::unique_ptr<Connection> second = tlsPair(tls, other, otherRecorder);
        QVERIFY(second);
        QCOMPARE(second->tlsExporter().size(), 32);
        QVERIFY(second->tlsExporter() != conn->tlsExporter());
    }

private:
    static TlsContext makeContext()
    {
        static QTemporaryDir dir;
        QString error;
        const CertificateStore::Identity identity = CertificateStore::loadOrGenerate(dir.path(), u"localhost"_s, &error);
        if (!identity.isValid())
            qWarning() << error;
        const TlsContext context = TlsContext::create(identity, &error);
        if (context.isNull())
            qWarning() << error;
        return context;
    }

    // A QSslSocket client and a Connection doing direct TLS; established unless told otherwise.
    std::unique_ptr<Connection> tlsPair(const TlsContext &tls, QSslSocket &client, Recorder &recorder,
                                        int sendBuffer = 0, bool mustSucceed = true)
    {
        client.setPeerVerifyMode(QSslSocket::VerifyNone);
        client.connectToHostEncrypted(u"localhost"_s, m_acceptor.serverPort());
        if (!QTest::qWaitFor([this] { return !m_acceptor.descriptors.isEmpty(); }, 5000))
            return nullptr;
        const qintptr fd = m_acceptor.descriptors.takeFirst();
        if (sendBuffer > 0)
            ::setsockopt(int(fd), SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
        auto conn = std::make_unique<Connection>(fd);
        conn->setHandler(&recorder);
        conn->startServerEncryption(tls);
        if (mustSucceed && !QTest::qWaitFor([&] { return recorder.encrypted == 1 && client.isEncrypted(); }, 10000))
            return nullptr;
        return conn;
    }
};

QTEST_GUILESS_MAIN(tst_Connection)
#include "tst_connection.moc"
