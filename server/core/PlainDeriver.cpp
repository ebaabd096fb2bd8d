#include "core/PlainDeriver.h"

#include <QThread>

PlainDeriver::PlainDeriver(AccountService *accounts, QObject *parent)
    : QObject(parent)
    , m_accounts(accounts)
{
    m_pool.setMaxThreadCount(qMax(1, QThread::idealThreadCount()));
}

PlainDeriver::~PlainDeriver()
{
    m_pool.waitForDone();
}

void PlainDeriver::derive(const QString &username, const QByteArray &preparedPassword, std::function<void()> done)
{
    const AccountService::PlainReference reference = m_accounts->plainReference(username);
    m_pool.start([this, reference, preparedPassword, done = std::move(done)] {
        const QByteArray storedKey = AccountService::derivePlain(reference, preparedPassword);
        QMetaObject::invokeMethod(this, [this, reference, preparedPassword, storedKey, done] {
            m_accounts->rememberDerivation(reference, preparedPassword, storedKey);
            done();
        }, Qt::QueuedConnection);
    });
}
