#include "core/AdminService.h"

#include "http/HttpsListener.h"

#include "base/Logging.h"
#include "core/AccountService.h"
#include "core/Server.h"
#include "http/HttpsListener.h"
#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "session/SessionManager.h"
#include "stanza/Jid.h"
#include "storage/AccountStore.h"
#include "storage/Database.h"

#include <QSet>
#include <QTimer>
#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
QString timeText(const QDateTime &time)
{
    return time.toUTC().toString(u"yyyy-MM-dd HH:mm:ss"_s) + u" UTC"_s;
}
} // namespace

AdminService::AdminService(Server *server)
    : m_server(server)
{
}

AdminService::~AdminService() = default;

bool AdminService::start(QString *error)
{
    Database *database = m_server->database();
    m_invites = std::make_unique<InviteStore>(database);
    if (!m_invites->ensureSchema(error))
        return false;
    if (!database->migrateModule(u"motd"_s, {u"CREATE TABLE motd (id INTEGER PRIMARY KEY CHECK (id = 1), text TEXT NOT NULL)"_s},
                                 error))
        return false;
    QSqlQuery q(database->connection());
    if (q.exec(u"SELECT text FROM motd WHERE id = 1"_s) && q.next())
        m_motd = q.value(0).toString();
    return true;
}

QString AdminService::withActor(const QString &actor, const std::function<QString()> &action)
{
    const QString before = m_server->m_auditActor;
    m_server->m_auditActor = actor == u"console" ? QString() : actor;
    const QString result = action();
    m_server->m_auditActor = before;
    return result;
}

void AdminService::audit(const QString &action, const QString &target, const QString &reason, const QString &actor)
{
    withActor(actor, [&] {
        m_server->audit(action, target, reason);
        return QString();
    });
}

QString AdminService::addAccount(const QString &user, const QString &password, const QString &actor)
{
    return withActor(actor, [&] { return m_server->addAccount(user, password); });
}

QString AdminService::deleteAccount(const QString &user, const QString &actor)
{
    return withActor(actor, [&] { return m_server->deleteAccount(user); });
}

QString AdminService::setAccountDisabled(const QString &user, bool disabled, const QString &reason, const QString &actor)
{
    return withActor(actor, [&] {
        const QString error = m_server->setAccountDisabled(user, disabled, reason);
        // Enabling lifts a temporary keep-out too: "until re-enabled" means exactly this.
        QString ignored;
        if (error.isEmpty() && !disabled && m_keepOuts.remove(m_server->accounts()->prepareUsername(user, &ignored))) {
            Q_EMIT keepOutsChanged();
            Q_EMIT m_server->accountsChanged();   // the Accounts tab shows the locks
        }
        return error;
    });
}

QString AdminService::setAccountPassword(const QString &user, const QString &password, const QString &actor)
{
    return withActor(actor, [&] { return m_server->setAccountPassword(user, password); });
}

QString AdminService::kickText(const QString &reason, const QDateTime &until, bool untilReenabled)
{
    QString text = reason.isEmpty() ? u"Kicked by the administrator"_s : reason;
    if (untilReenabled)
        text += u" (you cannot log in until an administrator enables your account again)"_s;
    else if (until.isValid())
        text += u" (you cannot log in again until %1)"_s.arg(timeText(until));
    return text;
}

QString AdminService::keepOutFailureText(const QDateTime &until)
{
    return u"Kept out by the administrator until %1"_s.arg(timeText(until));
}

int AdminService::endSessions(const QString &jidText, int keepOutSeconds, const QString &reason, const QString &actor,
                              QString *error)
{
    const Jid jid = Jid::parse(jidText);
    if (jid.isNull()) {
        *error = u"'%1' is not a valid JID"_s.arg(jidText);
        return -1;
    }
    if (keepOutSeconds != 0 && (jid.domain() != m_server->config().domain || jid.node().isEmpty()
                                || !m_server->accounts() || !m_server->m_accountStore->exists(jid.node()))) {
        *error = u"no account %1 to keep out"_s.arg(jid.bareString());
        return -1;
    }
    const QDateTime until = keepOutSeconds > 0 ? QDateTime::currentDateTimeUtc().addSecs(keepOutSeconds) : QDateTime();
    const QString text = kickText(reason, until, keepOutSeconds < 0);
    if (keepOutSeconds > 0) {
        // Before the kick: a client that reconnects at once is already refused.
        m_keepOuts.insert(jid.node(), KeepOut{jid.node(), until, reason});
        // The Accounts tab shows the lock until it ends.
        QTimer::singleShot(qint64(keepOutSeconds) * 1000 + 500, this, [this] {
            expireKeepOuts();
            Q_EMIT keepOutsChanged();
            Q_EMIT m_server->accountsChanged();
        });
        audit(u"keep out"_s, jid.bareString(), u"until %1"_s.arg(timeText(until)), actor);
        Q_EMIT keepOutsChanged();
        Q_EMIT m_server->accountsChanged();   // the Accounts tab shows the locks
    }
    const int count = int(withActor(actor, [&] {
        return QString::number(m_server->kickJid(jid.toString(), StreamError::Condition::PolicyViolation, text));
    }).toInt());
    if (keepOutSeconds < 0) {
        const QString problem = setAccountDisabled(jid.bareString(), true, reason.isEmpty() ? u"kept out"_s : reason, actor);
        if (!problem.isEmpty()) {
            *error = problem;
            return -1;
        }
    }
    return count;
}

void AdminService::expireKeepOuts() const
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (auto it = m_keepOuts.begin(); it != m_keepOuts.end();) {
        if (it->until <= now)
            it = m_keepOuts.erase(it);
        else
            ++it;
    }
}

QString AdminService::keepOutText(const QString &username) const
{
    const auto it = m_keepOuts.constFind(username);
    if (it == m_keepOuts.constEnd())
        return {};
    if (it->until <= QDateTime::currentDateTimeUtc()) {
        m_keepOuts.erase(m_keepOuts.find(username));
        return {};
    }
    return keepOutFailureText(it->until);
}

QList<KeepOut> AdminService::keepOuts() const
{
    expireKeepOuts();
    QList<KeepOut> list = m_keepOuts.values();
    std::sort(list.begin(), list.end(), [](const KeepOut &a, const KeepOut &b) { return a.until < b.until; });
    return list;
}

QString AdminService::liftKeepOut(const QString &user, const QString &actor)
{
    QString error;
    const QString username = m_server->accounts()->prepareUsername(user, &error);
    if (username.isEmpty())
        return error;
    if (!m_keepOuts.remove(username))
        return u"%1 is not kept out"_s.arg(username);
    audit(u"lift keep-out"_s, username + u'@' + m_server->config().domain, QString(), actor);
    Q_EMIT keepOutsChanged();
    Q_EMIT m_server->accountsChanged();   // the Accounts tab shows the locks
    return {};
}

QStringList AdminService::onlineUsers() const
{
    QSet<QString> users;
    const auto all = m_server->sessionManager()->allSessions();
    for (const Session *s : all) {
        if (s->isConnectedResource())
            users.insert(s->fullJid().bareString());
    }
    QStringList list(users.begin(), users.end());
    list.sort();
    return list;
}

int AdminService::registeredUserCount() const
{
    return m_server->m_accountStore ? m_server->m_accountStore->count() : 0;
}

int AdminService::announce(const QString &subject, const QString &body, bool everyone, const QString &actor)
{
    StanzaRouter *router = m_server->router();
    const QString domain = m_server->config().domain;
    auto message = [&](const QString &to) {
        XmlElement m(u"message"_s);
        m.setAttribute(u"from"_s, domain);
        m.setAttribute(u"to"_s, to);
        m.setAttribute(u"type"_s, u"normal"_s);
        if (!subject.isEmpty())
            m.appendTextElement(u"subject"_s, subject);
        m.appendTextElement(u"body"_s, body);
        return m;
    };
    int reached = 0;
    if (everyone) {
        // Through the message path: online users get it live, the others from offline storage
        // at their next login (XEP-0160).
        const QStringList names = m_server->accounts()->usernames();
        for (const QString &name : names)
            router->post(message(name + u'@' + domain));
        reached = int(names.size());
    } else {
        QSet<QString> users;
        const auto available = m_server->sessionManager()->availableResources();
        for (Session *s : available) {
            router->deliver(s, message(s->fullJid().toString()));
            users.insert(s->username());
        }
        reached = int(users.size());
    }
    audit(everyone ? u"announce to everyone"_s : u"announce to everyone online"_s,
          u"%1 account(s)"_s.arg(reached), subject.isEmpty() ? body.left(80) : subject, actor);
    return reached;
}

QString AdminService::messageOfTheDay() const
{
    return m_motd;
}

QString AdminService::setMessageOfTheDay(const QString &text, const QString &actor)
{
    QSqlQuery q(m_server->database()->connection());
    if (text.isEmpty()) {
        q.prepare(u"DELETE FROM motd"_s);
    } else {
        q.prepare(u"INSERT INTO motd (id, text) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET text = excluded.text"_s);
        q.addBindValue(text);
    }
    if (!q.exec())
        return q.lastError().text();
    m_motd = text;
    audit(text.isEmpty() ? u"delete message of the day"_s : u"set message of the day"_s, m_server->config().domain,
          text.left(80), actor);
    return {};
}

QString AdminService::invitePageUrl(const QString &token) const
{
    QString base = m_server->config().moduleOptions.value(u"invite_page_url"_s);
    if (base.isEmpty() && m_server->https() && m_server->https()->isListening())
        base = m_server->https()->url(u"/invite"_s);
    return base.isEmpty() ? QString() : base + u'?' + token;
}

QString AdminService::invitePageBase(const ServerConfig &config)
{
    const QString configured = config.moduleOptions.value(u"invite_page_url"_s);
    if (!configured.isEmpty())
        return configured;
    if (config.moduleOptions.value(u"upload"_s) == u"false")
        return {};
    QString base = config.httpsUrlBase;
    while (base.endsWith(u'/'))
        base.chop(1);
    if (base.isEmpty() && config.effectiveHttpsPort() != 0)
        base = u"https://%1:%2"_s.arg(config.domain).arg(config.effectiveHttpsPort());
    return base.isEmpty() ? QString() : base + u"/invite"_s;
}

bool AdminService::prepareInvite(Invite *spec, AccountService *accounts, const AccountStore *store, QString *error)
{
    if (!spec->username.isEmpty()) {
        const QString name = accounts->prepareUsername(spec->username, error);
        if (name.isEmpty())
            return false;
        if (store->exists(name)) {
            *error = u"account exists: %1"_s.arg(name);
            return false;
        }
        spec->username = name;
        if (spec->maxUses != 1) {
            *error = u"an invitation for a fixed account name can be used once only"_s;
            return false;
        }
    }
    if (!spec->contactOf.isEmpty()) {
        const QString name = accounts->prepareUsername(spec->contactOf, error);
        if (name.isEmpty())
            return false;
        if (!store->exists(name)) {
            *error = u"no account %1"_s.arg(name);
            return false;
        }
        spec->contactOf = name;
    }
    if (spec->maxUses < 1) {
        *error = u"an invitation needs at least one use"_s;
        return false;
    }
    return true;
}

QString AdminService::describeInvite(const Invite &invite)
{
    QStringList details{u"%1 use(s)"_s.arg(invite.maxUses)};
    if (invite.expires.isValid())
        details.append(u"expires %1"_s.arg(timeText(invite.expires)));
    if (!invite.username.isEmpty())
        details.append(u"account %1"_s.arg(invite.username));
    if (!invite.contactOf.isEmpty())
        details.append(u"contact of %1"_s.arg(invite.contactOf));
    if (!invite.room.isEmpty())
        details.append(u"room %1"_s.arg(invite.room));
    return details.join(u", "_s);
}

InviteResult AdminService::createInvite(Invite spec, const QString &actor)
{
    InviteResult result;
    if (!prepareInvite(&spec, m_server->accounts(), m_server->m_accountStore.get(), &result.error))
        return result;
    spec.createdBy = actor;
    if (!m_invites->create(&spec, &result.error))
        return result;
    result.invite = spec;
    result.uri = spec.uri(m_server->config().domain);
    result.pageUrl = invitePageUrl(spec.token);
    audit(u"create invite"_s, spec.token, describeInvite(spec), actor);
    Q_EMIT invitesChanged();
    return result;
}

QList<Invite> AdminService::invites() const
{
    return m_invites ? m_invites->list() : QList<Invite>();
}

QString AdminService::revokeInvite(const QString &token, const QString &actor)
{
    QString error;
    if (!m_invites->revoke(token, &error))
        return error;
    audit(u"revoke invite"_s, token, QString(), actor);
    Q_EMIT invitesChanged();
    return {};
}
