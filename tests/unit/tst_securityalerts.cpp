#include "SecurityAlerts.h"

#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

// The tray's opt-in alerts: a new lock once, a failed-login burst once per window.
class TestSecurityAlerts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void newLocksAreToldOnce()
    {
        SecurityAlerts alerts;
        QSignalSpy spy(&alerts, &SecurityAlerts::alert);
        AuthLock alice{AuthLock::Kind::Account, u"alice"_s, QDateTime::currentDateTimeUtc().addSecs(300), 10};
        alerts.locksChanged({alice});
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), u"Account locked"_s);
        QVERIFY(spy.at(0).at(1).toString().contains(u"alice"_s));
        AuthLock address{AuthLock::Kind::Address, u"192.0.2.7"_s, QDateTime::currentDateTimeUtc().addSecs(300), 50};
        alerts.locksChanged({alice, address});   // alice is not new
        QCOMPARE(spy.size(), 2);
        QCOMPARE(spy.at(1).at(0).toString(), u"Address locked"_s);
        alerts.locksChanged({});
        alerts.locksChanged({alice});            // locked again later: new again
        QCOMPARE(spy.size(), 3);
    }

    void aBurstOfFailedLoginsIsToldOncePerWindow()
    {
        SecurityAlerts alerts;
        QSignalSpy spy(&alerts, &SecurityAlerts::alert);
        const QDateTime start = QDateTime::currentDateTimeUtc();
        ServerStats stats;
        quint64 total = 100;   // failures before the console started do not count
        for (int second = 0; second < 10; ++second) {
            stats.time = start.addSecs(second);
            stats.failedLogins = total += 1;   // one a second: no burst
            alerts.statistics(stats);
        }
        QCOMPARE(spy.size(), 0);
        for (int second = 10; second < 20; ++second) {
            stats.time = start.addSecs(second);
            stats.failedLogins = total += 5;   // five a second: a burst
            alerts.statistics(stats);
        }
        QCOMPARE(spy.size(), 1);
        QCOMPARE(spy.at(0).at(0).toString(), u"Failed logins"_s);
        for (int second = 20; second < 200; ++second) {
            stats.time = start.addSecs(second);
            stats.failedLogins = total += 5;
            alerts.statistics(stats);
        }
        QVERIFY(spy.size() >= 3 && spy.size() <= 4);   // at most one per 60 s window
    }
};

QTEST_GUILESS_MAIN(TestSecurityAlerts)
#include "tst_securityalerts.moc"
