// The router and every feature (roster, presence, message, offline, ping, disco, version) fed
// arbitrary stanzas from bound sessions, without a client socket: the whole Server is started
// once on a throw-away data directory, two users each get a bound session on a closed
// connection (what it sends is dropped), and the input is parsed the way a client's stream is.
// Input: one control byte (bit 0: the sender is alice or bob), then the stream's content.
// Each session's connection is one end of a socket pair; where libexpat is built in, what the
// other end receives must be namespace-well-formed XML that expat and our parser read the same
// (a recipient's client library must never be handed a stream it cannot parse).

#include "FuzzSupport.h"

#include "core/AccountService.h"
#include "core/Server.h"
#include "net/Connection.h"
#include "routing/StanzaRouter.h"
#include "session/SessionManager.h"
#include "xml/XmlStreamParser.h"

#include <QAbstractEventDispatcher>
#include <QTemporaryDir>

#include <cstdlib>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef SWITCHBOARD_HAVE_EXPAT
#include "ExpatJudge.h"
#endif

namespace {

struct World
{
    QTemporaryDir dir{QStringLiteral("/tmp/sb-fuzz-XXXXXX")};
    std::unique_ptr<Server> server;
    Session *alice = nullptr;
    Session *bob = nullptr;
    int alicePeer = -1;   // our end of each session's socket pair
    int bobPeer = -1;

    World()
    {
        ServerConfig config;
        config.dataDir = dir.path();
        config.c2sPort = 0;
        config.c2sTlsEnabled = false;
        config.scramIterations = 4096;
        config.offlineQuota = 50;
        config.maxRosterItems = 50;
        server = std::make_unique<Server>(config);
        QString error;
        if (!server->start(&error)) {
            qInstallMessageHandler(nullptr);
            qCritical("fuzz_stanzas: cannot start the server: %s", qUtf8Printable(error));
            std::abort();
        }
        for (const char *user : {"alice", "bob", "carol"})
            server->accounts()->addUser(QString::fromLatin1(user), QStringLiteral("secret"), &error);
    }

    Session *bind(const QString &user, const QString &resource, int *peer)
    {
        SessionManager *sessions = server->sessionManager();
        int pair[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
            qInstallMessageHandler(nullptr);
            qCritical("fuzz_stanzas: socketpair failed");
            std::abort();
        }
        fcntl(pair[1], F_SETFL, fcntl(pair[1], F_GETFL) | O_NONBLOCK);
        if (*peer >= 0)
            ::close(*peer);
        *peer = pair[1];
        Session *session = sessions->createSession(new Connection(pair[0]), false);
        session->setStreamOpened(server->config().domain);
        sessions->authenticate(session, user, QStringLiteral("PLAIN"));
        QString r = resource;
        sessions->bindResource(session, &r);
        return session;
    }

    // Sessions a stanza got kicked (conflicts, errors) are replaced before the next input.
    void ensureSessions()
    {
        SessionManager *sessions = server->sessionManager();
        if (!alice || !sessions->session(alice->id()) || alice->isRetired())
            alice = bind(QStringLiteral("alice"), QStringLiteral("fuzz"), &alicePeer);
        if (!bob || !sessions->session(bob->id()) || bob->isRetired())
            bob = bind(QStringLiteral("bob"), QStringLiteral("fuzz"), &bobPeer);
    }
};

// Everything the server has written to a session so far (queued bytes are flushed by letting
// the event loop run until the socket has nothing more).
QByteArray drain(int peer)
{
    QByteArray received;
    char buffer[65536];
    for (int idle = 0; idle < 2;) {
        const ssize_t n = ::read(peer, buffer, sizeof buffer);
        if (n > 0) {
            received.append(buffer, n);
            idle = 0;
            continue;
        }
        ++idle;
        QCoreApplication::processEvents();
    }
    return received;
}

#ifdef SWITCHBOARD_HAVE_EXPAT
struct Reader : XmlStreamParser::Handler
{
    QList<XmlElement> elements;
    QString failure;
    void streamOpened(const XmlElement &, const QString &) override {}
    void elementReceived(const XmlElement &element) override { elements.append(element); }
    void streamClosed() override {}
    void streamFailed(XmlStreamParser::Error, const QString &text) override { failure = text; }
};

// The stanzas in bytes (up to a closing stream header, error or end) must parse with expat
// and give what our own parser gives.
void judge(const char *who, const QByteArray &bytes)
{
    qsizetype end = bytes.size();
    for (const char *closing : {"<?xml", "<stream:error", "</stream:stream>"}) {
        const qsizetype at = bytes.indexOf(closing);
        if (at >= 0)
            end = qMin(end, at);
    }
    const QByteArray stanzas = bytes.left(end);
    if (stanzas.isEmpty())
        return;
    const QString client = QStringLiteral("jabber:client");
    QList<XmlElement> byExpat;
    QString error;
    bool same = ExpatJudge::parse(stanzas, client, &byExpat, &error);
    Reader ours;
    XmlStreamParser parser(&ours);
    XmlStreamParser::Limits generous;
    generous.maxStanzaBytes = 64 * 1024 * 1024;
    parser.setLimits(generous);
    parser.feed("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" + stanzas);
    same = same && ours.failure.isEmpty() && ours.elements.size() == byExpat.size();
    for (qsizetype i = 0; same && i < byExpat.size(); ++i)
        same = ExpatJudge::canonical(ours.elements.at(i), client, nullptr) == byExpat.at(i);
    if (!same) {
        qInstallMessageHandler(nullptr);
        qCritical("%s received a stream expat and our parser do not read alike (%s%s):\n%s", who,
                  qUtf8Printable(error), qUtf8Printable(ours.failure), stanzas.constData());
        std::abort();
    }
}
#endif

struct Feeder : XmlStreamParser::Handler
{
    World *world = nullptr;
    Session *origin = nullptr;
    void streamOpened(const XmlElement &, const QString &) override {}
    void elementReceived(const XmlElement &element) override
    {
        // What C2SStream lets through to the router from a bound session.
        const QString name = element.name();
        if (element.xmlns() != QStringLiteral("jabber:client")
            || (name != QStringLiteral("message") && name != QStringLiteral("presence") && name != QStringLiteral("iq")))
            return;
        if (origin->isRetired())
            return;
        world->server->router()->routeFromClient(origin, element);
    }
    void streamClosed() override {}
    void streamFailed(XmlStreamParser::Error, const QString &) override {}
};

World *world()
{
    static World *w = new World;   // never destroyed: libFuzzer exits without unwinding
    return w;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    FuzzSupport::init();
    world();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    World *w = world();
    w->ensureSessions();
    Feeder feeder;
    feeder.world = w;
    feeder.origin = (data[0] & 1) ? w->bob : w->alice;
    XmlStreamParser parser(&feeder);
    parser.feed(QByteArrayLiteral("<stream:stream xmlns='jabber:client' "
                                  "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>"));
    parser.feed(QByteArray(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1)));
    const QByteArray toAlice = drain(w->alicePeer);
    const QByteArray toBob = drain(w->bobPeer);
#ifdef SWITCHBOARD_HAVE_EXPAT
    judge("alice", toAlice);
    judge("bob", toBob);
#endif
    // Retired sessions are deleted on the next event-loop turn; take that turn now.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return 0;
}
