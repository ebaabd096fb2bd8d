// The TLS-to-XML boundary: a real TLS 1.3 session between an OpenSSL client and a Connection
// (over a socket pair). After the handshake the server's session runs on its own record layer
// (tls/Tls13RecordLayer, OpenSSL's SSL object freed). The input is sent as application data
// split into two records at every offset (at most 40 evenly spaced ones for longer inputs), and
// the records' bytes themselves reach the server in two writes cut at every byte offset of the
// ciphertext (at most 32 evenly spaced ones per input, shifted by the control byte, so that the
// runs together cover every offset), so a record's header and body arrive in every possible
// pair of pieces. The server side reads in pieces whose size the input chooses (often
// smaller than a record, so that plaintext waits between reads). Whatever the split, the bytes
// that come out must be exactly the input, and the stream parser fed those pieces must deliver
// the same events as when fed the input in one go. With the control byte's high bit set, a
// last record arrives with one byte flipped (or the input's own bytes arrive as if they were
// records): the connection must be lost and not one byte of it delivered.

#include "FuzzSupport.h"

#include "net/Connection.h"
#include "tls/CertificateStore.h"
#include "tls/TlsContext.h"
#include "xml/XmlStreamParser.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr qsizetype MaxInput = 4096;
constexpr int MaxSplits = 40;   // every offset of a short input; evenly spaced ones beyond
constexpr int MaxCuts = 32;     // cuts per input; the control byte shifts them, so runs cover every offset

struct Collector : XmlStreamParser::Handler
{
    QList<XmlElement> elements;
    int opened = 0;
    bool closed = false;
    bool failed = false;
    void streamOpened(const XmlElement &, const QString &) override { ++opened; }
    void elementReceived(const XmlElement &element) override { elements.append(element); }
    void streamClosed() override { closed = true; }
    void streamFailed(XmlStreamParser::Error, const QString &) override { failed = true; }
    bool operator==(const Collector &o) const
    {
        return opened == o.opened && closed == o.closed && failed == o.failed && elements == o.elements;
    }
};

struct Reader : Connection::Handler
{
    Connection *conn = nullptr;
    qint64 pieceSize = 1;
    QList<QByteArray> pieces;
    qsizetype total = 0;
    bool encrypted = false;
    bool lost = false;
    void connectionReadyRead() override
    {
        const QByteArray piece = conn->read(pieceSize);
        if (!piece.isEmpty()) {
            pieces.append(piece);
            total += piece.size();
        }
    }
    void connectionEncrypted() override { encrypted = true; }
    void connectionDisconnected() override { lost = true; }
};

[[noreturn]] void fail(const char *what)
{
    qInstallMessageHandler(nullptr);
    std::fprintf(stderr, "fuzz_tls_records: %s\n", what);
    std::abort();
}

struct Setup
{
    QTemporaryDir dir;
    TlsContext server;
    SSL_CTX *client = nullptr;
    Setup()
    {
        QString error;
        const CertificateStore::Identity identity = CertificateStore::loadOrGenerate(dir.path(), QStringLiteral("localhost"), &error);
        server = TlsContext::create(identity, &error);
        client = SSL_CTX_new(TLS_client_method());
        if (server.isNull() || !client)
            fail("no TLS context");
        SSL_CTX_set_verify(client, SSL_VERIFY_NONE, nullptr);
    }
};

Setup &setup()
{
    static Setup s;
    return s;
}

void pump()
{
    QCoreApplication::processEvents(QEventLoop::AllEvents);
}

// The client's records go through memory BIOs: the test carries them over the socket pair.
struct Client
{
    SSL *ssl = nullptr;
    BIO *in = nullptr;
    BIO *out = nullptr;
    int fd = -1;

    QByteArray takeOutput()
    {
        QByteArray bytes;
        char buffer[4096];
        int n;
        while ((n = BIO_read(out, buffer, sizeof buffer)) > 0)
            bytes.append(buffer, n);
        return bytes;
    }
    // The socket pair has room: inputs are small.
    bool send(const char *bytes, qsizetype size)
    {
        qsizetype sent = 0;
        for (int round = 0; sent < size && round < 10000; ++round) {
            const ssize_t n = ::send(fd, bytes + sent, size_t(size - sent), MSG_NOSIGNAL);
            if (n > 0)
                sent += n;
            else if (n < 0 && errno != EAGAIN && errno != EINTR)
                return false;
            else
                pump();
        }
        return sent == size;
    }
    void receive()
    {
        char buffer[4096];
        ssize_t n;
        while ((n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
            BIO_write(in, buffer, int(n));
    }
    // Seals bytes as one TLS record; the record stays in the client's output.
    bool write(const char *bytes, int size)
    {
        return size == 0 || SSL_write(ssl, bytes, size) == size;
    }
};
Collector parse(const QList<QByteArray> &pieces)
{
    Collector collector;
    XmlStreamParser parser(&collector);
    for (const QByteArray &piece : pieces)
        parser.feed(piece);
    return collector;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    FuzzSupport::init();
    setup();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > size_t(MaxInput) + 1)
        return 0;
    FuzzSupport::init();
    Setup &s = setup();
    const uint8_t control = data[0];
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair) != 0)
        return 0;
    auto *conn = new Connection(pair[0]);
    Reader reader;
    reader.conn = conn;
    reader.pieceSize = 1 + (control & 0x7f) * 3;   // 1..382 bytes: often less than a record
    conn->setHandler(&reader);
    conn->startServerEncryption(s.server);

    Client client;
    client.ssl = SSL_new(s.client);
    client.in = BIO_new(BIO_s_mem());
    client.out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(client.in, -1);
    SSL_set_bio(client.ssl, client.in, client.out);
    client.fd = pair[1];
    SSL_set_connect_state(client.ssl);
    bool clientDone = false;
    for (int round = 0; round < 10000 && !(clientDone && reader.encrypted); ++round) {
        if (!clientDone) {
            const int r = SSL_do_handshake(client.ssl);
            if (r == 1)
                clientDone = true;
            else if (const int e = SSL_get_error(client.ssl, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                fail("client handshake failed");
        }
        const QByteArray out = client.takeOutput();
        if (!client.send(out.constData(), out.size()))
            fail("client send failed");
        pump();
        client.receive();
        if (reader.lost)
            fail("server lost the connection during the handshake");
    }
    if (!clientDone || !reader.encrypted)
        fail("handshake did not finish");

    const Collector reference = parse({input});
    const int n = int(input.size());
    const int stride = n / MaxSplits + 1;
    auto deliver = [&](const char *what) {
        for (int round = 0; round < 100000 && reader.total < n && !reader.lost; ++round)
            pump();
        if (reader.lost)
            fail("server lost the connection");
        if (reader.pieces.join() != input)
            fail(what);
        if (!(parse(reader.pieces) == reference))
            fail("the parser's events depend on where TLS records and reads split the stream");
    };
    // Plaintext split into two records at every offset.
    for (int split = 0; split <= n; split += stride) {
        reader.pieces.clear();
        reader.total = 0;
        if (!client.write(input.constData(), split) || !client.write(input.constData() + split, n - split))
            fail("client write failed");
        const QByteArray records = client.takeOutput();
        if (!client.send(records.constData(), records.size()))
            fail("client send failed");
        deliver("the bytes out of TLS differ from the bytes in");
    }
    // The record stream cut at every byte offset: header and body in every pair of pieces.
    // Reads of at least an eighth of the input here, so that this loop costs no more event-loop
    // turns than the one above (the small reads are that loop's business).
    reader.pieceSize = qMax<qint64>(reader.pieceSize, n / 8 + 1);
    const int cutStride = (n + 2 * 22) / MaxCuts + 1;
    for (int cut = control % cutStride, round = 0; ; cut += cutStride, ++round) {
        reader.pieces.clear();
        reader.total = 0;
        const int split = (round * 7) % (n + 1);
        if (!client.write(input.constData(), split) || !client.write(input.constData() + split, n - split))
            fail("client write failed");
        const QByteArray records = client.takeOutput();
        if (cut > records.size())
            break;
        if (!client.send(records.constData(), cut))
            fail("client send failed");
        for (int turn = 0; turn < 3; ++turn)
            pump();
        if (!client.send(records.constData() + cut, records.size() - cut))
            fail("client send failed");
        deliver("the bytes out of the record layer differ from the bytes in, cut in the ciphertext");
    }

    if (control & 0x80) {
        // A record that does not authenticate (or bytes that are no record): the session ends
        // and nothing of it reaches the reader.
        reader.pieces.clear();
        reader.total = 0;
        QByteArray bad;
        if (n % 2 == 0) {
            if (!client.write(input.constData(), n))
                fail("client write failed");
            bad = client.takeOutput();
            const qsizetype at = qsizetype((control * 31u + unsigned(n)) % unsigned(bad.size()));
            bad[at] = char(bad[at] ^ (1 << (n % 8)));
        } else {
            bad = input;
        }
        if (!client.send(bad.constData(), bad.size()))
            fail("client send failed");
        ::shutdown(pair[1], SHUT_WR);   // a record announced longer than it is waits no more
        for (int round = 0; round < 100000 && !reader.lost; ++round)
            pump();
        if (!reader.lost)
            fail("a forged record did not end the session");
        if (reader.total != 0)
            fail("bytes of a forged record were delivered");
    }

    SSL_shutdown(client.ssl);
    SSL_free(client.ssl);
    ::close(pair[1]);
    conn->setHandler(nullptr);
    delete conn;
    ERR_clear_error();
    return 0;
}
