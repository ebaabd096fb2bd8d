// EpollEventDispatcher: the server thread's event loop on epoll. Timers, socket notifiers,
// posted events and quitting behave as with Qt's own dispatchers; a notifier removed by an
// earlier handler of the same turn is not activated; timers due during a long batch of busy
// descriptors run between them.
#include "core/EpollEventDispatcher.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QSocketNotifier>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>

using namespace Qt::StringLiterals;

class tst_EpollEventDispatcher : public QObject
{
    Q_OBJECT

private:
    // Runs `body` in a thread whose loop is an EpollEventDispatcher; the body gets that
    // thread's event loop and must quit it. Fails if the loop runs longer than 10 s.
    template<typename Body>
    void inEpollThread(Body body)
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        bool ran = false;
        QObject::connect(&thread, &QThread::started, &thread, [&] {
            QEventLoop loop;
            QTimer::singleShot(10000, &loop, [&loop] { loop.exit(2); });
            body(loop);
            ran = loop.exec() == 0;
            QThread::currentThread()->quit();
        }, Qt::DirectConnection);
        thread.start();
        QVERIFY(thread.wait(20000));
        QVERIFY(ran);
    }

private Q_SLOTS:
    void dispatcherIsInstalled()
    {
        QThread thread;
        auto *dispatcher = new EpollEventDispatcher;
        thread.setEventDispatcher(dispatcher);
        QCOMPARE(thread.eventDispatcher(), dispatcher);
    }

    void timersFireInOrderAndRepeat()
    {
        QList<int> order;
        int ticks = 0;
        inEpollThread([&](QEventLoop &loop) {
            QTimer::singleShot(60, &loop, [&] { order.append(60); });
            QTimer::singleShot(20, &loop, [&] { order.append(20); });
            QTimer::singleShot(40, &loop, [&] { order.append(40); });
            auto *repeating = new QTimer(&loop);
            repeating->setInterval(5);
            QObject::connect(repeating, &QTimer::timeout, &loop, [&, repeating] {
                if (++ticks == 5)
                    repeating->stop();
            });
            repeating->start();
            QTimer::singleShot(150, &loop, [&loop] { loop.exit(0); });
        });
        QCOMPARE(order, (QList<int>{20, 40, 60}));
        QCOMPARE(ticks, 5);
    }

    void timerWaitIsNotEarly()
    {
        qint64 elapsed = 0;
        inEpollThread([&](QEventLoop &loop) {
            auto *clock = new QElapsedTimer;
            clock->start();
            QTimer::singleShot(50, &loop, [&, clock] {
                elapsed = clock->elapsed();
                delete clock;
                loop.exit(0);
            });
        });
        QVERIFY2(elapsed >= 49, qPrintable(QString::number(elapsed)));
    }

    void socketNotifiersFollowReadiness()
    {
        int fds[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
        QByteArray received;
        bool writable = false;
        inEpollThread([&](QEventLoop &loop) {
            auto *read = new QSocketNotifier(fds[0], QSocketNotifier::Read, &loop);
            auto *write = new QSocketNotifier(fds[1], QSocketNotifier::Write, &loop);
            QObject::connect(write, &QSocketNotifier::activated, &loop, [&, write] {
                writable = true;
                write->setEnabled(false);   // level-triggered: it would fire every turn
                QVERIFY(::write(fds[1], "ping", 4) == 4);
            });
            QObject::connect(read, &QSocketNotifier::activated, &loop, [&] {
                char buffer[16];
                const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
                if (n > 0)
                    received.append(buffer, n);
                if (received == "ping")
                    loop.exit(0);
            });
        });
        ::close(fds[0]);
        ::close(fds[1]);
        QVERIFY(writable);
        QCOMPARE(received, QByteArray("ping"));
    }

    void notifierDeletedByAnEarlierHandlerIsNotActivated()
    {
        int a[2], b[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
        QVERIFY(::write(a[1], "x", 1) == 1);
        QVERIFY(::write(b[1], "y", 1) == 1);
        int activations = 0;
        inEpollThread([&](QEventLoop &loop) {
            // Both are readable in the same turn; whichever runs first deletes the other.
            auto *first = new QSocketNotifier(a[0], QSocketNotifier::Read);
            auto *second = new QSocketNotifier(b[0], QSocketNotifier::Read);
            auto onActivated = [&](QSocketNotifier *self, QSocketNotifier *other) {
                ++activations;
                delete other;
                self->setEnabled(false);
                QTimer::singleShot(50, &loop, [&loop, self] {
                    delete self;
                    loop.exit(0);
                });
            };
            QObject::connect(first, &QSocketNotifier::activated, &loop, [=] { onActivated(first, second); });
            QObject::connect(second, &QSocketNotifier::activated, &loop, [=] { onActivated(second, first); });
        });
        for (int fd : {a[0], a[1], b[0], b[1]})
            ::close(fd);
        QCOMPARE(activations, 1);
    }

    void dueTimersRunBetweenBusyDescriptors()
    {
        // Four descriptors ready in one turn, each handler busy for 3 ms: a timer already due
        // runs after the first of them, not after the whole batch (a room's fan-out must not
        // hold the timers back for its whole length).
        constexpr int Pairs = 4;
        int fds[Pairs][2];
        for (auto &pair : fds) {
            QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair), 0);
            QVERIFY(::write(pair[1], "x", 1) == 1);
        }
        QStringList order;
        auto busy = [](int ms) {
            QElapsedTimer clock;
            clock.start();
            while (clock.elapsed() < ms) {
            }
        };
        inEpollThread([&](QEventLoop &loop) {
            auto finishWhenDone = [&] {
                if (order.size() == Pairs + 1)
                    loop.exit(0);
            };
            for (auto &pair : fds) {
                auto *notifier = new QSocketNotifier(pair[0], QSocketNotifier::Read, &loop);
                QObject::connect(notifier, &QSocketNotifier::activated, &loop, [=, &order] {
                    notifier->setEnabled(false);
                    busy(3);
                    order.append(u"socket"_s);
                    finishWhenDone();
                });
            }
            auto *timer = new QTimer(&loop);
            timer->setSingleShot(true);
            timer->setTimerType(Qt::PreciseTimer);
            QObject::connect(timer, &QTimer::timeout, &loop, [&] {
                order.append(u"timer"_s);
                finishWhenDone();
            });
            timer->start(1);
            busy(2);   // due before the loop first looks at the descriptors
        });
        for (auto &pair : fds) {
            ::close(pair[0]);
            ::close(pair[1]);
        }
        QCOMPARE(order.size(), Pairs + 1);
        QCOMPARE(order.indexOf(u"timer"_s), 1);
    }

    void postedEventsAndCrossThreadWakeUp()
    {
        QThread thread;
        thread.setEventDispatcher(new EpollEventDispatcher);
        thread.start();
        QObject target;
        target.moveToThread(&thread);
        std::atomic<int> calls{0};
        for (int i = 0; i < 100; ++i)
            QMetaObject::invokeMethod(&target, [&calls] { ++calls; }, Qt::QueuedConnection);
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 100, 5000);
        // deleteLater is a posted event too.
        auto *doomed = new QObject;
        doomed->moveToThread(&thread);
        bool destroyed = false;
        QObject::connect(doomed, &QObject::destroyed, doomed, [&destroyed] { destroyed = true; }, Qt::DirectConnection);
        doomed->deleteLater();
        QTRY_VERIFY_WITH_TIMEOUT(destroyed, 5000);
        thread.quit();
        QVERIFY(thread.wait(5000));
    }
};

QTEST_GUILESS_MAIN(tst_EpollEventDispatcher)
#include "tst_epolleventdispatcher.moc"
