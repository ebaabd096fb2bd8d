#include "modules/PrivateStorageModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "modules/StoredStanza.h"
#include "storage/Database.h"

#include <QSqlError>
#include <QSqlQuery>

using namespace Qt::StringLiterals;

namespace {
const QString PrivateNs = u"jabber:iq:private"_s;
constexpr int MaxElementBytes = 64 * 1024;
constexpr int MaxElements = 256;

QString keyOf(const XmlElement &element)
{
    return element.name() + u' ' + element.xmlns();
}

// §3: elements in the protocol's own namespaces are not storable.
bool reserved(const QString &ns)
{
    return ns.isEmpty() || ns == u"jabber:client" || ns == u"jabber:server" || ns == PrivateNs;
}
} // namespace

class PrivateStorageModule::State
{
public:
    explicit State(ModuleHost &host)
        : m_host(host)
        , m_database(host.database())
    {
        QString error;
        m_ready = m_database
                  && host.migrate(u"private"_s,
                                  {u"CREATE TABLE private_storage ("
                                   "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
                                   "  element TEXT NOT NULL,"
                                   "  xml TEXT NOT NULL,"
                                   "  PRIMARY KEY (username, element)"
                                   ") WITHOUT ROWID"_s},
                                  &error);
        if (!m_ready)
            qCCritical(lcStorage) << "private storage unavailable:" << error;
    }

    bool onGet(StanzaEvent &event)
    {
        const XmlElement query = event.stanza.firstChildElement(u"query"_s, PrivateNs);
        const QList<XmlElement> children = query.childElements();
        if (children.size() != 1 || reserved(children.first().xmlns())) {
            m_host.router().bounce(event, children.size() != 1 ? StanzaError::Condition::BadRequest
                                                               : StanzaError::Condition::NotAcceptable);
            return true;
        }
        if (!m_ready) {
            m_host.router().bounce(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        QSqlQuery select(m_database->connection());
        select.prepare(u"SELECT xml FROM private_storage WHERE username = ? AND element = ?"_s);
        select.addBindValue(event.from.node());
        select.addBindValue(keyOf(children.first()));
        if (!select.exec()) {
            m_host.router().bounce(event, StanzaError::Condition::InternalServerError);
            return true;
        }
        XmlElement stored = select.next() ? StoredStanza::fromText(select.value(0).toString()) : XmlElement();
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement answer(u"query"_s, PrivateNs);
        // §3.2: nothing stored answers with the empty element that was asked for.
        answer.appendChild(stored.isNull() ? XmlElement(children.first().name(), children.first().xmlns()) : stored);
        result.appendChild(answer);
        m_host.router().reply(event, result);
        return true;
    }

    bool onSet(StanzaEvent &event)
    {
        const XmlElement query = event.stanza.firstChildElement(u"query"_s, PrivateNs);
        const QList<XmlElement> children = query.childElements();
        if (children.isEmpty()) {
            m_host.router().bounce(event, StanzaError::Condition::BadRequest);
            return true;
        }
        QList<QPair<QString, QString>> rows;
        for (const XmlElement &child : children) {
            const QString text = StoredStanza::toText(child);
            if (reserved(child.xmlns()) || text.toUtf8().size() > MaxElementBytes) {
                m_host.router().bounce(event, StanzaError::Condition::NotAcceptable);
                return true;
            }
            rows.append({keyOf(child), text});
        }
        if (!m_ready || !store(event.from.node(), rows, &event)) {
            return true;
        }
        m_host.router().reply(event, StanzaRouter::makeIqResult(event.stanza));
        return true;
    }

    bool onForeign(StanzaEvent &event)
    {
        m_host.router().bounce(event, StanzaError::Condition::Forbidden);   // §3: only one's own
        return true;
    }

private:
    bool store(const QString &username, const QList<QPair<QString, QString>> &rows, StanzaEvent *event)
    {
        QSqlDatabase db = m_database->connection();
        Transaction transaction(db);
        QSqlQuery count(db);
        count.prepare(u"SELECT COUNT(*) FROM private_storage WHERE username = ?"_s);
        count.addBindValue(username);
        if (!transaction.isActive() || !count.exec() || !count.next()) {
            m_host.router().bounce(*event, StanzaError::Condition::InternalServerError);
            return false;
        }
        if (count.value(0).toInt() + rows.size() > MaxElements) {
            // Replacing existing elements stays possible; only new ones are limited.
            QSqlQuery known(db);
            known.prepare(u"SELECT COUNT(*) FROM private_storage WHERE username = ? AND element = ?"_s);
            int added = 0;
            for (const auto &row : rows) {
                known.addBindValue(username);
                known.addBindValue(row.first);
                if (known.exec() && known.next() && known.value(0).toInt() == 0)
                    ++added;
            }
            if (count.value(0).toInt() + added > MaxElements) {
                m_host.router().bounce(*event, StanzaError::Condition::ResourceConstraint);
                return false;
            }
        }
        count.finish();
        QSqlQuery insert(db);
        insert.prepare(u"INSERT OR REPLACE INTO private_storage (username, element, xml) VALUES (?, ?, ?)"_s);
        for (const auto &row : rows) {
            insert.addBindValue(username);
            insert.addBindValue(row.first);
            insert.addBindValue(row.second);
            if (!insert.exec()) {
                qCWarning(lcStorage) << "private storage of" << username << "not written:" << insert.lastError().text();
                m_host.router().bounce(*event, StanzaError::Condition::InternalServerError);
                return false;
            }
        }
        if (!transaction.commit()) {
            m_host.router().bounce(*event, StanzaError::Condition::InternalServerError);
            return false;
        }
        return true;
    }

    ModuleHost &m_host;
    Database *m_database;
    bool m_ready = false;
};

PrivateStorageModule::PrivateStorageModule() = default;
PrivateStorageModule::~PrivateStorageModule() = default;

void PrivateStorageModule::load(ModuleHost &host)
{
    m_state = std::make_unique<State>(host);
    State *s = m_state.get();
    host.addFeature(PrivateNs);
    host.hookIq(false, Target::Self, PrivateNs, u"query"_s, [s](StanzaEvent &e) { return s->onGet(e); });
    host.hookIq(true, Target::Self, PrivateNs, u"query"_s, [s](StanzaEvent &e) { return s->onSet(e); });
    for (bool set : {false, true})
        host.hookIq(set, Target::Bare, PrivateNs, u"query"_s, [s](StanzaEvent &e) { return s->onForeign(e); });
}
