#include "storage/MucStore.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

using namespace Qt::StringLiterals;

namespace {
void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}
// NOT NULL text columns: a null QString would bind as NULL.
QString text(const QString &s)
{
    return s.isNull() ? u""_s : s;
}
bool run(QSqlQuery &query, QString *error)
{
    if (query.exec())
        return true;
    setError(error, query.lastError().text());
    return false;
}
} // namespace

MucStore::MucStore(Database *database) : m_database(database) {}

QStringList MucStore::migrations()
{
    return {
        u"CREATE TABLE muc_rooms (jid TEXT PRIMARY KEY, config TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '',"
        " subject_from TEXT NOT NULL DEFAULT '', secret BLOB NOT NULL, vcard TEXT NOT NULL DEFAULT '')"_s,
        u"CREATE TABLE muc_affiliations (room TEXT NOT NULL REFERENCES muc_rooms(jid) ON DELETE CASCADE,"
        " jid TEXT NOT NULL, affiliation TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',"
        " PRIMARY KEY (room, jid))"_s,
    };
}

bool MucStore::load(QList<Room> *rooms, QString *error) const
{
    QSqlQuery query(m_database->connection());
    query.prepare(u"SELECT jid, config, subject, subject_from, secret, vcard FROM muc_rooms ORDER BY jid"_s);
    if (!run(query, error))
        return false;
    QHash<QString, qsizetype> index;
    while (query.next()) {
        Room room;
        room.jid = query.value(0).toString();
        room.config = query.value(1).toString();
        room.subject = query.value(2).toString();
        room.subjectFrom = query.value(3).toString();
        room.secret = query.value(4).toByteArray();
        room.vcard = query.value(5).toString();
        index.insert(room.jid, rooms->size());
        rooms->append(room);
    }
    QSqlQuery affiliations(m_database->connection());
    affiliations.prepare(u"SELECT room, jid, affiliation, reason FROM muc_affiliations"_s);
    if (!run(affiliations, error))
        return false;
    while (affiliations.next()) {
        const auto it = index.constFind(affiliations.value(0).toString());
        if (it == index.constEnd())
            continue;
        (*rooms)[*it].affiliations.insert(affiliations.value(1).toString(),
                                          {affiliations.value(2).toString(), affiliations.value(3).toString()});
    }
    return true;
}

bool MucStore::save(const Room &room, QString *error)
{
    QSqlDatabase db = m_database->connection();
    Transaction transaction(db);
    if (!transaction.isActive()) {
        setError(error, transaction.errorText());
        return false;
    }
    QSqlQuery upsert(db);
    upsert.prepare(u"INSERT INTO muc_rooms (jid, config, subject, subject_from, secret, vcard) VALUES (?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT(jid) DO UPDATE SET config = excluded.config, subject = excluded.subject,"
                   " subject_from = excluded.subject_from, secret = excluded.secret, vcard = excluded.vcard"_s);
    upsert.addBindValue(room.jid);
    upsert.addBindValue(text(room.config));
    upsert.addBindValue(text(room.subject));
    upsert.addBindValue(text(room.subjectFrom));
    upsert.addBindValue(room.secret);
    upsert.addBindValue(text(room.vcard));
    if (!run(upsert, error))
        return false;
    QSqlQuery clear(db);
    clear.prepare(u"DELETE FROM muc_affiliations WHERE room = ?"_s);
    clear.addBindValue(room.jid);
    if (!run(clear, error))
        return false;
    QSqlQuery insert(db);
    insert.prepare(u"INSERT INTO muc_affiliations (room, jid, affiliation, reason) VALUES (?, ?, ?, ?)"_s);
    for (auto it = room.affiliations.constBegin(); it != room.affiliations.constEnd(); ++it) {
        insert.addBindValue(room.jid);
        insert.addBindValue(it.key());
        insert.addBindValue(it.value().first);
        insert.addBindValue(text(it.value().second));
        if (!run(insert, error))
            return false;
    }
    if (!transaction.commit()) {
        setError(error, transaction.errorText());
        return false;
    }
    return true;
}

bool MucStore::remove(const QString &jid, QString *error)
{
    QSqlQuery query(m_database->connection());
    query.prepare(u"DELETE FROM muc_rooms WHERE jid = ?"_s);
    query.addBindValue(jid);
    return run(query, error);
}
