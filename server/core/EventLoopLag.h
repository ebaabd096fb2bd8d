#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <vector>

// How late the server thread's event loop runs a timer: the delay every client request waits
// before the thread gets to it. A precise timer fires every intervalMs; the difference between
// when it fires and when it was due is one sample. The last `capacity` samples are kept, so a
// window "since reset()" (or the last minute, by default) can be summarised exactly.
class EventLoopLag : public QObject
{
    Q_OBJECT
public:
    struct Summary
    {
        int samples = 0;
        double p50Ms = 0;
        double p99Ms = 0;
        double maxMs = 0;
    };

    explicit EventLoopLag(int intervalMs = 10, QObject *parent = nullptr);

    void start();
    // Forgets the samples so far: the next summary covers only what follows.
    void reset();
    Summary summary() const;

private:
    void sample();

    int m_intervalMs;
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_dueNs = 0;
    std::vector<quint32> m_lateUs;   // ring buffer of samples in microseconds
    size_t m_next = 0;
    size_t m_count = 0;
};
