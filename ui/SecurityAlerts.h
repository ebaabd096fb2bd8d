#pragma once

#include "core/AdminTypes.h"
#include "session/AuthThrottle.h"

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QSet>
#include <deque>

// What the tray tells an administrator who opted in: an account or address newly locked by
// failed logins, and a burst of failed logins (at least BurstFailures within BurstWindow
// seconds, told at most once per window). Fed with the server's lock list and its per-second
// statistics; emits one alert per event, the tray shows it.
class SecurityAlerts final : public QObject
{
    Q_OBJECT
public:
    static constexpr int BurstFailures = 20;
    static constexpr int BurstWindowSeconds = 60;

    explicit SecurityAlerts(QObject *parent = nullptr);

    void locksChanged(const QList<AuthLock> &locks);
    void statistics(const ServerStats &stats);

Q_SIGNALS:
    void alert(const QString &title, const QString &text);

private:
    QSet<QString> m_locked;                                  // "account:key" / "address:key"
    std::deque<std::pair<QDateTime, quint64>> m_failures;    // (time, total) within the window
    QDateTime m_lastBurstAlert;
};
