#pragma once

#include <QDateTime>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QTimer>
#include <functional>

// One locked account or client address, for the console (a value, safe across threads).
struct AuthLock
{
    enum class Kind { Account, Address };
    Kind kind = Kind::Account;
    QString key;                 // prepared username, or the address (IPv6: its /64)
    QDateTime lockedUntil;       // UTC
    int failuresBeforeLock = 0;
};
Q_DECLARE_METATYPE(AuthLock)

// Failed-login bookkeeping for SASL, per account and per client address. Every failure makes
// the next answer slower (the delay doubles per failure in a row, up to a ceiling); after N
// failures the account or the address is locked for a while, and a locked one gets
// temporary-auth-failure whatever the password. Unknown accounts are counted exactly like
// known ones, so neither the delay nor the lock tells whether an account exists.
// A failure is forgotten once lockSeconds have passed without another one.
class AuthThrottle : public QObject
{
    Q_OBJECT
public:
    struct Policy
    {
        int delayMs = 250;
        int delayMaxMs = 8000;
        int accountFailures = 10;
        int addressFailures = 50;
        int lockSeconds = 300;
    };

    explicit AuthThrottle(const Policy &policy, QObject *parent = nullptr);
    ~AuthThrottle() override;

    // Tests: milliseconds since the epoch.
    void setClock(std::function<qint64()> now) { m_now = std::move(now); }

    // The key an address is counted under: IPv4 as is (also IPv4-mapped IPv6), IPv6 by /64,
    // since one host commonly owns a whole /64.
    static QString addressKey(const QHostAddress &address);

    bool isAccountLocked(const QString &username) const;
    bool isAddressLocked(const QHostAddress &address) const;
    // Counts one failure (the account's only if username is not empty and countAccount) and
    // returns how long to wait before answering it, in milliseconds.
    int recordFailure(const QString &username, const QHostAddress &address, bool countAccount = true);
    // A successful login clears the account's failures (not the address's: one good account
    // must not launder guesses at others).
    void recordSuccess(const QString &username);

    // Locks in force, soonest to expire first.
    QList<AuthLock> locks() const;
    // Every failure ever counted (the console watches it for bursts).
    quint64 failureTotal() const { return m_failureTotal; }

Q_SIGNALS:
    // A lock started or ended; carries the locks now in force.
    void locksChanged(const QList<AuthLock> &locks);

private:
    struct Entry
    {
        int failures = 0;         // in a row, since the last lock or success
        qint64 lastFailure = 0;
        qint64 lockedUntil = 0;
        int failuresBeforeLock = 0;
    };
    // Returns true if this failure started a lock.
    bool count(QHash<QString, Entry> &table, const QString &key, int threshold, qint64 now, int *failures);
    void prune(qint64 now);
    void scheduleExpiry();
    void onExpiry();
    qint64 now() const { return m_now(); }

    Policy m_policy;
    std::function<qint64()> m_now;
    QHash<QString, Entry> m_accounts;
    QHash<QString, Entry> m_addresses;
    qsizetype m_pruneAt = 1024;
    QTimer m_expiry;
    quint64 m_failureTotal = 0;
};
