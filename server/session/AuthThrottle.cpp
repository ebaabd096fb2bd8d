#include "session/AuthThrottle.h"

#include "base/Logging.h"

#include <algorithm>

AuthThrottle::AuthThrottle(const Policy &policy, QObject *parent)
    : QObject(parent)
    , m_policy(policy)
    , m_now([] { return QDateTime::currentMSecsSinceEpoch(); })
{
    qRegisterMetaType<AuthLock>();
    qRegisterMetaType<QList<AuthLock>>();
    m_expiry.setSingleShot(true);
    connect(&m_expiry, &QTimer::timeout, this, &AuthThrottle::onExpiry);
}

AuthThrottle::~AuthThrottle() = default;

QString AuthThrottle::addressKey(const QHostAddress &address)
{
    bool isV4 = false;
    const quint32 v4 = address.toIPv4Address(&isV4);
    if (isV4)
        return QHostAddress(v4).toString();
    if (address.protocol() != QAbstractSocket::IPv6Protocol)
        return address.toString();
    Q_IPV6ADDR bytes = address.toIPv6Address();
    std::fill(bytes.c + 8, bytes.c + 16, quint8(0));
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

bool AuthThrottle::isAccountLocked(const QString &username) const
{
    const auto it = m_accounts.constFind(username);
    return it != m_accounts.constEnd() && it->lockedUntil > now();
}

bool AuthThrottle::isAddressLocked(const QHostAddress &address) const
{
    const auto it = m_addresses.constFind(addressKey(address));
    return it != m_addresses.constEnd() && it->lockedUntil > now();
}

bool AuthThrottle::count(QHash<QString, Entry> &table, const QString &key, int threshold, qint64 t, int *failures)
{
    Entry &e = table[key];
    const qint64 memory = qint64(m_policy.lockSeconds) * 1000;
    if (e.lastFailure != 0 && t - e.lastFailure > memory)
        e.failures = 0;
    e.lastFailure = t;
    *failures = ++e.failures;
    if (e.failures < threshold || e.lockedUntil > t)
        return false;
    e.lockedUntil = t + memory;
    e.failuresBeforeLock = e.failures;
    e.failures = 0;
    return true;
}

int AuthThrottle::recordFailure(const QString &username, const QHostAddress &address, bool countAccount)
{
    ++m_failureTotal;
    const qint64 t = now();
    int accountFailures = 0;
    int addressFailures = 0;
    bool locked = false;
    if (countAccount && !username.isEmpty()) {
        if (count(m_accounts, username, m_policy.accountFailures, t, &accountFailures)) {
            locked = true;
            qCWarning(lcSasl) << "account" << username << "locked for" << m_policy.lockSeconds
                              << "s after" << accountFailures << "failed logins";
        }
    }
    const QString key = addressKey(address);
    if (count(m_addresses, key, m_policy.addressFailures, t, &addressFailures)) {
        locked = true;
        qCWarning(lcSasl) << "address" << key << "locked for" << m_policy.lockSeconds << "s after"
                          << addressFailures << "failed logins";
    }
    if (m_accounts.size() + m_addresses.size() > m_pruneAt)
        prune(t);
    if (locked) {
        scheduleExpiry();
        Q_EMIT locksChanged(locks());
    }

    // The n-th failure in a row waits delay * 2^(n-1), at most delayMax.
    const int n = std::max(accountFailures, addressFailures);
    qint64 delay = m_policy.delayMs;
    for (int i = 1; i < n && delay < m_policy.delayMaxMs; ++i)
        delay *= 2;
    return int(std::min<qint64>(delay, m_policy.delayMaxMs));
}

void AuthThrottle::recordSuccess(const QString &username)
{
    const auto it = m_accounts.find(username);
    if (it != m_accounts.end() && it->lockedUntil <= now())
        m_accounts.erase(it);
}

QList<AuthLock> AuthThrottle::locks() const
{
    const qint64 t = now();
    QList<AuthLock> result;
    auto collect = [&](const QHash<QString, Entry> &table, AuthLock::Kind kind) {
        for (auto it = table.constBegin(); it != table.constEnd(); ++it) {
            if (it->lockedUntil <= t)
                continue;
            AuthLock lock;
            lock.kind = kind;
            lock.key = it.key();
            lock.lockedUntil = QDateTime::fromMSecsSinceEpoch(it->lockedUntil, Qt::UTC);
            lock.failuresBeforeLock = it->failuresBeforeLock;
            result.append(lock);
        }
    };
    collect(m_accounts, AuthLock::Kind::Account);
    collect(m_addresses, AuthLock::Kind::Address);
    std::sort(result.begin(), result.end(),
              [](const AuthLock &a, const AuthLock &b) { return a.lockedUntil < b.lockedUntil; });
    return result;
}

void AuthThrottle::prune(qint64 t)
{
    const qint64 memory = qint64(m_policy.lockSeconds) * 1000;
    for (auto *table : {&m_accounts, &m_addresses}) {
        for (auto it = table->begin(); it != table->end();) {
            if (it->lockedUntil <= t && t - it->lastFailure > memory)
                it = table->erase(it);
            else
                ++it;
        }
    }
    m_pruneAt = std::max<qsizetype>(1024, 2 * (m_accounts.size() + m_addresses.size()));
}

void AuthThrottle::scheduleExpiry()
{
    const QList<AuthLock> current = locks();
    if (current.isEmpty()) {
        m_expiry.stop();
        return;
    }
    const qint64 wait = current.first().lockedUntil.toMSecsSinceEpoch() - now();
    m_expiry.start(int(std::clamp<qint64>(wait + 1, 1, 24 * 3600 * 1000)));
}

void AuthThrottle::onExpiry()
{
    prune(now());
    scheduleExpiry();
    Q_EMIT locksChanged(locks());
}
