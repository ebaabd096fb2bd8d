#include "core/PlainDeriver.h"

#include <QThread>

#include <sys/resource.h>
#include <unistd.h>

namespace {
// Hashing is bulk work: a login may wait a little longer for it, the event loop serving every
// connected client must not. Linux nice values are per thread; at 10 the kernel gives the server
// thread about nine times the CPU share of a hashing thread and lets it preempt one on wake-up.
constexpr int HashingNice = 10;

void lowerThisThreadsPriority()
{
    thread_local bool lowered = false;
    if (!lowered) {
        lowered = true;
        setpriority(PRIO_PROCESS, id_t(gettid()), HashingNice);
    }
}
} // namespace

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
        lowerThisThreadsPriority();
        const QByteArray storedKey = AccountService::derivePlain(reference, preparedPassword);
        QMetaObject::invokeMethod(this, [this, reference, preparedPassword, storedKey, done] {
            m_accounts->rememberDerivation(reference, preparedPassword, storedKey);
            done();
        }, Qt::QueuedConnection);
    });
}
