#pragma once

#include "core/AccountService.h"

#include <QObject>
#include <QThreadPool>
#include <functional>

// Runs PLAIN's PBKDF2 (10,000 iterations: most of a login's CPU) on worker threads, so the
// server thread keeps serving other sessions meanwhile and a second core does the hashing.
// The answer comes back in the server thread, queued on this object; the destructor waits
// for the workers, so none outlives the object it answers through.
class PlainDeriver : public QObject
{
    Q_OBJECT
public:
    explicit PlainDeriver(AccountService *accounts, QObject *parent = nullptr);
    ~PlainDeriver() override;

    // Looks the reference up now (server thread), derives on a worker, stores the result in
    // the account service's memo and then calls `done` in the server thread.
    void derive(const QString &username, const QByteArray &preparedPassword, std::function<void()> done);

private:
    AccountService *m_accounts;
    QThreadPool m_pool;
};
