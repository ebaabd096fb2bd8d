#include "core/EventLoopLag.h"

#include <algorithm>
#include <limits>

namespace {
constexpr size_t SampleCapacity = 6000;   // a minute at the default interval
}

EventLoopLag::EventLoopLag(int intervalMs, QObject *parent)
    : QObject(parent)
    , m_intervalMs(qMax(1, intervalMs))
    , m_lateUs(SampleCapacity, 0)
{
    // Single shot, re-armed from the callback: each sample is measured against its own due
    // time, so one long stall counts once instead of making the next ticks look late too.
    m_timer.setSingleShot(true);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, &EventLoopLag::sample);
}

void EventLoopLag::start()
{
    m_clock.start();
    m_dueNs = m_clock.nsecsElapsed() + qint64(m_intervalMs) * 1000000;
    m_timer.start(m_intervalMs);
}

void EventLoopLag::reset()
{
    m_next = 0;
    m_count = 0;
}

void EventLoopLag::sample()
{
    const qint64 now = m_clock.nsecsElapsed();
    const qint64 lateNs = qMax<qint64>(0, now - m_dueNs);
    m_lateUs[m_next] = quint32(qMin<qint64>(lateNs / 1000, std::numeric_limits<quint32>::max()));
    m_next = (m_next + 1) % m_lateUs.size();
    m_count = qMin(m_count + 1, m_lateUs.size());
    m_dueNs = now + qint64(m_intervalMs) * 1000000;
    m_timer.start(m_intervalMs);
}

EventLoopLag::Summary EventLoopLag::summary() const
{
    Summary s;
    if (m_count == 0)
        return s;
    std::vector<quint32> samples;
    samples.reserve(m_count);
    for (size_t i = 0; i < m_count; ++i)
        samples.push_back(m_lateUs[(m_next + m_lateUs.size() - 1 - i) % m_lateUs.size()]);
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) {
        const size_t index = std::min(samples.size() - 1, size_t(q * double(samples.size() - 1) + 0.5));
        return double(samples[index]) / 1000.0;
    };
    s.samples = int(samples.size());
    s.p50Ms = at(0.50);
    s.p99Ms = at(0.99);
    s.maxMs = double(samples.back()) / 1000.0;
    return s;
}
