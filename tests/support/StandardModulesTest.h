#pragma once

#include "RecordingSink.h"
#include "TempDatabase.h"
#include "TestSessions.h"
#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "modules/StandardModules.h"
#include "routing/StanzaRouter.h"
#include "session/SessionManager.h"

#include <QObject>
#include <QStringList>
#include <memory>

// The base of module tests: every standard module on the real router and host, a temporary
// database, and the recording sink in place of the sockets. What a client sends is injected,
// what the server writes is expected. startServer()/stopServer() on the kept database is what
// a restart looks like to a module.
class StandardModulesTest : public QObject
{
protected:
    std::unique_ptr<TempDatabase> m_db;
    ServerConfig m_config;
    std::unique_ptr<SessionManager> m_sessions;
    std::unique_ptr<StanzaRouter> m_router;
    std::unique_ptr<RecordingSink> m_sink;
    std::unique_ptr<ModuleHost> m_host;
    std::unique_ptr<TestSessions> m_make;

    // A fresh database holding these accounts; false (with the reason in m_db) if it failed.
    bool openDatabase(const QStringList &accounts)
    {
        m_accounts = accounts;
        m_db = std::make_unique<TempDatabase>();
        return m_db->isOpen() && m_db->addAccounts(accounts);
    }
    void startServer()
    {
        m_sessions = std::make_unique<SessionManager>();
        m_router = std::make_unique<StanzaRouter>(m_sessions.get(), QStringLiteral("localhost"));
        m_sink = std::make_unique<RecordingSink>(*m_router);
        const QStringList accounts = m_accounts;
        m_host = std::make_unique<ModuleHost>(m_router.get(), m_sessions.get(), &m_config, m_db->database(),
                                              [accounts](const QString &user) { return accounts.contains(user); });
        StandardModules::load(*m_host, nullptr);
        m_make = std::make_unique<TestSessions>(*m_sessions);
    }
    void stopServer()
    {
        m_make.reset();
        m_sessions.reset();   // sessions first: their close hooks may still use the modules
        m_host.reset();
        m_sink.reset();
        m_router.reset();
    }

    void inject(Session *from, const QString &xml) { m_sink->inject(from, xml); }
    XmlElement expect(Session *to) { return m_sink->expect(to); }

private:
    QStringList m_accounts;
};
