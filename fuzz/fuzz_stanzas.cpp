// The router and every feature (roster, presence, message, offline, ping, disco, version) fed
// arbitrary stanzas from bound sessions, without a client socket: the whole Server is started
// once on a throw-away data directory, two users each get a bound session on a closed
// connection (what it sends is dropped), and the input is parsed the way a client's stream is.
// Input: one control byte (bit 0: the sender is alice or bob), then the stream's content.

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

namespace {

struct World
{
    QTemporaryDir dir{QStringLiteral("/tmp/sb-fuzz-XXXXXX")};
    std::unique_ptr<Server> server;
    Session *alice = nullptr;
    Session *bob = nullptr;

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

    Session *bind(const QString &user, const QString &resource)
    {
        SessionManager *sessions = server->sessionManager();
        Session *session = sessions->createSession(new Connection(-1), false);
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
            alice = bind(QStringLiteral("alice"), QStringLiteral("fuzz"));
        if (!bob || !sessions->session(bob->id()) || bob->isRetired())
            bob = bind(QStringLiteral("bob"), QStringLiteral("fuzz"));
    }
};

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
    void streamFailed(StreamError::Condition, const QString &) override {}
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
    // Retired sessions are deleted on the next event-loop turn; take that turn now.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return 0;
}
