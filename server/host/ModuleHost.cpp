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
    if (!m_database) {
        *error = u"no database"_s;
        return false;
    }
    return m_database->migrateModule(module, steps, error);
}
