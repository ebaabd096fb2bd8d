#include "core/EpollEventDispatcher.h"

#include <QCoreApplication>
#include <QEvent>
#include <QSocketNotifier>

#include <cerrno>
#include <ctime>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace {

qint64 nowUs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

constexpr quint64 WakeTag = ~quint64(0);
constexpr qint64 TimerSliceUs = 1000;

quint64 tag(int fd, quint32 generation)
{
    return (quint64(generation) << 32) | quint32(fd);
}

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = WakeTag;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &event);
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    ::close(m_wakeFd);
    ::close(m_epoll);
}

bool EpollEventDispatcher::wanted()
{
    if (qgetenv("SWITCHBOARD_EVENT_DISPATCHER") == "qt")
        return false;
    const int probe = epoll_create1(EPOLL_CLOEXEC);
    if (probe < 0)
        return false;
    ::close(probe);
    return true;
}

// --- sockets ---

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    if (fd < 0)
        return;
    if (size_t(fd) >= m_watches.size())
        m_watches.resize(size_t(fd) + 256);
    Watch &w = m_watches[size_t(fd)];
    switch (notifier->type()) {
    case QSocketNotifier::Read: w.read = notifier; break;
    case QSocketNotifier::Write: w.write = notifier; break;
    case QSocketNotifier::Exception: w.exception = notifier; break;
    }
    updateWatch(fd);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    const int fd = int(notifier->socket());
    if (fd < 0 || size_t(fd) >= m_watches.size())
        return;
    Watch &w = m_watches[size_t(fd)];
    if (w.read == notifier)
        w.read = nullptr;
    else if (w.write == notifier)
        w.write = nullptr;
    else if (w.exception == notifier)
        w.exception = nullptr;
    else
        return;
    updateWatch(fd);
}

void EpollEventDispatcher::updateWatch(int fd)
{
    Watch &w = m_watches[size_t(fd)];
    epoll_event event{};
    event.events = (w.read ? EPOLLIN : 0u) | (w.write ? EPOLLOUT : 0u) | (w.exception ? EPOLLPRI : 0u);
    if (event.events == 0) {
        if (w.inEpoll)
            epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
        w.inEpoll = false;
        ++w.generation;   // events already fetched for this descriptor are stale now
        return;
    }
    event.data.u64 = tag(fd, w.generation);
    if (w.inEpoll) {
        if (epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event) == 0)
            return;
        // The descriptor was closed and reused behind our back: start again.
    }
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) == 0 || (errno == EEXIST && epoll_ctl(m_epoll, EPOLL_CTL_MOD, fd, &event) == 0))
        w.inEpoll = true;
    else
        qWarning("EpollEventDispatcher: cannot watch descriptor %d (errno %d)", fd, errno);
}

void EpollEventDispatcher::activate(QSocketNotifier *notifier)
{
    QEvent event(QEvent::SockAct);
    QCoreApplication::sendEvent(notifier, &event);
}

// --- timers ---

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType, QObject *object)
{
    Timer timer;
    timer.object = object;
    timer.intervalMs = interval;
    timer.type = timerType;
    timer.dueUs = nowUs() + interval * 1000;
    m_timers.insert(timerId, timer);
    m_due.emplace(std::make_pair(timer.dueUs, timerId), timerId);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_due.erase(std::make_pair(it->dueUs, timerId));
    m_timers.erase(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    bool any = false;
    for (auto it = m_timers.begin(); it != m_timers.end();) {
        if (it->object == object) {
            m_due.erase(std::make_pair(it->dueUs, it.key()));
            it = m_timers.erase(it);
            any = true;
        } else {
            ++it;
        }
    }
    return any;
}

QList<QAbstractEventDispatcher::TimerInfo> EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> result;
    for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it) {
        if (it->object == object)
            result.append(TimerInfo(it.key(), int(it->intervalMs), it->type));
    }
    return result;
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.constEnd())
        return -1;
    return int(qMax<qint64>(0, (it->dueUs - nowUs() + 999) / 1000));
}

int EpollEventDispatcher::waitTimeoutMs() const
{
    if (m_due.empty())
        return -1;
    const qint64 wait = m_due.begin()->first.first - nowUs();
    return wait <= 0 ? 0 : int(qMin<qint64>((wait + 999) / 1000, 24 * 3600 * 1000));
}

int EpollEventDispatcher::dispatchTimers()
{
    // Only the timers due now: one that a handler starts for "now" fires on the next turn.
    const qint64 now = nowUs();
    std::vector<int> due;
    for (auto it = m_due.begin(); it != m_due.end() && it->first.first <= now; ++it)
        due.push_back(it->second);
    int fired = 0;
    for (int id : due) {
        const auto it = m_timers.find(id);
        if (it == m_timers.end())
            continue;   // stopped by an earlier handler
        m_due.erase(std::make_pair(it->dueUs, id));
        // Re-armed from now, before the event: the handler may stop or restart it.
        it->dueUs = now + it->intervalMs * 1000;
        m_due.emplace(std::make_pair(it->dueUs, id), id);
        QObject *object = it->object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        ++fired;
    }
    return fired;
}

// --- the loop ---

void EpollEventDispatcher::wakeUp()
{
    const quint64 one = 1;
    [[maybe_unused]] const ssize_t n = ::write(m_wakeFd, &one, sizeof one);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted = true;
    wakeUp();
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    m_interrupted = false;
    Q_EMIT awake();
    QCoreApplication::sendPostedEvents();
    if (m_interrupted)
        return false;

    const bool wait = flags.testFlag(QEventLoop::WaitForMoreEvents);
    const bool timers = !flags.testFlag(QEventLoop::X11ExcludeTimers);
    int timeout = 0;
    if (wait)
        timeout = timers ? waitTimeoutMs() : -1;
    if (timeout != 0)
        Q_EMIT aboutToBlock();

    epoll_event events[256];
    int n = epoll_wait(m_epoll, events, 256, timeout);
    if (n < 0)
        n = 0;   // EINTR: a signal; the caller loops
    if (timeout != 0)
        Q_EMIT awake();

    int handled = 0;
    const bool sockets = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    qint64 sinceTimersUs = nowUs();
    for (int i = 0; i < n && !m_interrupted; ++i) {
        // A batch of busy descriptors (each client's input may fan out to a whole room) would
        // hold the timers back until its end: the ones due by now run between descriptors.
        if (timers && i > 0 && nowUs() - sinceTimersUs > TimerSliceUs) {
            handled += dispatchTimers();
            sinceTimersUs = nowUs();
        }
        const quint64 data = events[i].data.u64;
        if (data == WakeTag) {
            quint64 count;
            [[maybe_unused]] const ssize_t r = ::read(m_wakeFd, &count, sizeof count);
            continue;
        }
        if (!sockets)
            continue;
        const int fd = int(quint32(data));
        const quint32 generation = quint32(data >> 32);
        const uint32_t ev = events[i].events;
        // Each notifier is looked up again: an earlier handler may have removed it.
        auto current = [&](QSocketNotifier *Watch::*which) -> QSocketNotifier * {
            if (size_t(fd) >= m_watches.size())
                return nullptr;
            const Watch &w = m_watches[size_t(fd)];
            return w.generation == generation ? w.*which : nullptr;
        };
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
            if (QSocketNotifier *s = current(&Watch::read); s && s->isEnabled()) {
                activate(s);
                ++handled;
            }
        }
        if (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
            if (QSocketNotifier *s = current(&Watch::write); s && s->isEnabled()) {
                activate(s);
                ++handled;
            }
        }
        if (ev & EPOLLPRI) {
            if (QSocketNotifier *s = current(&Watch::exception); s && s->isEnabled()) {
                activate(s);
                ++handled;
            }
        }
    }
    if (timers && !m_interrupted)
        handled += dispatchTimers();
    // Events posted by the handlers above are sent on the next turn (wakeUp() saw to that).
    return handled > 0 || n > 0;
}
