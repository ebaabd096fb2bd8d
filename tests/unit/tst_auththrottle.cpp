#include "session/AuthThrottle.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_AuthThrottle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void delayDoublesUpToTheCeiling();
    void accountLocksAfterNFailures();
    void addressLocksIndependently();
    void failuresAreForgotten();
    void successClearsTheAccountOnly();
    void ipv6CountsBySlash64();

private:
    AuthThrottle::Policy policy() const
    {
        AuthThrottle::Policy p;
        p.delayMs = 100;
        p.delayMaxMs = 1000;
        p.accountFailures = 5;
        p.addressFailures = 8;
        p.lockSeconds = 60;
        return p;
    }
    qint64 m_now = 1'000'000;
};

void tst_AuthThrottle::delayDoublesUpToTheCeiling()
{
    AuthThrottle t(policy());
    t.setClock([this] { return m_now; });
    const QHostAddress a(u"10.0.0.1"_s);
    QList<int> delays;
    for (int i = 0; i < 6; ++i)
        delays << t.recordFailure(u"alice"_s, QHostAddress(u"10.0.0.%1"_s.arg(i + 1)));
    // The account's count drives it: 100, 200, 400, 800, then the ceiling.
    QCOMPARE(delays, (QList<int>{100, 200, 400, 800, 1000, 100}));   // locked at 5: counting restarts
    Q_UNUSED(a);
}

void tst_AuthThrottle::accountLocksAfterNFailures()
{
    AuthThrottle t(policy());
    t.setClock([this] { return m_now; });
    QSignalSpy changed(&t, &AuthThrottle::locksChanged);
    for (int i = 0; i < 4; ++i)
        t.recordFailure(u"nosuchuser"_s, QHostAddress(u"10.0.0.%1"_s.arg(i + 1)));
    QVERIFY(!t.isAccountLocked(u"nosuchuser"_s));
    QCOMPARE(changed.size(), 0);
    t.recordFailure(u"nosuchuser"_s, QHostAddress(u"10.0.0.9"_s));
    QVERIFY(t.isAccountLocked(u"nosuchuser"_s));
    QCOMPARE(changed.size(), 1);
    const QList<AuthLock> locks = t.locks();
    QCOMPARE(locks.size(), 1);
    QCOMPARE(locks.first().kind, AuthLock::Kind::Account);
    QCOMPARE(locks.first().key, u"nosuchuser"_s);
    QCOMPARE(locks.first().lockedUntil.toMSecsSinceEpoch(), m_now + 60'000);
    m_now += 59'000;
    QVERIFY(t.isAccountLocked(u"nosuchuser"_s));
    m_now += 1'001;
    QVERIFY(!t.isAccountLocked(u"nosuchuser"_s));
    QVERIFY(t.locks().isEmpty());
}

void tst_AuthThrottle::addressLocksIndependently()
{
    AuthThrottle t(policy());
    t.setClock([this] { return m_now; });
    const QHostAddress attacker(u"192.0.2.7"_s);
    for (int i = 0; i < 8; ++i)
        t.recordFailure(u"user%1"_s.arg(i), attacker);
    QVERIFY(t.isAddressLocked(attacker));
    QVERIFY(t.isAddressLocked(QHostAddress(u"::ffff:192.0.2.7"_s)));   // IPv4-mapped is the same
    QVERIFY(!t.isAddressLocked(QHostAddress(u"192.0.2.8"_s)));
    QVERIFY(!t.isAccountLocked(u"user0"_s));
    // Failures that do not count against the account (it is already locked) still count here.
    AuthThrottle u(policy());
    u.setClock([this] { return m_now; });
    for (int i = 0; i < 8; ++i)
        u.recordFailure(u"alice"_s, attacker, false);
    QVERIFY(u.isAddressLocked(attacker));
    QVERIFY(!u.isAccountLocked(u"alice"_s));
}

void tst_AuthThrottle::failuresAreForgotten()
{
    AuthThrottle t(policy());
    t.setClock([this] { return m_now; });
    for (int i = 0; i < 4; ++i)
        t.recordFailure(u"alice"_s, QHostAddress(u"10.0.0.1"_s));
    m_now += 61'000;
    QCOMPARE(t.recordFailure(u"alice"_s, QHostAddress(u"10.0.0.1"_s)), 100);   // a first failure again
    QVERIFY(!t.isAccountLocked(u"alice"_s));
}

void tst_AuthThrottle::successClearsTheAccountOnly()
{
    AuthThrottle t(policy());
    t.setClock([this] { return m_now; });
    const QHostAddress address(u"10.0.0.1"_s);
    for (int i = 0; i < 4; ++i)
        t.recordFailure(u"alice"_s, address);
    t.recordSuccess(u"alice"_s);
    // The account starts afresh; the address keeps its count (4, this is the 5th: 1600 capped).
    QCOMPARE(t.recordFailure(u"bob"_s, address), 1000);
    QCOMPARE(t.recordFailure(u"alice"_s, QHostAddress(u"10.9.9.9"_s)), 100);
    // A locked account stays locked after a success (the caller refuses the login anyway).
    for (int i = 0; i < 5; ++i)
        t.recordFailure(u"carol"_s, QHostAddress(u"10.1.0.%1"_s.arg(i + 1)));
    t.recordSuccess(u"carol"_s);
    QVERIFY(t.isAccountLocked(u"carol"_s));
}

void tst_AuthThrottle::ipv6CountsBySlash64()
{
    QCOMPARE(AuthThrottle::addressKey(QHostAddress(u"2001:db8:1:2:aaaa::1"_s)),
             AuthThrottle::addressKey(QHostAddress(u"2001:db8:1:2:bbbb::2"_s)));
    QVERIFY(AuthThrottle::addressKey(QHostAddress(u"2001:db8:1:2::1"_s))
            != AuthThrottle::addressKey(QHostAddress(u"2001:db8:1:3::1"_s)));
    QCOMPARE(AuthThrottle::addressKey(QHostAddress(u"::ffff:10.1.2.3"_s)), u"10.1.2.3"_s);
}

QTEST_GUILESS_MAIN(tst_AuthThrottle)
#include "tst_auththrottle.moc"
