// TlsSession's own TLS 1.3 record layer after the detach, against an in-process OpenSSL client
// whose records pass through memory BIOs (the test carries them over a socket pair, so it can
// split, alter or forge them): every suite, large and many small records both ways, records
// arriving a byte at a time, the client's KeyUpdate with and without a request (and in pieces),
// close_notify, a flipped byte (bad_record_mac), an oversized record (record_overflow),
// post-handshake messages we refuse, a TLS 1.2 client (no detach), resumption with a ticket
// issued before the detach, and channel binding data equal on both ends.
#include "tls/CertificateStore.h"
#include "tls/Tls13RecordLayer.h"
#include "tls/TlsContext.h"
#include "tls/TlsSession.h"

#include <QTemporaryDir>
#include <QTest>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

QByteArray pattern(qsizetype size, int seed = 0)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char((i * 131 + seed * 7 + (i >> 8)) & 0xff);
    return bytes;
}

// What the client saw: alerts and KeyUpdates received, and its own traffic secrets.
struct ClientLog
{
    QList<int> alertsReceived;
    int keyUpdatesReceived = 0;
    QByteArray clientSecret;
    QByteArray serverSecret;
};

int clientLogIndex()
{
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

void clientMessage(int write, int, int type, const void *buf, size_t len, SSL *ssl, void *)
{
    auto *log = static_cast<ClientLog *>(SSL_get_ex_data(ssl, clientLogIndex()));
    const auto *bytes = static_cast<const unsigned char *>(buf);
    if (!log || write)
        return;
    if (type == SSL3_RT_ALERT && len == 2)
        log->alertsReceived.append(bytes[1]);
    if (type == SSL3_RT_HANDSHAKE && len >= 1 && bytes[0] == 24)
        ++log->keyUpdatesReceived;
}

void clientKeyLog(const SSL *ssl, const char *line)
{
    auto *log = static_cast<ClientLog *>(SSL_get_ex_data(ssl, clientLogIndex()));
    const QList<QByteArray> parts = QByteArray(line).split(' ');
    if (!log || parts.size() != 3)
        return;
    if (parts[0] == "CLIENT_TRAFFIC_SECRET_0")
        log->clientSecret = QByteArray::fromHex(parts[2]);
    else if (parts[0] == "SERVER_TRAFFIC_SECRET_0")
        log->serverSecret = QByteArray::fromHex(parts[2]);
}

// One connection: the server's TlsSession on fds[0], the OpenSSL client on memory BIOs whose
// bytes the test moves to and from fds[1].
struct Link
{
    int fds[2] = {-1, -1};
    std::unique_ptr<TlsSession> server;
    SSL *client = nullptr;
    BIO *clientIn = nullptr;    // what the client reads (the test writes into it)
    BIO *clientOut = nullptr;   // what the client wrote (the test takes it)
    ClientLog log;

    Link(const TlsContext &context, SSL_CTX *clientContext)
    {
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
            return;
        server = std::make_unique<TlsSession>(context, fds[0]);
        client = SSL_new(clientContext);
        clientIn = BIO_new(BIO_s_mem());
        clientOut = BIO_new(BIO_s_mem());
        BIO_set_mem_eof_return(clientIn, -1);
        SSL_set_bio(client, clientIn, clientOut);
        SSL_set_ex_data(client, clientLogIndex(), &log);
        SSL_set_msg_callback(client, clientMessage);
        SSL_set_connect_state(client);
    }
    ~Link()
    {
        SSL_free(client);
        server.reset();
        ::close(fds[0]);
        ::close(fds[1]);
    }

    // The client's output as it is, or as the test changes it.
    QByteArray takeClientOutput()
    {
        QByteArray bytes;
        char buffer[16384];
        int n;
        while ((n = BIO_read(clientOut, buffer, sizeof buffer)) > 0)
            bytes.append(buffer, n);
        return bytes;
    }
    bool sendRaw(const QByteArray &bytes)
    {
        qsizetype sent = 0;
        for (int round = 0; sent < bytes.size() && round < 100000; ++round) {
            const ssize_t n = ::send(fds[1], bytes.constData() + sent, size_t(bytes.size() - sent), MSG_NOSIGNAL);
            if (n > 0)
                sent += n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                return false;
            else
                serverTurn();   // make room: the server reads what it can
        }
        return sent == bytes.size();
    }
    void moveClientOutput() { sendRaw(takeClientOutput()); }
    // What the server sent, into the client's input.
    void moveServerOutput()
    {
        char buffer[16384];
        ssize_t n;
        while ((n = ::recv(fds[1], buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
            BIO_write(clientIn, buffer, int(n));
    }

    QByteArray serverReceived;
    TlsSession::Status lastServerStatus = TlsSession::Status::Ok;
    bool serverReading = true;
    void serverTurn()
    {
        if (!server->isEstablished()) {
            lastServerStatus = server->handshake();
            return;
        }
        if (!serverReading)
            return;
        char buffer[4096];
        for (int round = 0; round < 64; ++round) {
            int n = 0;
            lastServerStatus = server->read(buffer, int(sizeof buffer), &n);
            if (lastServerStatus != TlsSession::Status::Ok)
                return;
            serverReceived.append(buffer, n);
        }
    }

    bool handshake()
    {
        bool clientDone = false;
        for (int round = 0; round < 1000; ++round) {
            if (!clientDone) {
                const int r = SSL_do_handshake(client);
                if (r == 1)
                    clientDone = true;
                else if (const int e = SSL_get_error(client, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    return false;
            }
            moveClientOutput();
            serverTurn();
            if (lastServerStatus == TlsSession::Status::Failed)
                return false;
            moveServerOutput();
            if (clientDone && server->isEstablished())
                return true;
        }
        return false;
    }

    // The client writes everything (any number of records), the server reads it all.
    bool clientToServer(const QByteArray &bytes, int chunk = 1 << 30)
    {
        serverReceived.clear();
        for (qsizetype done = 0; done < bytes.size();) {
            const int size = int(qMin<qsizetype>(chunk, bytes.size() - done));
            const int n = SSL_write(client, bytes.constData() + done, size);
            if (n <= 0)
                return false;
            done += n;
            moveClientOutput();
        }
        for (int round = 0; round < 10000 && serverReceived.size() < bytes.size(); ++round) {
            serverTurn();
            if (lastServerStatus == TlsSession::Status::Failed || lastServerStatus == TlsSession::Status::Closed)
                break;
            moveServerOutput();   // KeyUpdate replies
        }
        return serverReceived == bytes;
    }

    // The server writes everything through TlsSession::write (retrying after WantWrite as
    // Connection does), the client reads it all.
    bool serverToClient(const QByteArray &bytes, int chunk = 1 << 30)
    {
        QByteArray received;
        qsizetype done = 0;
        char buffer[16384];
        for (int round = 0; round < 100000 && received.size() < bytes.size(); ++round) {
            if (done < bytes.size()) {
                int n = 0;
                const int size = int(qMin<qsizetype>(chunk, bytes.size() - done));
                const TlsSession::Status s = server->write(bytes.constData() + done, size, &n);
                if (s == TlsSession::Status::Ok)
                    done += n;
                else if (s != TlsSession::Status::WantWrite)
                    return false;
            }
            moveServerOutput();
            int n;
            while ((n = SSL_read(client, buffer, sizeof buffer)) > 0)
                received.append(buffer, n);
            moveClientOutput();   // the client's own KeyUpdate replies, if any
        }
        return received == bytes;
    }

    int clientReadError()
    {
        moveServerOutput();
        char buffer[256];
        const int r = SSL_read(client, buffer, sizeof buffer);
        return r > 0 ? SSL_ERROR_NONE : SSL_get_error(client, r);
    }
};

} // namespace

class TestTls13Records : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    TlsContext m_server;
    SSL_CTX *m_client = nullptr;

    SSL_CTX *newClientContext(int maxVersion = TLS1_3_VERSION, const char *suites = nullptr)
    {
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        SSL_CTX_set_max_proto_version(ctx, maxVersion);
        SSL_CTX_set_keylog_callback(ctx, clientKeyLog);
        if (suites)
            SSL_CTX_set_ciphersuites(ctx, suites);
        return ctx;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QString error;
        const CertificateStore::Identity identity = CertificateStore::loadOrGenerate(m_dir.path(), u"localhost"_s, &error);
        m_server = TlsContext::create(identity, &error);
        QVERIFY2(!m_server.isNull(), qPrintable(error));
        m_client = newClientContext();
    }
    void cleanupTestCase() { SSL_CTX_free(m_client); }

    void detachesWithWhatTheSessionIsAskedAbout_data()
    {
        QTest::addColumn<QByteArray>("suite");
        QTest::newRow("AES-128-GCM") << "TLS_AES_128_GCM_SHA256"_ba;
        QTest::newRow("AES-256-GCM") << "TLS_AES_256_GCM_SHA384"_ba;
        QTest::newRow("ChaCha20-Poly1305") << "TLS_CHACHA20_POLY1305_SHA256"_ba;
    }
    void detachesWithWhatTheSessionIsAskedAbout()
    {
        QFETCH(QByteArray, suite);
        SSL_CTX *ctx = newClientContext(TLS1_3_VERSION, suite.constData());
        static const unsigned char alpn[] = "\x0bxmpp-client";
        SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
        {
            Link link(m_server, ctx);
            QVERIFY(link.handshake());
            QVERIFY(link.server->isDetached());
            QCOMPARE(link.server->protocol(), QSsl::TlsV1_3);
            QCOMPARE(link.server->cipherName(), QString::fromLatin1(SSL_get_cipher_name(link.client)));
            QCOMPARE(link.server->alpnProtocol(), "xmpp-client"_ba);
            QByteArray exporter(32, Qt::Uninitialized);
            static const char label[] = "EXPORTER-Channel-Binding";
            QCOMPARE(SSL_export_keying_material(link.client, reinterpret_cast<unsigned char *>(exporter.data()), 32,
                                                label, sizeof label - 1, nullptr, 0, 1), 1);
            QCOMPARE(link.server->tlsExporter(), exporter);
            // Sequence numbers right both ways: the tickets OpenSSL sent came before ours.
            QVERIFY(link.clientToServer("<stream:stream>"_ba));
            QVERIFY(link.serverToClient("<stream:features/>"_ba));
            QVERIFY(link.clientToServer(pattern(40000, 1)));
            QVERIFY(link.serverToClient(pattern(40000, 2)));
        }
        SSL_CTX_free(ctx);
    }

    void largeWritesAreFragmentedIntoRecords()
    {
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        QVERIFY(link.server->isDetached());
        // More than the socket pair holds: the server's writes meet WantWrite and are retried.
        QVERIFY(link.serverToClient(pattern(1 << 20, 3)));
        QVERIFY(link.clientToServer(pattern(300000, 4)));
        QVERIFY(link.serverToClient(pattern(16385, 5)));   // one byte over a record
        QVERIFY(link.serverToClient(pattern(16384, 6)));
    }

    void manySmallRecordsBothWays()
    {
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        const QByteArray bytes = pattern(3000, 7);
        QVERIFY(link.clientToServer(bytes, 3));   // a thousand records of three bytes
        QVERIFY(link.serverToClient(bytes, 1));   // three thousand of one
        QVERIFY(link.clientToServer(bytes, 1));
    }

    void clientKeyUpdate_data()
    {
        QTest::addColumn<bool>("requested");
        QTest::newRow("update_not_requested") << false;
        QTest::newRow("update_requested") << true;
    }
    void clientKeyUpdate()
    {
        QFETCH(bool, requested);
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        QVERIFY(link.clientToServer("before"_ba));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(SSL_key_update(link.client, requested ? SSL_KEY_UPDATE_REQUESTED : SSL_KEY_UPDATE_NOT_REQUESTED), 1);
            QVERIFY(link.clientToServer(pattern(20000, i)));   // under the client's new key
            QVERIFY(link.serverToClient(pattern(20000, i + 10)));
        }
        // The server answers a request with its own KeyUpdate, and only then.
        QCOMPARE(link.log.keyUpdatesReceived, requested ? 3 : 0);
        QVERIFY(link.log.alertsReceived.isEmpty());
    }

    void closeNotifyFromTheClient()
    {
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        QVERIFY(link.clientToServer("bye"_ba));
        QCOMPARE(SSL_shutdown(link.client), 0);
        link.moveClientOutput();
        link.serverTurn();
        QCOMPARE(link.lastServerStatus, TlsSession::Status::Closed);
        link.server->sendCloseNotify();
        QCOMPARE(link.clientReadError(), SSL_ERROR_ZERO_RETURN);
    }

    void flippedByteIsABadRecordMac_data()
    {
        QTest::addColumn<int>("position");   // from the record's end
        QTest::newRow("tag") << 1;
        QTest::newRow("ciphertext") << 20;
        QTest::newRow("inner type") << 17;
    }
    void flippedByteIsABadRecordMac()
    {
        QFETCH(int, position);
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        QVERIFY(link.clientToServer("fine"_ba));
        link.serverReceived.clear();
        QVERIFY(SSL_write(link.client, "<message>hello</message>", 24) > 0);
        QByteArray record = link.takeClientOutput();
        record[record.size() - position] = char(record[record.size() - position] ^ 0x01);
        QVERIFY(link.sendRaw(record));
        link.serverTurn();
        QCOMPARE(link.lastServerStatus, TlsSession::Status::Failed);
        QVERIFY(link.server->errorString().contains(u"bad record mac"_s));
        QVERIFY(link.serverReceived.isEmpty());
        QCOMPARE(link.clientReadError(), SSL_ERROR_SSL);
        QCOMPARE(link.log.alertsReceived, QList<int>{Tls13RecordLayer::BadRecordMac});
        // Nothing more from a failed session.
        int n = 0;
        QCOMPARE(link.server->write("x", 1, &n), TlsSession::Status::Failed);
    }

    void oversizedRecordIsARecordOverflow()
    {
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        const int length = Tls13RecordLayer::MaxCiphertext + 1;
        QByteArray record("\x17\x03\x03", 3);
        record += char(length >> 8);
        record += char(length & 0xff);
        record += pattern(64);   // refused on the header: the rest never needs to come
        QVERIFY(link.sendRaw(record));
        link.serverTurn();
        QCOMPARE(link.lastServerStatus, TlsSession::Status::Failed);
        QVERIFY(link.server->errorString().contains(u"record overflow"_s));
        QCOMPARE(link.clientReadError(), SSL_ERROR_SSL);
        QCOMPARE(link.log.alertsReceived, QList<int>{Tls13RecordLayer::RecordOverflow});
    }

    // The client's side of the record layer, built from its own key log, forges what an
    // OpenSSL client would never send.
    void forgedRecordsAreRefused_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<int>("alert");
        QTest::newRow("NewSessionTicket from a client") << 22 << "\x04\x00\x00\x01\x00"_ba << 10;
        QTest::newRow("Finished again") << 22 << QByteArray("\x14\x00\x00\x20", 4) + pattern(32) << 10;
        QTest::newRow("KeyUpdate with bad request") << 22 << QByteArray("\x18\x00\x00\x01\x02", 5) << 47;
        QTest::newRow("KeyUpdate with bad length") << 22 << QByteArray("\x18\x00\x00\x02\x00\x00", 6) << 50;
        QTest::newRow("KeyUpdate not ending its record") << 22 << QByteArray("\x18\x00\x00\x01\x00\x18", 6) << 10;
        QTest::newRow("empty handshake record") << 22 << QByteArray() << 10;
        QTest::newRow("long alert") << 21 << QByteArray("\x02\x28\x00", 3) << 50;
        QTest::newRow("change_cipher_spec inside") << 20 << "\x01"_ba << 10;
        QTest::newRow("unknown content type") << 99 << "x"_ba << 10;
    }
    void forgedRecordsAreRefused()
    {
        QFETCH(int, type);
        QFETCH(QByteArray, content);
        QFETCH(int, alert);
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        QVERIFY(link.server->isDetached());
        Tls13RecordLayer::Cipher cipher;
        QVERIFY(Tls13RecordLayer::cipherFromId(SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(link.client)), &cipher));
        // The client's layer: reads with the server's secret, writes with the client's.
        Tls13RecordLayer forger;
        QVERIFY(forger.init(cipher, link.log.serverSecret, link.log.clientSecret, 0, 0));
        QByteArray record(Tls13RecordLayer::sealedSize(int(content.size())), Qt::Uninitialized);
        const int n = forger.seal(quint8(type), content.constData(), int(content.size()), record.data());
        QVERIFY(n > 0);
        record.truncate(n);
        QVERIFY(link.sendRaw(record));
        link.serverTurn();
        QCOMPARE(link.lastServerStatus, TlsSession::Status::Failed);
        QCOMPARE(link.clientReadError(), SSL_ERROR_SSL);
        QCOMPARE(link.log.alertsReceived, QList<int>{alert});
    }

    void recordsArriveOneByteAtATime()
    {
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        const QByteArray bytes = pattern(20000, 13);   // two records, the second short
        QVERIFY(SSL_write(link.client, bytes.constData(), int(bytes.size())) == bytes.size());
        const QByteArray records = link.takeClientOutput();
        link.serverReceived.clear();
        for (qsizetype i = 0; i < records.size(); ++i) {
            QVERIFY(link.sendRaw(records.mid(i, 1)));
            link.serverTurn();
            QVERIFY(link.lastServerStatus == TlsSession::Status::WantRead || link.lastServerStatus == TlsSession::Status::Ok);
        }
        QCOMPARE(link.serverReceived, bytes);
        QVERIFY(link.serverToClient("still in step"_ba));
    }

    // §5.1 lets a KeyUpdate come in pieces; nothing else may come between them.
    void keyUpdateInPieces_data()
    {
        QTest::addColumn<bool>("interrupted");
        QTest::newRow("whole in two records") << false;
        QTest::newRow("application data between the pieces") << true;
    }
    void keyUpdateInPieces()
    {
        QFETCH(bool, interrupted);
        Link link(m_server, m_client);
        QVERIFY(link.handshake());
        Tls13RecordLayer::Cipher cipher;
        QVERIFY(Tls13RecordLayer::cipherFromId(SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(link.client)), &cipher));
        Tls13RecordLayer forger;
        QVERIFY(forger.init(cipher, link.log.serverSecret, link.log.clientSecret, 0, 0));
        char record[64];
        QByteArray stream;
        stream.append(record, forger.seal(Tls13RecordLayer::Handshake, "\x18\x00", 2, record));
        if (interrupted)
            stream.append(record, forger.seal(Tls13RecordLayer::ApplicationData, "<a/>", 4, record));
        stream.append(record, forger.seal(Tls13RecordLayer::Handshake, "\x00\x01\x00", 3, record));
        QVERIFY(link.sendRaw(stream));
        link.serverTurn();
        if (interrupted) {
            QCOMPARE(link.lastServerStatus, TlsSession::Status::Failed);
            QCOMPARE(link.clientReadError(), SSL_ERROR_SSL);
            QCOMPARE(link.log.alertsReceived, QList<int>{Tls13RecordLayer::UnexpectedMessage});
            return;
        }
        QCOMPARE(link.lastServerStatus, TlsSession::Status::WantRead);
        // The server now reads under the client's next key, which this client never took: its
        // next record cannot authenticate. That proves the update happened.
        QVERIFY(!link.clientToServer("under the old key"_ba));
        QCOMPARE(link.lastServerStatus, TlsSession::Status::Failed);
        QCOMPARE(link.clientReadError(), SSL_ERROR_SSL);
        QCOMPARE(link.log.alertsReceived, QList<int>{Tls13RecordLayer::BadRecordMac});
    }

    void tls12ClientKeepsOpenSsl()
    {
        SSL_CTX *ctx = newClientContext(TLS1_2_VERSION);
        {
            Link link(m_server, ctx);
            QVERIFY(link.handshake());
            QVERIFY(!link.server->isDetached());
            QCOMPARE(link.server->protocol(), QSsl::TlsV1_2);
            QVERIFY(link.clientToServer(pattern(50000, 8)));
            QVERIFY(link.serverToClient(pattern(50000, 9)));
            QCOMPARE(link.server->tlsExporter().size(), 32);
        }
        SSL_CTX_free(ctx);
    }

    void resumptionWithATicketAfterTheDetach()
    {
        SSL_SESSION *ticket = nullptr;
        {
            Link link(m_server, m_client);
            QVERIFY(link.handshake());
            QVERIFY(link.server->isDetached());
            QVERIFY(link.serverToClient("hello"_ba));   // the client reads the tickets on the way
            ticket = SSL_get1_session(link.client);
            QVERIFY(ticket);
            QVERIFY(SSL_SESSION_is_resumable(ticket));
            // A clean close: OpenSSL marks the session of an unclosed connection not resumable.
            SSL_shutdown(link.client);
            link.moveClientOutput();
            link.serverTurn();
            QCOMPARE(link.lastServerStatus, TlsSession::Status::Closed);
        }
        {
            Link link(m_server, m_client);
            SSL_set_session(link.client, ticket);
            QVERIFY(link.handshake());
            QVERIFY(SSL_session_reused(link.client));
            QVERIFY(link.server->isDetached());
            QVERIFY(link.clientToServer(pattern(20000, 11)));
            QVERIFY(link.serverToClient(pattern(20000, 12)));
        }
        SSL_SESSION_free(ticket);
    }
};

QTEST_GUILESS_MAIN(TestTls13Records)
#include "tst_tls13records.moc"
