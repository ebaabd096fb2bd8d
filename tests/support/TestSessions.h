#pragma once

#include "net/Connection.h"
#include "session/SessionManager.h"

#include <QList>
#include <sys/socket.h>
#include <unistd.h>

// Sessions for unit tests: each gets a real socket pair (whose far end nobody reads; with a
// RecordingSink nothing is written to it anyway) and goes through the manager's states.
class TestSessions
{
public:
    explicit TestSessions(SessionManager &manager, QString domain = QStringLiteral("localhost"))
        : m_manager(manager)
        , m_domain(std::move(domain))
    {
    }
    ~TestSessions()
    {
        for (int fd : std::as_const(m_peers))
            ::close(fd);
    }

    Session *open()
    {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
            qFatal("socketpair failed");
        m_peers.append(fds[1]);
        Session *s = m_manager.createSession(new Connection(fds[0]), false);
        s->setStreamOpened(m_domain);
        return s;
    }

    // Opened, authenticated as `user` and bound to `resource`; null if binding failed.
    Session *bound(const QString &user, const QString &resource)
    {
        Session *s = open();
        m_manager.authenticate(s, user, QStringLiteral("PLAIN"));
        QString r = resource;
        return m_manager.bindResource(s, &r) == SessionManager::BindResult::Bound ? s : nullptr;
    }

private:
    SessionManager &m_manager;
    QString m_domain;
    QList<int> m_peers;
};
