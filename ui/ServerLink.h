#pragma once

#include "base/ServerConfig.h"
#include "core/AdminService.h"
#include "core/AdminTypes.h"
#include "core/UploadOverview.h"
#include "session/AuthThrottle.h"
#include "session/SessionSnapshot.h"
#include "stanza/StreamError.h"
#include "storage/AuditLog.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <functional>
#include <optional>

class QThread;
class Server;

// The console's only way to the server, which runs in its own thread. Nothing here touches a
// server object from the UI thread: the server's signals arrive queued (values only) and are
// re-emitted here; requests go to the server's slots and Q_INVOKABLEs via
// QMetaObject::invokeMethod (queued for actions, blocking for the few queries that return a
// value).
class ServerLink : public QObject
{
    Q_OBJECT
public:
    // Runs in the server's thread just before Server::start (the control socket goes there).
    using ServerThreadHook = std::function<bool(Server *server, QString *error)>;

    explicit ServerLink(QObject *parent = nullptr);
    ~ServerLink() override;   // shuts down if still running

    // Creates the server in a new thread and starts it; false with *error if it cannot.
    bool start(const ServerConfig &config, QString *error, ServerThreadHook inServerThread = {});
    // Graceful stop: system-shutdown to every client, the closing bytes flushed, the database
    // closed, then the thread ends. Blocks for a fraction of a second. Safe to call twice.
    void shutdown();
    bool isRunning() const { return m_server != nullptr; }

    // --- queries (blocking; cheap on the server side) ---
    QList<SessionSnapshot> sessions() const;
    ServerInfo serverInfo() const;
    QList<AccountInfo> accounts() const;
    QList<AuditEntry> auditLog(int limit = 1000) const;

    // --- account changes (blocking; the error text, empty on success) ---
    QString addAccount(const QString &user, const QString &password);
    QString deleteAccount(const QString &user);
    QString setPassword(const QString &user, const QString &password);
    QString setAccountDisabled(const QString &user, bool disabled, const QString &reason = QString());

    // --- personal eventing (blocking) ---
    UserProfile userProfile(const QString &user) const;
    QHash<QString, QByteArray> accountAvatars() const;
    QString deletePepNode(const QString &user, const QString &node);   // the error text, empty on success

    // --- uploaded files (blocking; XEP-0363) ---
    UploadOverview uploadOverview() const;
    QString deleteUpload(const QString &id);   // the error text, empty on success

    // --- session actions (queued, by id or JID) ---
    void kickSession(quint64 id, std::optional<StreamError::Condition> condition, const QString &reason);
    void closeSession(quint64 id);
    // A bare JID: all of the user's sessions.
    void kickJid(const QString &jid, std::optional<StreamError::Condition> condition, const QString &reason);
    void requestSessionDetails(quint64 id);

    // --- invitations, keep-out locks, announcements (blocking; core/AdminService) ---
    // A kick that keeps the account out: every session of the bare JID gets policy-violation;
    // keepOutSeconds > 0 refuses logins that long, < 0 disables the account. Error text.
    QString kickKeepOut(const QString &bareJid, int keepOutSeconds, const QString &reason);
    QList<KeepOut> keepOuts() const;
    QString liftKeepOut(const QString &user);
    InviteResult createInvite(const Invite &spec);
    QList<Invite> invites() const;
    QString revokeInvite(const QString &token);
    int announce(const QString &subject, const QString &body, bool everyone);
    void setWatched(quint64 id, bool watched);

Q_SIGNALS:
    void listening(const QString &name, const QHostAddress &address, quint16 port);
    void sessionsUpdated(const QList<SessionSnapshot> &changed, const QList<quint64> &closed);
    void traffic(quint64 sessionId, bool incoming, const QByteArray &data);
    void statistics(const ServerStats &stats);
    void auditAppended(const AuditEntry &entry);
    void accountsChanged();
    void sessionDetails(const SessionDetails &details);
    void authLocksChanged(const QList<AuthLock> &locks);
    void stopped();

private:
    template<typename Result, typename Call>
    Result query(Call call, Result fallback) const;
    template<typename Call>
    void post(Call call);

    QThread *m_thread = nullptr;
    Server *m_server = nullptr;
};
