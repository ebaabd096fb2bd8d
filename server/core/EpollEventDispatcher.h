#pragma once

#include <QAbstractEventDispatcher>
#include <QHash>

#include <atomic>
#include <map>
#include <vector>

class QSocketNotifier;

// An event dispatcher for the server's thread on Linux epoll. Qt 6.4's own dispatchers (glib
// and the unix one) hand every socket to poll() on every turn of the loop, so each wake-up
// costs O(sessions): at 10,000 idle sessions that is most of the server's time. Here the
// kernel keeps the interest set and a wake-up costs O(ready sockets).
//
// Semantics follow QEventDispatcherUNIX: level-triggered socket notifiers (an error or hang-up
// activates the read and write notifiers), timers fired in order of their due time and
// re-armed from the time they fired, posted events sent on each turn, wakeUp() through an
// eventfd. All timer types are treated as precise.
class EpollEventDispatcher final : public QAbstractEventDispatcher
{
    Q_OBJECT
public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    // True when the environment does not ask for Qt's own dispatcher
    // (SWITCHBOARD_EVENT_DISPATCHER=qt) and epoll works here.
    static bool wanted();

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

private:
    struct Watch
    {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 generation = 0;   // tells a reused descriptor from the one an event was for
        bool inEpoll = false;
    };
    struct Timer
    {
        QObject *object = nullptr;
        qint64 intervalMs = 0;
        Qt::TimerType type = Qt::CoarseTimer;
        qint64 dueUs = 0;
    };

    void updateWatch(int fd);
    void activate(QSocketNotifier *notifier);
    int dispatchTimers();
    int waitTimeoutMs() const;

    int m_epoll = -1;
    int m_wakeFd = -1;
    std::atomic<bool> m_interrupted{false};
    std::vector<Watch> m_watches;                 // by descriptor
    QHash<int, Timer> m_timers;                   // by timer id
    std::map<std::pair<qint64, int>, int> m_due;  // (due µs, id) → id, in firing order
};
