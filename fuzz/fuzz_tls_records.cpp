// The TLS-to-XML boundary: a real TLS 1.3 session between an OpenSSL client and a Connection
// (over a socket pair), the input sent as application data split into two records at every
// offset (at most 40 evenly spaced ones for longer inputs), read by the server side in pieces
// whose size the input chooses (often smaller than a record, so that plaintext waits inside
// OpenSSL between reads). Whatever the split, the bytes that come out must be exactly the
// input, and the stream parser fed those pieces must deliver the same events as when fed the
// input in one go.

#include "FuzzSupport.h"

#include "net/Connection.h"
#include "tls/CertificateStore.h"
#include "tls/TlsContext.h"
#include "xml/XmlStreamParser.h"

#include <QCoreApplication>
#include <QTemporaryDir>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr qsizetype MaxInput = 4096;
constexpr int MaxSplits = 40;   // every offset of a short input; evenly spaced ones beyond

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

// Writes all of bytes as one TLS record (the socket pair has room: inputs are small).
bool clientWrite(SSL *ssl, const char *bytes, int size)
{
    int done = 0;
    for (int round = 0; done < size && round < 1000; ++round) {
        const int n = SSL_write(ssl, bytes + done, size - done);
        if (n > 0) {
            done += n;
            continue;
        }
        const int e = SSL_get_error(ssl, n);
        if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
            return false;
        pump();
    }
    return done == size;
}

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

    SSL *client = SSL_new(s.client);
    SSL_set_fd(client, pair[1]);
    SSL_set_connect_state(client);
    bool clientDone = false;
    for (int round = 0; round < 10000 && !(clientDone && reader.encrypted); ++round) {
        if (!clientDone) {
            const int r = SSL_do_handshake(client);
            if (r == 1)
                clientDone = true;
            else if (const int e = SSL_get_error(client, r); e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                fail("client handshake failed");
        }
        pump();
        if (reader.lost)
            fail("server lost the connection during the handshake");
    }
    if (!clientDone || !reader.encrypted)
        fail("handshake did not finish");

    const Collector reference = parse({input});
    const int n = int(input.size());
    const int stride = n / MaxSplits + 1;
    for (int split = 0; split <= n; split += stride) {
        reader.pieces.clear();
        reader.total = 0;
        if ((split > 0 && !clientWrite(client, input.constData(), split))
            || (split < n && !clientWrite(client, input.constData() + split, n - split)))
            fail("client write failed");
        for (int round = 0; round < 100000 && reader.total < n && !reader.lost; ++round)
            pump();
        if (reader.lost)
            fail("server lost the connection");
        if (reader.pieces.join() != input)
            fail("the bytes out of TLS differ from the bytes in");
        if (!(parse(reader.pieces) == reference))
            fail("the parser's events depend on where TLS records and reads split the stream");
    }

    SSL_shutdown(client);
    SSL_free(client);
    ::close(pair[1]);
    conn->setHandler(nullptr);
    delete conn;
    ERR_clear_error();
    return 0;
}
