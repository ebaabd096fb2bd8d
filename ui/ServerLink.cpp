#include "ServerLink.h"

#include "core/EpollEventDispatcher.h"
#include "core/Server.h"

#include <QThread>

using namespace Qt::StringLiterals;

namespace {
// After stop(), how long the server's thread keeps running so the sockets can write the
// closing bytes (system-shutdown, </stream:stream>) before they are destroyed.
constexpr unsigned long FlushMs = 250;
} // namespace

ServerLink::ServerLink(QObject *parent)
    : QObject(parent)
{
    qRegisterMetaType<SessionSnapshot>();
    qRegisterMetaType<QList<SessionSnapshot>>();
    qRegisterMetaType<QList<quint64>>();
    qRegisterMetaType<ServerStats>();
    qRegisterMetaType<AuditEntry>();
    qRegisterMetaType<SessionDetails>();
    qRegisterMetaType<QList<AuthLock>>();
}

ServerLink::~ServerLink()
{
    shutdown();
}

template<typename Result, typename Call>
Result ServerLink::query(Call call, Result fallback) const
{
    Server *server = m_server;
    if (!server)
        return fallback;
    Result result = fallback;
    QMetaObject::invokeMethod(server, [&result, &call, server] { result = call(server); },
                              Qt::BlockingQueuedConnection);
    return result;
}

template<typename Call>
void ServerLink::post(Call call)
{
    Server *server = m_server;
    if (!server)
        return;
    QMetaObject::invokeMethod(server, [call = std::move(call), server] { call(server); }, Qt::QueuedConnection);
}

bool ServerLink::start(const ServerConfig &config, QString *error, ServerThreadHook inServerThread)
{
    if (m_server) {
        *error = u"the server is already running"_s;
        return false;
    }
    auto *thread = new QThread(this);
    thread->setObjectName(u"switchboard-server"_s);
    // The server's loop on epoll: a turn costs O(ready sockets), not O(sessions).
    if (EpollEventDispatcher::wanted())
        thread->setEventDispatcher(new EpollEventDispatcher);
    auto *server = new Server(config);
    // Connected while the server is still in this thread; the emissions come from the server's
    // thread, so they are queued to us (values only).
    connect(server, &Server::listening, this, &ServerLink::listening);
    connect(server, &Server::sessionsUpdated, this, &ServerLink::sessionsUpdated);
    connect(server, &Server::traffic, this, &ServerLink::traffic);
    connect(server, &Server::statistics, this, &ServerLink::statistics);
    connect(server, &Server::auditAppended, this, &ServerLink::auditAppended);
    connect(server, &Server::accountsChanged, this, &ServerLink::accountsChanged);
    connect(server, &Server::sessionDetails, this, &ServerLink::sessionDetails);
    connect(server, &Server::authLocksChanged, this, &ServerLink::authLocksChanged);
    server->moveToThread(thread);
    // Deleted in its own thread as the thread finishes.
    connect(thread, &QThread::finished, server, &QObject::deleteLater);
    thread->start();

    bool started = false;
    QString failure;
    QMetaObject::invokeMethod(server, [&started, &failure, &inServerThread, server] {
        if (inServerThread && !inServerThread(server, &failure))
            return;
        started = server->start(&failure);
    }, Qt::BlockingQueuedConnection);

    if (!started) {
        thread->quit();
        thread->wait();
        delete thread;
        *error = failure.isEmpty() ? u"the server did not start"_s : failure;
        return false;
    }
    m_thread = thread;
    m_server = server;
    return true;
}

void ServerLink::shutdown()
{
    if (!m_server)
        return;
    Server *server = m_server;
    m_server = nullptr;
    QMetaObject::invokeMethod(server, [server] { server->stop(); }, Qt::BlockingQueuedConnection);
    QThread::msleep(FlushMs);   // the server's event loop flushes meanwhile
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    Q_EMIT stopped();
}

QList<SessionSnapshot> ServerLink::sessions() const
{
    return query([](Server *s) { return s->sessionSnapshots(); }, QList<SessionSnapshot>());
}

ServerInfo ServerLink::serverInfo() const
{
    return query([](Server *s) { return s->serverInfo(); }, ServerInfo());
}

QList<AccountInfo> ServerLink::accounts() const
{
    return query([](Server *s) { return s->accountList(); }, QList<AccountInfo>());
}

QList<AuditEntry> ServerLink::auditLog(int limit) const
{
    return query([limit](Server *s) { return s->auditLog(limit); }, QList<AuditEntry>());
}

QString ServerLink::addAccount(const QString &user, const QString &password)
{
    return query([&](Server *s) { return s->addAccount(user, password); }, u"the server is not running"_s);
}

QString ServerLink::deleteAccount(const QString &user)
{
    return query([&](Server *s) { return s->deleteAccount(user); }, u"the server is not running"_s);
}

QString ServerLink::setPassword(const QString &user, const QString &password)
{
    return query([&](Server *s) { return s->setAccountPassword(user, password); }, u"the server is not running"_s);
}

QString ServerLink::setAccountDisabled(const QString &user, bool disabled, const QString &reason)
{
    return query([&](Server *s) { return s->setAccountDisabled(user, disabled, reason); },
                 u"the server is not running"_s);
}

void ServerLink::kickSession(quint64 id, std::optional<StreamError::Condition> condition, const QString &reason)
{
    post([id, condition, reason](Server *s) { s->kickSession(id, condition, reason); });
}

void ServerLink::closeSession(quint64 id)
{
    post([id](Server *s) { s->closeSession(id); });
}

void ServerLink::kickJid(const QString &jid, std::optional<StreamError::Condition> condition, const QString &reason)
{
    post([jid, condition, reason](Server *s) { s->kickJid(jid, condition, reason); });
}

void ServerLink::requestSessionDetails(quint64 id)
{
    post([id](Server *s) { s->requestSessionDetails(id); });
}

void ServerLink::setWatched(quint64 id, bool watched)
{
    post([id, watched](Server *s) { s->setSessionWatched(id, watched); });
}

// --- invitations, keep-out locks, announcements ---

QString ServerLink::kickKeepOut(const QString &bareJid, int keepOutSeconds, const QString &reason)
{
    return query([&](Server *s) {
        QString error;
        return s->admin()->endSessions(bareJid, keepOutSeconds, reason, u"console"_s, &error) < 0 ? error : QString();
    }, u"the server is not running"_s);
}

QList<KeepOut> ServerLink::keepOuts() const
{
    return query([](Server *s) { return s->admin()->keepOuts(); }, QList<KeepOut>());
}

QString ServerLink::liftKeepOut(const QString &user)
{
    return query([&](Server *s) { return s->admin()->liftKeepOut(user, u"console"_s); }, u"the server is not running"_s);
}

InviteResult ServerLink::createInvite(const Invite &spec)
{
    InviteResult stopped;
    stopped.error = u"the server is not running"_s;
    return query([&](Server *s) { return s->admin()->createInvite(spec, u"console"_s); }, stopped);
}

QList<Invite> ServerLink::invites() const
{
    return query([](Server *s) { return s->admin()->invites(); }, QList<Invite>());
}

QString ServerLink::revokeInvite(const QString &token)
{
    return query([&](Server *s) { return s->admin()->revokeInvite(token, u"console"_s); }, u"the server is not running"_s);
}

int ServerLink::announce(const QString &subject, const QString &body, bool everyone)
{
    return query([&](Server *s) { return s->admin()->announce(subject, body, everyone, u"console"_s); }, -1);
}

UserProfile ServerLink::userProfile(const QString &user) const
{
    return query([&](Server *s) { return s->userProfile(user); }, UserProfile());
}

UploadOverview ServerLink::uploadOverview() const
{
    return query([](Server *s) { return s->uploadOverview(); }, UploadOverview());
}

QString ServerLink::deleteUpload(const QString &id)
{
    return query([&](Server *s) { return s->deleteUpload(id); }, u"the server is not running"_s);
}

QHash<QString, QByteArray> ServerLink::accountAvatars() const
{
    return query([](Server *s) { return s->accountAvatars(); }, QHash<QString, QByteArray>());
}

QString ServerLink::deletePepNode(const QString &user, const QString &node)
{
    return query([&](Server *s) { return s->deletePepNode(user, node); }, u"the server is not running"_s);
}
