#pragma once

#include "base/ServerConfig.h"
#include "c2s/C2SContext.h"
#include "core/AdminTypes.h"
#include "core/EventLoopLag.h"
#include "core/UploadOverview.h"
#include "host/ModuleOption.h"
#include "session/AuthThrottle.h"
#include "session/SessionSnapshot.h"
#include "stanza/StreamError.h"
#include "storage/AuditLog.h"
#include "tls/CertificateStore.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <memory>
#include <optional>

class AccountService;
class AccountStore;
class AdminService;
class AuditLog;
class C2SListener;
class HttpsListener;
class Database;
class ModuleHost;
class PlainDeriver;
class SessionManager;
class PepService;
class SessionTimelineModule;
class UploadModule;
class StanzaRouter;
class QTimer;

// The whole XMPP server behind one object: storage, TLS identity, sessions, router, features
// and listeners. Lives in one thread (its own, under the console); everything public that an
// observer in another thread may call is a slot or Q_INVOKABLE, and everything it reports is a
// signal carrying values.
class Server : public QObject
{
    Q_OBJECT
public:
    explicit Server(const ServerConfig &config, QObject *parent = nullptr);
    ~Server() override;

    // The config keys the loaded modules declare (the config file accepts these besides the
    // server's own).
    static ModuleOptions moduleOptions();

    // Opens the database, loads or generates the certificate, loads the modules and
    // starts listening. Returns false with *error on failure (nothing keeps running then).
    bool start(QString *error);
    bool isRunning() const { return m_running; }

    const ServerConfig &config() const { return m_config; }
    quint16 c2sPort() const;
    quint16 c2sTlsPort() const;
    // The HTTPS listener (file upload, invitation pages, WebSocket): modules add their routes
    // while loading; it listens only if one did. Port 0 when it does not listen.
    HttpsListener *https() const;
    quint16 httpsPort() const;
    const CertificateStore::Identity &tlsIdentity() const { return m_identity; }

    // Same-thread access for modules and tests.
    SessionManager *sessionManager() const { return m_sessions.get(); }
    StanzaRouter *router() const { return m_router.get(); }
    AccountService *accounts() const { return m_accounts.get(); }
    // Invitations, keep-out locks, announcements, the message of the day, and the actions the
    // modules' ad-hoc commands share with the console (core/AdminService).
    AdminService *admin() const { return m_admin.get(); }
    Database *database() const { return m_database.get(); }
    // How late this thread's event loop runs (see EventLoopLag); `reset` starts a new window
    // after this summary.
    EventLoopLag::Summary eventLoopLag(bool reset);

    // --- The console's entry points: call them in the server's thread (QMetaObject::
    // invokeMethod from another one). Account changes return an error text, empty on success;
    // every admin action is written to the audit log.
    Q_INVOKABLE QList<SessionSnapshot> sessionSnapshots() const;
    Q_INVOKABLE ServerInfo serverInfo() const;
    Q_INVOKABLE QList<AccountInfo> accountList() const;
    Q_INVOKABLE QString addAccount(const QString &user, const QString &password);
    Q_INVOKABLE QString deleteAccount(const QString &user);         // also kicks its sessions
    Q_INVOKABLE QString setAccountPassword(const QString &user, const QString &password);
    // Disabling blocks new logins and kicks the user's sessions with not-authorized.
    Q_INVOKABLE QString setAccountDisabled(const QString &user, bool disabled, const QString &reason);
    Q_INVOKABLE QList<AuditEntry> auditLog(int limit) const;        // newest first
    // Answers with sessionDetails() (found = false once the session is gone).
    Q_INVOKABLE void requestSessionDetails(quint64 id);
    // Only watched sessions report their traffic.
    Q_INVOKABLE void setSessionWatched(quint64 id, bool watched);
    // Accounts and client addresses locked by failed logins (auth_lock_* settings), soonest
    // to expire first; authLocksChanged() tells when the list changes.
    Q_INVOKABLE QList<AuthLock> authLocks() const;
    // The lifecycle timelines of a JID's sessions (a bare JID: all the user's), live and
    // recently closed, oldest first (SessionTimelineModule).
    Q_INVOKABLE QList<SessionTimeline> sessionTimelines(const QString &jid) const;
    // Personal eventing of one account (PEP nodes, avatar, nickname, OMEMO), for the console.
    Q_INVOKABLE UserProfile userProfile(const QString &user) const;
    // Every account's avatar image (XEP-0084 data), by username.
    Q_INVOKABLE QHash<QString, QByteArray> accountAvatars() const;
    // Deletes one PEP node of the user (its subscribers are told, XEP-0060 §8.4); audited.
    // The error text, empty on success.
    Q_INVOKABLE QString deletePepNode(const QString &user, const QString &node);
    // Uploaded files (XEP-0363, UploadModule): limits, usage per user, the files.
    Q_INVOKABLE UploadOverview uploadOverview() const;
    // Deletes one uploaded file (row and bytes); audited. The error text, empty on success.
    Q_INVOKABLE QString deleteUpload(const QString &id);

public Q_SLOTS:
    // Graceful: every client gets system-shutdown (contacts get unavailable presence first).
    void stop();
    // Admin actions by session id; a kick sends the stream error (none: plain close).
    void kickSession(quint64 id, std::optional<StreamError::Condition> condition, const QString &reason);
    void closeSession(quint64 id);
    // All sessions of a bare JID, or the one full JID. Returns how many were acted on.
    int kickJid(const QString &jid, std::optional<StreamError::Condition> condition, const QString &reason);
    int closeJid(const QString &jid);

Q_SIGNALS:
    void authLocksChanged(const QList<AuthLock> &locks);
    void listening(const QString &name, const QHostAddress &address, quint16 port);
    void stopped();
    // Forwarded from the SessionManager (batched at most ten a second) for observers that
    // connect before start().
    void sessionsUpdated(const QList<SessionSnapshot> &changed, const QList<quint64> &closed);
    void traffic(quint64 sessionId, bool incoming, const QByteArray &data);
    void statistics(const ServerStats &stats);                     // once a second
    void auditAppended(const AuditEntry &entry);
    void accountsChanged();
    void sessionDetails(const SessionDetails &details);

private:
    friend class AdminService;   // runs the account actions with its actor in the audit log

    bool listen(C2SListener *listener, quint16 port, const QString &name, QString *error);
    bool startHttps(QString *error);
    void serveInvitePages();
    QList<quint64> sessionIdsForJid(const QString &jid) const;
    void startAdminFeeds();
    void audit(const QString &action, const QString &target, const QString &reason);
    QString describeSession(quint64 id) const;
    int destroyUserSessions(const QString &username, StreamError::Condition condition, const QString &text);
    void countStanzas(const QList<SessionSnapshot> &changed, const QList<quint64> &closed);
    void emitStatistics();

    ServerConfig m_config;
    bool m_running = false;
    CertificateStore::Identity m_identity;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<AccountStore> m_accountStore;
    std::unique_ptr<AccountService> m_accounts;
    std::unique_ptr<PlainDeriver> m_plainDeriver;     // before the sessions: outlives none of them
    std::unique_ptr<SessionManager> m_sessions;
    std::unique_ptr<StanzaRouter> m_router;
    std::unique_ptr<ModuleHost> m_host;              // the loaded modules (server/modules/)
    SessionTimelineModule *m_timeline = nullptr;     // one of them, for the console
    PepService *m_pep = nullptr;                     // PEP's, for the console's profile view
    UploadModule *m_upload = nullptr;                // file upload's, for the console's Uploads view
    std::unique_ptr<AuthThrottle> m_authThrottle;
    C2SContext m_context;
    QPointer<C2SListener> m_c2s;
    QPointer<C2SListener> m_c2sTls;
    QPointer<HttpsListener> m_https;
    // The console's feeds.
    std::unique_ptr<AuditLog> m_auditLog;
    std::unique_ptr<AdminService> m_admin;
    QString m_auditActor;    // who asks for the action under way, when not the console
    QTimer *m_statsTimer = nullptr;
    std::unique_ptr<EventLoopLag> m_lag;
    QDateTime m_startedAt;
    QHash<quint64, quint64> m_stanzaTotals;    // per session, as of its last snapshot
    quint64 m_stanzasSinceTick = 0;
    qint64 m_lastTickMs = 0;
};
