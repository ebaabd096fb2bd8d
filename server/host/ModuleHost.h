#pragma once

#include "host/Module.h"
#include "routing/RouterEvent.h"
#include "routing/StanzaRouter.h"
#include "session/SessionManager.h"
#include "xml/XmlElement.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <vector>

class AdminActions;
class Database;
class Module;
class Session;
class Stream;
struct ServerConfig;

// The one API a module receives when it is loaded (Prosody's moduleapi). Everything a module
// hooks runs synchronously in the server thread; lists run highest priority first, equal
// priorities in load order.
class ModuleHost
{
public:
    using Handler = StanzaRouter::Handler;
    using DeliveryFilter = StanzaRouter::DeliveryFilter;
    using SessionHook = SessionManager::SessionHook;
    using AccountExists = std::function<bool(const QString &username)>;

    enum class Stage { BeforeAuth, AfterAuth };
    // Adds this module's children to the session's <stream:features/>.
    using StreamFeature = std::function<void(Session *session, XmlElement &features)>;
    // A top-level element that is not a stanza, by namespace; true: handled.
    using ElementHandler = std::function<bool(Stream &stream, const XmlElement &element)>;

    struct Identity
    {
        QString category;
        QString type;
        QString name;
    };
    struct Item
    {
        QString jid;
        QString name;
    };

    ModuleHost(StanzaRouter *router, SessionManager *sessions, const ServerConfig *config, Database *database,
               AccountExists accountExists);
    ~ModuleHost();
    ModuleHost(const ModuleHost &) = delete;
    ModuleHost &operator=(const ModuleHost &) = delete;

    // Keeps the module for the host's lifetime and calls its load().
    Module &load(std::unique_ptr<Module> module);
    // The loaded module of type T, or null: for the server facade, which answers the console
    // from a module's own state (the session timeline, PEP).
    template<class T>
    T *find() const
    {
        for (const auto &module : m_modules) {
            if (auto *found = dynamic_cast<T *>(module.get()))
                return found;
        }
        return nullptr;
    }

    // --- stanzas (StanzaRouter documents the order) ---
    void hook(Event event, Handler handler, int priority = 0) { m_router->hook(event, std::move(handler), priority); }
    void hookIq(bool set, Target target, const QString &ns, const QString &name, Handler handler, int priority = 0)
    {
        m_router->hookIq(set, target, ns, name, std::move(handler), priority);
    }
    // Stanzas to another domain this server runs (StanzaRouter::addDomainHandler).
    void hookDomain(const QString &domain, Handler handler) { m_router->addDomainHandler(domain, std::move(handler)); }
    void hookDelivery(DeliveryFilter filter, int priority = 0)
    {
        m_router->addDeliveryFilter(std::move(filter), priority);
    }

    // --- session lifecycle (SessionManager::Event) ---
    void hookSession(SessionManager::Event event, SessionHook hook, int priority = 0)
    {
        m_sessions->hook(event, std::move(hook), priority);
    }

    // --- service discovery (XEP-0030), answered by the disco module ---
    void addFeature(const QString &feature) { m_serverFeatures.append(feature); }          // the domain
    void addAccountFeature(const QString &feature) { m_accountFeatures.append(feature); }  // bare JIDs
    void addIdentity(const QString &category, const QString &type, const QString &name = QString())
    {
        m_identities.append({category, type, name});
    }
    void addItem(const QString &jid, const QString &name = QString()) { m_items.append({jid, name}); }
    // Identities of every account besides account/registered (e.g. pubsub/pep, XEP-0163 §6.1).
    void addAccountIdentity(const QString &category, const QString &type, const QString &name = QString())
    {
        m_accountIdentities.append({category, type, name});
    }
    const QList<Identity> &accountIdentities() const { return m_accountIdentities; }
    const QStringList &serverFeatures() const { return m_serverFeatures; }
    const QStringList &accountFeatures() const { return m_accountFeatures; }
    const QList<Identity> &identities() const { return m_identities; }
    const QList<Item> &items() const { return m_items; }

    // --- the stream ---
    void addStreamFeature(Stage stage, StreamFeature feature, int priority = 0);
    void handleElement(const QString &ns, ElementHandler handler, int priority = 0);
    // Called by the c2s stream.
    void collectStreamFeatures(Stage stage, Session *session, XmlElement &features) const;
    bool dispatchElement(Stream &stream, const XmlElement &element) const;   // false: nobody

    // --- configuration, storage, services ---
    const ServerConfig &config() const { return *m_config; }
    // A module's own key (declared in ModuleOptions), as written in the config file; the
    // fallback when absent.
    QString option(const QString &key, const QString &fallback = QString()) const;
    qint64 optionInt(const QString &key, qint64 fallback) const;
    bool optionBool(const QString &key, bool fallback) const;
    Database *database() const { return m_database; }
    // The module's own tables: runs the steps after the one last recorded for `module`
    // (table module_schema), each in its own transaction. False with *error on failure.
    bool migrate(const QString &module, const QStringList &steps, QString *error);

    // The server's administration (core/AdminService), for the modules that act on accounts
    // (ad-hoc commands, registration, the message of the day). Null where no server runs it
    // (unit tests): those modules then stay silent.
    void setAdmin(AdminActions *admin) { m_admin = admin; }
    AdminActions *admin() const { return m_admin; }

    // --- durability of writes finished off the server thread (the message archive's) ---
    // A module whose writes are committed later by a thread of its own registers how to wait
    // for them: `after(done)` calls `done` on the server thread once everything handed over
    // before the call is committed (at once when nothing waits; in the order asked), `wait()`
    // blocks until then. Stream management acknowledges a client's stanzas through these.
    struct CommitBarrier
    {
        std::function<void(std::function<void()> done)> after;
        std::function<void()> wait;
    };
    void addCommitBarrier(CommitBarrier barrier) { m_commitBarriers.push_back(std::move(barrier)); }
    // Runs `done` once every registered barrier has passed (at once when none is registered).
    void afterCommitted(std::function<void()> done) const { afterCommitted(0, std::move(done)); }
    void waitCommitted() const
    {
        for (const CommitBarrier &barrier : m_commitBarriers)
            barrier.wait();
    }

    // --- accounts ---
    // An account deleted while the server runs: its rows went with it (ON DELETE CASCADE) and
    // its sessions are closed; each module drops what it still holds of the user in memory, so
    // that an account created later under the same name starts with nothing of the old one.
    using AccountHook = std::function<void(const QString &username)>;
    void onAccountDeleted(AccountHook hook) { m_accountDeleted.push_back(std::move(hook)); }
    void accountDeleted(const QString &username) const
    {
        for (const AccountHook &hook : m_accountDeleted)
            hook(username);
    }

    StanzaRouter &router() const { return *m_router; }
    SessionManager &sessions() const { return *m_sessions; }
    const QString &domain() const { return m_router->domain(); }
    bool accountExists(const QString &username) const { return m_accountExists && m_accountExists(username); }
    const AccountExists &accountLookup() const { return m_accountExists; }

private:
    void afterCommitted(size_t first, std::function<void()> done) const
    {
        if (first >= m_commitBarriers.size()) {
            done();
            return;
        }
        m_commitBarriers[first].after([this, first, done = std::move(done)]() mutable {
            afterCommitted(first + 1, std::move(done));
        });
    }

    template<class T>
    struct Prioritized
    {
        int priority;
        T value;
    };

    StanzaRouter *m_router;
    SessionManager *m_sessions;
    const ServerConfig *m_config;
    Database *m_database;
    AccountExists m_accountExists;
    AdminActions *m_admin = nullptr;
    std::vector<std::unique_ptr<Module>> m_modules;
    QStringList m_serverFeatures;
    QStringList m_accountFeatures;
    QList<Identity> m_identities;
    QList<Identity> m_accountIdentities;
    QList<Item> m_items;
    std::vector<Prioritized<StreamFeature>> m_streamFeatures[2];
    QHash<QString, std::vector<Prioritized<ElementHandler>>> m_elementHandlers;
    std::vector<CommitBarrier> m_commitBarriers;
    std::vector<AccountHook> m_accountDeleted;
};
