#include "host/ModuleHost.h"

#include "base/ServerConfig.h"
#include "host/Module.h"
#include "storage/Database.h"

#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
template<class List, class Item>
void insertByPriority(List &list, Item item)
{
    const auto at = std::find_if(list.begin(), list.end(), [&](const auto &e) { return e.priority < item.priority; });
    list.insert(at, std::move(item));
}
} // namespace

ModuleHost::ModuleHost(StanzaRouter *router, SessionManager *sessions, const ServerConfig *config,
                       Database *database, AccountExists accountExists)
    : m_router(router)
    , m_sessions(sessions)
    , m_config(config)
    , m_database(database)
    , m_accountExists(std::move(accountExists))
{
}

ModuleHost::~ModuleHost() = default;

Module &ModuleHost::load(std::unique_ptr<Module> module)
{
    Module &loaded = *module;
    m_modules.push_back(std::move(module));
    loaded.load(*this);
    return loaded;
}

void ModuleHost::addStreamFeature(Stage stage, StreamFeature feature, int priority)
{
    insertByPriority(m_streamFeatures[int(stage)], Prioritized<StreamFeature>{priority, std::move(feature)});
}

void ModuleHost::handleElement(const QString &ns, ElementHandler handler, int priority)
{
    insertByPriority(m_elementHandlers[ns], Prioritized<ElementHandler>{priority, std::move(handler)});
}

void ModuleHost::collectStreamFeatures(Stage stage, Session *session, XmlElement &features) const
{
    for (const auto &entry : m_streamFeatures[int(stage)])
        entry.value(session, features);
}

bool ModuleHost::dispatchElement(Stream &stream, const XmlElement &element) const
{
    const auto it = m_elementHandlers.constFind(element.xmlns());
    if (it == m_elementHandlers.constEnd())
        return false;
    for (const auto &entry : *it) {
        if (entry.value(stream, element))
            return true;
    }
    return false;
}

QString ModuleHost::option(const QString &key, const QString &fallback) const
{
    return m_config ? m_config->moduleOptions.value(key, fallback) : fallback;
}

qint64 ModuleHost::optionInt(const QString &key, qint64 fallback) const
{
    bool ok = false;
    const qint64 n = option(key).toLongLong(&ok);
    return ok ? n : fallback;
}

bool ModuleHost::optionBool(const QString &key, bool fallback) const
{
    const QString v = option(key);
    return v.isEmpty() ? fallback : v == u"true";
}

bool ModuleHost::migrate(const QString &module, const QStringList &steps, QString *error)
{
    if (!m_database || !m_database->isOpen()) {
        *error = u"no database"_s;
        return false;
    }
    QSqlDatabase db = m_database->connection();
    QSqlQuery query(db);
    if (!query.exec(u"CREATE TABLE IF NOT EXISTS module_schema (module TEXT PRIMARY KEY, version INTEGER NOT NULL)"_s)) {
        *error = query.lastError().text();
        return false;
    }
    query.prepare(u"SELECT version FROM module_schema WHERE module = ?"_s);
    query.addBindValue(module);
    if (!query.exec()) {
        *error = query.lastError().text();
        return false;
    }
    const int done = query.next() ? query.value(0).toInt() : 0;
    if (done > steps.size()) {
        *error = u"tables of module %1 were written by a newer Switchboard"_s.arg(module);
        return false;
    }
    for (int version = done + 1; version <= steps.size(); ++version) {
        Transaction transaction(db);
        if (!transaction.isActive()) {
            *error = transaction.errorText();
            return false;
        }
        QSqlQuery step(db);
        if (!step.exec(steps.at(version - 1))) {
            *error = u"module %1 schema step %2: %3"_s.arg(module).arg(version).arg(step.lastError().text());
            return false;
        }
        step.prepare(u"INSERT INTO module_schema (module, version) VALUES (?, ?) "
                     "ON CONFLICT(module) DO UPDATE SET version = excluded.version"_s);
        step.addBindValue(module);
        step.addBindValue(version);
        if (!step.exec() || !transaction.commit()) {
            *error = step.lastError().text() + transaction.errorText();
            return false;
        }
    }
    return true;
}
