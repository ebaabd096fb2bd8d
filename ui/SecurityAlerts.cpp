#include "SecurityAlerts.h"

using namespace Qt::StringLiterals;

SecurityAlerts::SecurityAlerts(QObject *parent)
    : QObject(parent)
{
}

void SecurityAlerts::locksChanged(const QList<AuthLock> &locks)
{
    QSet<QString> now;
    for (const AuthLock &lock : locks) {
        const bool account = lock.kind == AuthLock::Kind::Account;
        const QString key = (account ? u"account:"_s : u"address:"_s) + lock.key;
        now.insert(key);
        if (m_locked.contains(key))
            continue;
        const QString until = lock.lockedUntil.toLocalTime().toString(u"HH:mm"_s);
        if (account)
            Q_EMIT alert(tr("Account locked"), tr("%1 is locked until %2 after %n failed login(s).", nullptr,
                                                  lock.failuresBeforeLock).arg(lock.key, until));
        else
            Q_EMIT alert(tr("Address locked"), tr("Logins from %1 are refused until %2 after %n failures.", nullptr,
                                                  lock.failuresBeforeLock).arg(lock.key, until));
    }
    m_locked = now;
}

void SecurityAlerts::statistics(const ServerStats &stats)
{
    const QDateTime time = stats.time.isValid() ? stats.time : QDateTime::currentDateTimeUtc();
    m_failures.emplace_back(time, stats.failedLogins);
    while (m_failures.size() > 1 && m_failures.front().first.secsTo(time) > BurstWindowSeconds)
        m_failures.pop_front();
    const quint64 inWindow = stats.failedLogins - m_failures.front().second;
    if (inWindow < quint64(BurstFailures))
        return;
    if (m_lastBurstAlert.isValid() && m_lastBurstAlert.secsTo(time) < BurstWindowSeconds)
        return;
    m_lastBurstAlert = time;
    Q_EMIT alert(tr("Failed logins"), tr("%1 failed logins in the last %2 seconds.").arg(inWindow).arg(BurstWindowSeconds));
}
