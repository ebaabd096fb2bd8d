#include "core/Server.h"

#include "base/Logging.h"
#include "c2s/C2SListener.h"
#include "core/AccountService.h"
#include "core/AdminService.h"
#include "core/InvitePage.h"
#include "core/PlainDeriver.h"
#include "host/ModuleHost.h"
#include "http/HttpsListener.h"
#include "modules/SessionTimelineModule.h"
#include "modules/PepModule.h"
#include "modules/PepService.h"
#include "modules/MucService.h"
#include "modules/StandardModules.h"
#include "modules/UploadModule.h"
#include "modules/VCardModule.h"
#include "net/Transport.h"
#include "routing/StanzaRouter.h"
#include "session/SessionManager.h"
#include "storage/AccountStore.h"
#include "storage/AuditLog.h"
#include "storage/Database.h"
#include "storage/DomainRecord.h"

#include <QDateTime>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace {
// A data directory serves one domain: the first start records it, a later start with another
// domain stops here before anything is read or written (DomainRecord.h).
bool claimDomain(Database *database, const ServerConfig &config, QString *error)
{
    const QString recorded = DomainRecord(database).claim(config.domain, error);
    if (recorded.isEmpty())
        return false;
    if (recorded != config.domain) {
        *error = DomainRecord::mismatch(config.dataDir, recorded, config.domain);
        return false;
    }
    return true;
}
} // namespace

Server::Server(const ServerConfig &config, QObject *parent)
    : QObject(parent)
    , m_config(config)
{
}

Server::~Server()
{
    if (m_running)
        stop();
}

ModuleOptions Server::moduleOptions()
{
    return StandardModules::options();
}

bool Server::start(QString *error)
{
    m_database = std::make_unique<Database>();
    if (!m_database->open(m_config.dataDir, error) || !claimDomain(m_database.get(), m_config, error))
        return false;
    m_accountStore = std::make_unique<AccountStore>(m_database.get());
    m_accounts = std::make_unique<AccountService>(m_accountStore.get(), m_config.domain, m_config.scramIterations);

    QString tlsError;
    if (!m_config.tlsCert.isEmpty() || !m_config.tlsKey.isEmpty())
        m_identity = CertificateStore::loadFiles(m_config.tlsCert, m_config.tlsKey, &tlsError);
    else
        m_identity = CertificateStore::loadOrGenerate(m_config.dataDir, m_config.domain, &tlsError);
    if (!m_identity.isValid()) {
        *error = u"TLS certificate: "_s + tlsError;
        return false;
    }
    // One OpenSSL context for the certificate, shared by every TLS session (tls/TlsContext).
    const TlsContext tls = TlsContext::create(m_identity, &tlsError);
    if (tls.isNull()) {
        *error = u"TLS certificate: "_s + tlsError;
        return false;
    }

    m_lag = std::make_unique<EventLoopLag>();
    m_lag->start();

    m_sessions = std::make_unique<SessionManager>();
    m_sessions->setResourceConflictPolicy(m_config.resourceConflict);
    m_router = std::make_unique<StanzaRouter>(m_sessions.get(), m_config.domain);

    m_context.config = &m_config;
    m_context.sessions = m_sessions.get();
    m_context.router = m_router.get();
    m_context.credentials = m_accounts.get();
    m_plainDeriver = std::make_unique<PlainDeriver>(m_accounts.get());
    m_context.derivePlain = [deriver = m_plainDeriver.get()](const QString &username, const QByteArray &password,
                                                             std::function<void()> done) {
        deriver->derive(username, password, std::move(done));
    };
    m_context.tls = tls;
    m_context.tlsAvailable = true;
    m_context.isAccountDisabled = [this](const QString &username) { return m_accounts->isDisabled(username); };
    m_admin = std::make_unique<AdminService>(this);
    if (!m_admin->start(error))
        return false;
    m_context.keepOutText = [this](const QString &username) { return m_admin->keepOutText(username); };
    AuthThrottle::Policy throttle;
    throttle.delayMs = m_config.authDelayMs;
    throttle.delayMaxMs = m_config.authDelayMaxMs;
    throttle.accountFailures = m_config.authLockFailures;
    throttle.addressFailures = m_config.authLockFailuresPerIp;
    throttle.lockSeconds = m_config.authLockSeconds;
    m_authThrottle = std::make_unique<AuthThrottle>(throttle);
    connect(m_authThrottle.get(), &AuthThrottle::locksChanged, this, &Server::authLocksChanged);
    m_context.authThrottle = m_authThrottle.get();

    auto accountExists = [this](const QString &username) { return m_accountStore->exists(username); };
    m_host = std::make_unique<ModuleHost>(m_router.get(), m_sessions.get(), &m_config, m_database.get(), accountExists);
    m_host->setAdmin(m_admin.get());
    m_https = new HttpsListener(this);
    m_https->setUrlBase(m_config.httpsUrlBase, m_config.domain);
    StandardModules::load(*m_host, &m_context, m_https);
    m_timeline = m_host->find<SessionTimelineModule>();
    if (auto *pep = m_host->find<PepModule>())
        m_pep = &pep->service();
    m_upload = m_host->find<UploadModule>();
    if ((m_muc = m_host->find<MucService>())) {
        connect(m_muc, &MucService::roomsChanged, this, &Server::mucRoomsChanged);
        connect(m_muc, &MucService::occupantsChanged, this, &Server::mucOccupantsChanged);
        connect(m_muc, &MucService::affiliationsChanged, this, &Server::mucAffiliationsChanged);
    }
    m_context.host = m_host.get();

    m_c2s = new C2SListener(&m_context, false, this);
    if (!listen(m_c2s, m_config.c2sPort, u"c2s"_s, error))
        return false;
    if (m_config.c2sTlsEnabled) {
        m_c2sTls = new C2SListener(&m_context, true, this);
        if (!listen(m_c2sTls, m_config.c2sTlsPort, u"c2s-tls"_s, error))
            return false;
    }
    if (!startHttps(error))
        return false;
    if (m_config.allowPlainWithoutTls)
        qCWarning(lcServer) << "allow_plain_without_tls is on: passwords may cross the network in clear text";
    if (!m_config.requireEncryption)
        qCWarning(lcServer) << "require_encryption is off: clients may log in without TLS";
    startAdminFeeds();
    m_running = true;
    qCInfo(lcServer) << "serving" << m_config.domain << "with data in" << m_config.dataDir;
    return true;
}

bool Server::listen(C2SListener *listener, quint16 port, const QString &name, QString *error)
{
    if (!listener->listen(m_config.bindAddress, port)) {
        *error = u"cannot listen for %1 on %2:%3: %4"_s.arg(name, m_config.bindAddress.toString(),
                                                             QString::number(port), listener->errorString());
        return false;
    }
    Q_EMIT listening(name, m_config.bindAddress, listener->serverPort());
    return true;
}

bool Server::startHttps(QString *error)
{
    if (!m_https->wanted())
        return true;
    serveInvitePages();
    const quint16 port = m_config.effectiveHttpsPort();
    QString why;
    if (!m_https->listen(m_config.bindAddress, port, m_identity, &why)) {
        *error = u"cannot listen for https on %1:%2: %3"_s.arg(m_config.bindAddress.toString(), QString::number(port), why);
        return false;
    }
    Q_EMIT listening(u"https"_s, m_config.bindAddress, m_https->serverPort());
    return true;
}

void Server::serveInvitePages()
{
    // XEP-0401 §5's landing page at URL_BASE/invite?TOKEN (or /invite/TOKEN): which app to
    // install, and the button that opens the xmpp: link in it. Only valid invitations have one.
    auto page = [this](const QHttpServerRequest &request, QHttpServerResponder &responder,
                       const QRegularExpressionMatch &match) {
        const QString token = match.hasCaptured(1) ? match.captured(1) : request.url().query();
        const std::optional<Invite> invite = m_admin->inviteStore()->find(token);
        QByteArray body;
        auto status = QHttpServerResponder::StatusCode::Ok;
        if (invite && invite->status() == Invite::Status::Valid) {
            body = InvitePage::html(m_config.domain, invite->uri(m_config.domain), invite->username).toUtf8();
        } else {
            status = QHttpServerResponder::StatusCode::NotFound;
            body = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Invitation</title></head>"
                   "<body><p>This invitation is not valid (any more). Ask for a new one.</p></body></html>";
        }
        responder.writeStatusLine(status);
        responder.writeHeader("Content-Type", "text/html; charset=utf-8");
        responder.writeHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
        responder.writeHeader("X-Content-Type-Options", "nosniff");
        responder.writeHeader("Referrer-Policy", "no-referrer");   // the token is in the URL
        responder.writeHeader("Cache-Control", "no-store");
        responder.writeHeader("Content-Length", QByteArray::number(body.size()));
        responder.writeBody(body);
    };
    m_https->addRoute(QHttpServerRequest::Method::Get, u"/invite"_s, page);
    m_https->addRoute(QHttpServerRequest::Method::Get, u"/invite/([A-Za-z0-9_-]{1,64})"_s, page);
}

HttpsListener *Server::https() const
{
    return m_https;
}

quint16 Server::httpsPort() const
{
    return m_https ? m_https->serverPort() : 0;
}

quint16 Server::c2sPort() const
{
    return m_c2s ? m_c2s->serverPort() : 0;
}

quint16 Server::c2sTlsPort() const
{
    return m_c2sTls ? m_c2sTls->serverPort() : 0;
}

void Server::stop()
{
    if (!m_running)
        return;
    m_running = false;
    audit(u"stop server"_s, m_config.domain, u"%1 session(s) disconnected with system-shutdown"_s.arg(
                                                 m_sessions ? m_sessions->connectionCount() : 0));
    if (m_statsTimer)
        m_statsTimer->stop();
    if (m_c2s)
        m_c2s->close();
    if (m_c2sTls)
        m_c2sTls->close();
    if (m_https)
        m_https->close();
    const auto sessions = m_sessions->allSessions();
    for (Session *session : sessions)
        m_sessions->destroySession(session, StreamError::Condition::SystemShutdown, u"Server is shutting down"_s);
    for (Session *session : sessions) {
        if (Transport *conn = session->conn())
            conn->flush();
    }
    m_database->close();
    qCInfo(lcServer) << "stopped";
    Q_EMIT stopped();
}

void Server::kickSession(quint64 id, std::optional<StreamError::Condition> condition, const QString &reason)
{
    Session *session = m_sessions ? m_sessions->session(id) : nullptr;
    if (!session)
        return;
    audit(condition ? u"kick (%1)"_s.arg(StreamError::conditionName(*condition)) : u"kick (no stream error)"_s,
          describeSession(id), reason);
    m_sessions->destroySession(session, condition, reason, u"administrator"_s);
}

void Server::closeSession(quint64 id)
{
    Session *session = m_sessions ? m_sessions->session(id) : nullptr;
    if (!session)
        return;
    audit(u"close"_s, describeSession(id), QString());
    m_sessions->destroySession(session, std::nullopt, u"Closed by the administrator"_s, u"administrator"_s);
}

QList<quint64> Server::sessionIdsForJid(const QString &jidText) const
{
    QList<quint64> ids;
    if (!m_sessions)
        return ids;
    const Jid jid = Jid::parse(jidText);
    if (jid.isNull())
        return ids;
    if (jid.isFull()) {
        if (Session *s = m_sessions->sessionByFullJid(jid))
            ids.append(s->id());
    } else {
        for (Session *s : m_sessions->sessionsOfUser(jid))
            ids.append(s->id());
        // Also the user's sessions that authenticated but have not bound a resource yet.
        if (jid.domain() == m_config.domain) {
            const auto all = m_sessions->allSessions();
            for (Session *s : all) {
                if (s->type() == Session::Type::C2SUnbound && s->username() == jid.node())
                    ids.append(s->id());
            }
        }
    }
    return ids;
}

int Server::kickJid(const QString &jid, std::optional<StreamError::Condition> condition, const QString &reason)
{
    const QList<quint64> ids = sessionIdsForJid(jid);
    for (quint64 id : ids)
        kickSession(id, condition, reason);
    return int(ids.size());
}

int Server::closeJid(const QString &jid)
{
    const QList<quint64> ids = sessionIdsForJid(jid);
    for (quint64 id : ids)
        closeSession(id);
    return int(ids.size());
}

EventLoopLag::Summary Server::eventLoopLag(bool reset)
{
    if (!m_lag)
        return {};
    const EventLoopLag::Summary summary = m_lag->summary();
    if (reset)
        m_lag->reset();
    return summary;
}

// --- The console's entry points ---

void Server::startAdminFeeds()
{
    m_startedAt = QDateTime::currentDateTimeUtc();
    m_auditLog = std::make_unique<AuditLog>(m_database.get());
    connect(m_sessions.get(), &SessionManager::sessionsUpdated, this, &Server::sessionsUpdated);
    connect(m_sessions.get(), &SessionManager::sessionsUpdated, this, &Server::countStanzas);
    connect(m_sessions.get(), &SessionManager::traffic, this, &Server::traffic);
    m_statsTimer = new QTimer(this);
    m_statsTimer->setInterval(1000);
    connect(m_statsTimer, &QTimer::timeout, this, &Server::emitStatistics);
    m_lastTickMs = QDateTime::currentMSecsSinceEpoch();
    m_statsTimer->start();
}

void Server::audit(const QString &action, const QString &target, const QString &reason)
{
    AuditEntry entry;
    entry.action = action;
    entry.target = target;
    entry.reason = reason;
    if (!m_auditActor.isEmpty())
        entry.reason = reason.isEmpty() ? u"by %1"_s.arg(m_auditActor) : u"%1 (by %2)"_s.arg(reason, m_auditActor);
    QString error;
    if (!m_auditLog || !m_auditLog->append(&entry, &error)) {
        qCWarning(lcServer) << "cannot write the audit log:" << error;
        entry.time = QDateTime::currentDateTimeUtc();
    }
    qCInfo(lcServer).noquote() << "admin:" << action << target << (entry.reason.isEmpty() ? QString() : u"(%1)"_s.arg(entry.reason));
    Q_EMIT auditAppended(entry);
}

QString Server::describeSession(quint64 id) const
{
    const Session *s = m_sessions ? m_sessions->session(id) : nullptr;
    if (!s)
        return u"session %1"_s.arg(id);
    if (s->isConnectedResource())
        return s->fullJid().toString();
    const QString peer = s->conn() ? u"%1:%2"_s.arg(s->conn()->peerAddress().toString()).arg(s->conn()->peerPort())
                                   : u"session %1"_s.arg(id);
    if (!s->username().isEmpty())
        return u"%1@%2 (%3, unbound)"_s.arg(s->username(), m_config.domain, peer);
    return peer;
}

int Server::destroyUserSessions(const QString &username, StreamError::Condition condition, const QString &text)
{
    if (!m_sessions)
        return 0;
    int count = 0;
    const auto all = m_sessions->allSessions();
    for (Session *s : all) {
        if (s->username() == username && !s->isRetired()) {
            m_sessions->destroySession(s, condition, text, u"administrator"_s);
            ++count;
        }
    }
    return count;
}

QList<SessionSnapshot> Server::sessionSnapshots() const
{
    return m_sessions ? m_sessions->snapshots() : QList<SessionSnapshot>();
}

ServerInfo Server::serverInfo() const
{
    ServerInfo info;
    info.domain = m_config.domain;
    info.bindAddress = m_config.bindAddress.toString();
    info.c2sPort = c2sPort();
    info.c2sTlsPort = c2sTlsPort();
    info.requireEncryption = m_config.requireEncryption;
    info.dataDir = m_config.dataDir;
    info.version = QStringLiteral(SWITCHBOARD_VERSION);
    if (!m_identity.certificate.isNull()) {
        info.certificateSubject = CertificateStore::commonName(m_identity.certificate);
        info.certificateFingerprint = CertificateStore::sha256Fingerprint(m_identity.certificate);
        info.certificateExpiry = m_identity.certificate.expiryDate().toUTC();
        info.certificateSelfSigned = m_identity.certificate.isSelfSigned();
    }
    info.startedAt = m_startedAt;
    return info;
}

QList<AccountInfo> Server::accountList() const
{
    QList<AccountInfo> result;
    if (!m_accountStore)
        return result;
    const QStringList names = m_accountStore->usernames();
    for (const QString &name : names) {
        const auto account = m_accountStore->find(name);
        if (!account)
            continue;
        AccountInfo info;
        info.username = name;
        info.jid = name + u'@' + m_config.domain;
        info.disabled = account->disabled;
        info.created = account->created;
        result.append(info);
    }
    if (m_admin) {
        const QList<KeepOut> keepOuts = m_admin->keepOuts();
        for (AccountInfo &info : result) {
            for (const KeepOut &k : keepOuts) {
                if (k.username == info.username)
                    info.keptOutUntil = k.until;
            }
        }
    }
    return result;
}

QString Server::addAccount(const QString &user, const QString &password)
{
    QString error;
    if (!m_accounts)
        return u"the server is not running"_s;
    if (!m_accounts->addUser(user, password, &error))
        return error.isEmpty() ? u"cannot create the account"_s : error;
    QString ignored;
    audit(u"add account"_s, m_accounts->prepareUsername(user, &ignored) + u'@' + m_config.domain, QString());
    Q_EMIT accountsChanged();
    return QString();
}

QString Server::deleteAccount(const QString &user)
{
    QString error;
    if (!m_accounts)
        return u"the server is not running"_s;
    const QString username = m_accounts->prepareUsername(user, &error);
    if (username.isEmpty())
        return error;
    if (!m_accounts->deleteUser(username, &error))
        return error.isEmpty() ? u"cannot delete the account"_s : error;
    audit(u"delete account"_s, username + u'@' + m_config.domain, QString());
    destroyUserSessions(username, StreamError::Condition::NotAuthorized, u"This account has been deleted"_s);
    if (m_host)
        m_host->accountDeleted(username);
    Q_EMIT accountsChanged();
    return QString();
}

QString Server::setAccountPassword(const QString &user, const QString &password)
{
    QString error;
    if (!m_accounts)
        return u"the server is not running"_s;
    const QString username = m_accounts->prepareUsername(user, &error);
    if (username.isEmpty())
        return error;
    if (!m_accounts->setPassword(username, password, &error))
        return error.isEmpty() ? u"cannot set the password"_s : error;
    audit(u"reset password"_s, username + u'@' + m_config.domain, QString());
    Q_EMIT accountsChanged();
    return QString();
}

QString Server::setAccountDisabled(const QString &user, bool disabled, const QString &reason)
{
    QString error;
    if (!m_accounts)
        return u"the server is not running"_s;
    const QString username = m_accounts->prepareUsername(user, &error);
    if (username.isEmpty())
        return error;
    if (!m_accounts->setDisabled(username, disabled, &error))
        return error.isEmpty() ? u"cannot change the account"_s : error;
    audit(disabled ? u"disable account"_s : u"enable account"_s, username + u'@' + m_config.domain, reason);
    if (disabled) {
        destroyUserSessions(username, StreamError::Condition::NotAuthorized,
                            reason.isEmpty() ? u"This account has been disabled"_s : reason);
    }
    Q_EMIT accountsChanged();
    return QString();
}

QList<AuditEntry> Server::auditLog(int limit) const
{
    return m_auditLog ? m_auditLog->recent(limit) : QList<AuditEntry>();
}

void Server::requestSessionDetails(quint64 id)
{
    SessionDetails details;
    details.id = id;
    const Session *s = m_sessions ? m_sessions->session(id) : nullptr;
    if (m_timeline)
        details.timeline = m_timeline->timeline(id);
    if (!s || s->isRetired()) {
        Q_EMIT sessionDetails(details);
        return;
    }
    details.found = true;
    details.snapshot = s->snapshot();
    switch (s->type()) {
    case Session::Type::C2SUnauthed: details.type = u"c2s_unauthed"_s; break;
    case Session::Type::C2SUnbound: details.type = u"c2s_unbound"_s; break;
    case Session::Type::C2S: details.type = u"c2s"_s; break;
    }
    details.notopen = s->notopen();
    details.host = s->host();
    details.resource = s->resource();
    if (!s->presence().isNull())
        details.presence = s->presence().toString(u"jabber:client"_s);
    if (const auto &roster = s->roster()) {
        details.roster = roster->items.values();
        details.rosterVersion = roster->version;
    }
    if (!s->username().isEmpty()) {
        const auto all = m_sessions->allSessions();
        for (const Session *other : all) {
            if (other != s && other->username() == s->username())
                details.otherSessions.append(other->snapshot());
        }
    }
    Q_EMIT sessionDetails(details);
}

QList<SessionTimeline> Server::sessionTimelines(const QString &jid) const
{
    return m_timeline ? m_timeline->timelines(Jid::parse(jid)) : QList<SessionTimeline>();
}

QList<AuthLock> Server::authLocks() const
{
    return m_authThrottle ? m_authThrottle->locks() : QList<AuthLock>();
}

void Server::setSessionWatched(quint64 id, bool watched)
{
    if (m_sessions)
        m_sessions->setWatched(id, watched);
}

void Server::countStanzas(const QList<SessionSnapshot> &changed, const QList<quint64> &closed)
{
    for (const SessionSnapshot &s : changed) {
        const quint64 total = s.stanzasIn + s.stanzasOut;
        quint64 &last = m_stanzaTotals[s.id];
        if (total > last)
            m_stanzasSinceTick += total - last;
        last = total;
    }
    for (quint64 id : closed)
        m_stanzaTotals.remove(id);
}

void Server::emitStatistics()
{
    if (!m_sessions)
        return;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const double seconds = qMax<qint64>(1, now - m_lastTickMs) / 1000.0;
    m_lastTickMs = now;
    ServerStats stats;
    stats.time = QDateTime::currentDateTimeUtc();
    stats.stanzasPerSecond = double(m_stanzasSinceTick) / seconds;
    m_stanzasSinceTick = 0;
    stats.connections = m_sessions->connectionCount();
    stats.failedLogins = m_authThrottle ? m_authThrottle->failureTotal() : 0;
    stats.connected = m_sessions->connectedResourceCount();
    stats.available = int(m_sessions->availableResources().size());
    stats.interested = int(m_sessions->interestedResources().size());
    const auto all = m_sessions->allSessions();
    for (const Session *s : all) {
        if (s->type() == Session::Type::C2SUnauthed)
            ++stats.unauthenticated;
    }
    Q_EMIT statistics(stats);
}

// --- personal eventing, for the console ---

namespace {
const QString AvatarData = u"urn:xmpp:avatar:data"_s;
const QString AvatarMetadata = u"urn:xmpp:avatar:metadata"_s;

bool readableByContacts(const QString &accessModel)
{
    return accessModel == u"open" || accessModel == u"presence";
}

QByteArray imageOf(const XmlElement &data)
{
    const auto decoded = QByteArray::fromBase64Encoding(data.text().trimmed().toLatin1());
    return decoded ? decoded.decoded : QByteArray();
}
} // namespace

UserProfile Server::userProfile(const QString &user) const
{
    UserProfile profile;
    QString error;
    const QString username = m_accounts ? m_accounts->prepareUsername(user, &error) : QString();
    PepService *const pep = m_pep;
    if (username.isEmpty() || !pep)
        return profile;
    profile.user = username;
    for (const PepService::NodeSummary &node : pep->nodes(username)) {
        profile.nodes.append({node.name, node.items, node.accessModel});
        const bool readable = readableByContacts(node.accessModel);
        if (node.name == u"eu.siacs.conversations.axolotl.devicelist" || node.name == u"urn:xmpp:omemo:2:devices") {
            profile.omemoDeviceList = profile.omemoDeviceList || node.items > 0;
            profile.omemoDeviceListReadable = profile.omemoDeviceListReadable || (node.items > 0 && readable);
        } else if (node.name.startsWith(u"eu.siacs.conversations.axolotl.bundles:"_s)
                   || node.name == u"urn:xmpp:omemo:2:bundles") {
            profile.omemoBundles += node.items;
            profile.omemoBundlesReadable += readable ? node.items : 0;
        }
    }
    const QList<PepService::Item> nick = pep->items(username, u"http://jabber.org/protocol/nick"_s, 1);
    if (!nick.isEmpty())
        profile.nickname = nick.first().payload.text().trimmed();
    const XmlElement vcard = VCardModule::storedVCard(m_database.get(), username);
    if (profile.nickname.isEmpty() && !vcard.isNull()) {
        profile.nickname = vcard.childText(u"NICKNAME"_s, u"vcard-temp"_s).trimmed();
        if (profile.nickname.isEmpty())
            profile.nickname = vcard.childText(u"FN"_s, u"vcard-temp"_s).trimmed();
    }
    const QList<PepService::Item> metadata = pep->items(username, AvatarMetadata, 1);
    const QString id = metadata.isEmpty() ? QString()
                                          : metadata.first().payload.firstChildElement(u"info"_s).attribute(u"id"_s);
    if (!id.isEmpty()) {
        for (const PepService::Item &data : pep->items(username, AvatarData, -1)) {
            if (data.id == id)
                profile.avatar = imageOf(data.payload);
        }
    }
    return profile;
}

QHash<QString, QByteArray> Server::accountAvatars() const
{
    QHash<QString, QByteArray> avatars;
    PepService *const pep = m_pep;
    if (!pep)
        return avatars;
    const QHash<QString, PepService::Item> latest = pep->latestOfEveryOwner(AvatarData);
    for (auto it = latest.constBegin(); it != latest.constEnd(); ++it) {
        const QByteArray image = imageOf(it->payload);
        if (!image.isEmpty())
            avatars.insert(it.key(), image);
    }
    return avatars;
}

QString Server::deletePepNode(const QString &user, const QString &node)
{
    QString error;
    PepService *const pep = m_pep;
    if (!m_accounts || !pep)
        return u"the server is not running"_s;
    const QString username = m_accounts->prepareUsername(user, &error);
    if (username.isEmpty())
        return error;
    if (!pep->deleteNode(username, node))
        return u"no node %1 of %2"_s.arg(node, username);
    audit(u"delete PEP node"_s, username + u'@' + m_config.domain, node);
    return QString();
}

UploadOverview Server::uploadOverview() const
{
    UploadOverview overview;
    if (!m_upload || !m_upload->isReady())
        return overview;
    overview.enabled = true;
    overview.component = m_upload->componentDomain();
    overview.urlBase = m_https ? m_https->urlBase() : QString();
    overview.maxFileSize = m_upload->maxFileSize();
    overview.quota = m_upload->quota();
    overview.expiresAfterSeconds = m_upload->expiresAfterSeconds();
    overview.usage = m_upload->store()->usageByUser();
    overview.files = m_upload->store()->list();
    return overview;
}

QString Server::deleteUpload(const QString &id)
{
    if (!m_upload || !m_upload->isReady())
        return u"file upload is off"_s;
    UploadedFile removed;
    if (!m_upload->store()->remove(id, &removed))
        return u"no uploaded file %1"_s.arg(id);
    audit(u"delete upload"_s, removed.username + u'@' + m_config.domain,
          u"%1 (%2 bytes, %3)"_s.arg(removed.filename).arg(removed.size).arg(id));
    return {};
}

QList<MucRoomInfo> Server::mucRooms() const
{
    return m_muc ? m_muc->rooms() : QList<MucRoomInfo>();
}

QList<MucOccupantInfo> Server::mucOccupants(const QString &roomJid) const
{
    return m_muc ? m_muc->occupants(roomJid) : QList<MucOccupantInfo>();
}

QList<MucOccupantInfo> Server::mucOccupancies(const QString &jid) const
{
    return m_muc ? m_muc->occupancies(jid) : QList<MucOccupantInfo>();
}

QList<MucAffiliationInfo> Server::mucAffiliations(const QString &roomJid) const
{
    return m_muc ? m_muc->affiliations(roomJid) : QList<MucAffiliationInfo>();
}
