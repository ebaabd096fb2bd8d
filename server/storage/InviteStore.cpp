#include "storage/InviteStore.h"

#include "auth/Crypto.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace {
QString isoTime(const QDateTime &time)
{
    return time.isValid() ? time.toUTC().toString(Qt::ISODate) : QString();
}
QDateTime fromIso(const QVariant &value)
{
    const QString text = value.toString();
    if (text.isEmpty())
        return {};
    return QDateTime::fromString(text, Qt::ISODate).toUTC();   // written with 'Z'

}
QVariant textOrNull(const QString &value)
{
    return value.isEmpty() ? QVariant(QMetaType::fromType<QString>()) : QVariant(value);
}

Invite fromQuery(const QSqlQuery &q)
{
    Invite invite;
    invite.token = q.value(0).toString();
    invite.created = fromIso(q.value(1));
    invite.expires = fromIso(q.value(2));
    invite.maxUses = q.value(3).toInt();
    invite.uses = q.value(4).toInt();
    invite.username = q.value(5).toString();
    invite.contactOf = q.value(6).toString();
    invite.room = q.value(7).toString();
    invite.createdBy = q.value(8).toString();
    invite.revoked = q.value(9).toBool();
    return invite;
}
const QString Columns = u"token, created, expires, max_uses, uses, username, contact_of, room, created_by, revoked"_s;
} // namespace

Invite::Status Invite::status(const QDateTime &now) const
{
    if (revoked)
        return Status::Revoked;
    if (expires.isValid() && expires <= now)
        return Status::Expired;
    if (uses >= maxUses)
        return Status::UsedUp;
    return Status::Valid;
}

QString Invite::statusText(Status status)
{
    switch (status) {
    case Status::Valid: return u"valid"_s;
    case Status::Unknown: return u"unknown"_s;
    case Status::Revoked: return u"revoked"_s;
    case Status::Expired: return u"expired"_s;
    case Status::UsedUp: return u"used"_s;
    }
    return {};
}

QString Invite::uri(const QString &domain) const
{
    const QString address = username.isEmpty() ? domain : username + u'@' + domain;
    return u"xmpp:%1?register;preauth=%2"_s.arg(address, token);
}

InviteStore::InviteStore(Database *database)
    : m_database(database)
{
}

QStringList InviteStore::schema()
{
    return {
        u"CREATE TABLE invites ("
        " token TEXT PRIMARY KEY,"
        " created TEXT NOT NULL,"
        " expires TEXT,"
        " max_uses INTEGER NOT NULL CHECK (max_uses >= 1),"
        " uses INTEGER NOT NULL DEFAULT 0,"
        " username TEXT,"
        " contact_of TEXT,"
        " room TEXT,"
        " created_by TEXT NOT NULL DEFAULT '',"
        " revoked INTEGER NOT NULL DEFAULT 0)"_s,
        // SQLite's driver runs one statement per exec(): one table per step.
        u"CREATE TABLE invite_uses ("
        " token TEXT NOT NULL REFERENCES invites(token) ON DELETE CASCADE,"
        " username TEXT NOT NULL,"
        " time TEXT NOT NULL)"_s,
    };
}

bool InviteStore::ensureSchema(QString *error)
{
    return m_database->migrateModule(u"invites"_s, schema(), error);
}

QString InviteStore::generateToken()
{
    return QString::fromLatin1(
        Crypto::randomBytes(18).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool InviteStore::create(Invite *invite, QString *error)
{
    if (invite->token.isEmpty())
        invite->token = generateToken();
    if (!invite->created.isValid())
        invite->created = QDateTime::currentDateTimeUtc();
    QSqlQuery q(m_database->connection());
    q.prepare(u"INSERT INTO invites (%1) VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, 0)"_s.arg(Columns));
    q.addBindValue(invite->token);
    q.addBindValue(isoTime(invite->created));
    q.addBindValue(textOrNull(isoTime(invite->expires)));
    q.addBindValue(invite->maxUses);
    q.addBindValue(textOrNull(invite->username));
    q.addBindValue(textOrNull(invite->contactOf));
    q.addBindValue(textOrNull(invite->room));
    q.addBindValue(invite->createdBy.isNull() ? u""_s : invite->createdBy);   // a null QString binds as NULL
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    return true;
}

std::optional<Invite> InviteStore::find(const QString &token) const
{
    QSqlQuery q(m_database->connection());
    q.prepare(u"SELECT %1 FROM invites WHERE token = ?"_s.arg(Columns));
    q.addBindValue(token);
    if (!q.exec() || !q.next())
        return std::nullopt;
    Invite invite = fromQuery(q);
    QSqlQuery uses(m_database->connection());
    uses.prepare(u"SELECT username FROM invite_uses WHERE token = ? ORDER BY rowid"_s);
    uses.addBindValue(token);
    if (uses.exec()) {
        while (uses.next())
            invite.usedBy.append(uses.value(0).toString());
    }
    return invite;
}

QList<Invite> InviteStore::list() const
{
    QList<Invite> result;
    QSqlQuery q(m_database->connection());
    if (!q.exec(u"SELECT %1 FROM invites ORDER BY created DESC, rowid DESC"_s.arg(Columns)))
        return result;
    while (q.next())
        result.append(fromQuery(q));
    QSqlQuery uses(m_database->connection());
    if (uses.exec(u"SELECT token, username FROM invite_uses ORDER BY rowid"_s)) {
        while (uses.next()) {
            const QString token = uses.value(0).toString();
            for (Invite &invite : result) {
                if (invite.token == token)
                    invite.usedBy.append(uses.value(1).toString());
            }
        }
    }
    return result;
}

bool InviteStore::revoke(const QString &token, QString *error)
{
    QSqlQuery q(m_database->connection());
    q.prepare(u"UPDATE invites SET revoked = 1 WHERE token = ?"_s);
    q.addBindValue(token);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    if (q.numRowsAffected() != 1) {
        *error = u"no such invitation"_s;
        return false;
    }
    return true;
}

bool InviteStore::recordUse(const QString &token, const QString &username, QString *error)
{
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        *error = transaction.errorText();
        return false;
    }
    const QString now = isoTime(QDateTime::currentDateTimeUtc());
    QSqlQuery q(db);
    q.prepare(u"UPDATE invites SET uses = uses + 1 WHERE token = ? AND revoked = 0 AND uses < max_uses"
              " AND (expires IS NULL OR expires > ?)"_s);
    q.addBindValue(token);
    q.addBindValue(now);
    if (!q.exec()) {
        *error = q.lastError().text();
        return false;
    }
    if (q.numRowsAffected() != 1) {
        const auto invite = find(token);
        *error = u"the invitation is "_s + Invite::statusText(invite ? invite->status() : Invite::Status::Unknown);
        return false;
    }
    QSqlQuery use(db);
    use.prepare(u"INSERT INTO invite_uses (token, username, time) VALUES (?, ?, ?)"_s);
    use.addBindValue(token);
    use.addBindValue(username);
    use.addBindValue(now);
    if (!use.exec() || !transaction.commit()) {
        *error = use.lastError().text() + transaction.errorText();
        return false;
    }
    return true;
}

bool InviteStore::isReserved(const QString &username, const QString &exceptToken) const
{
    QSqlQuery q(m_database->connection());
    q.prepare(u"SELECT COUNT(*) FROM invites WHERE username = ? AND token <> ? AND revoked = 0"
              " AND uses < max_uses AND (expires IS NULL OR expires > ?)"_s);
    q.addBindValue(username);
    q.addBindValue(exceptToken.isNull() ? u""_s : exceptToken);
    q.addBindValue(isoTime(QDateTime::currentDateTimeUtc()));
    return q.exec() && q.next() && q.value(0).toInt() > 0;
}
