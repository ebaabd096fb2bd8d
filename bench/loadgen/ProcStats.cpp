#include "ProcStats.h"

#include <QByteArray>
#include <QFile>
#include <QList>

#include <sys/resource.h>
#include <unistd.h>

ProcSample sampleProcess(int pid)
{
    ProcSample sample;
    if (pid <= 0)
        return sample;
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return sample;
    const QByteArray line = stat.readAll();
    // The command name may contain spaces: the fields start after its closing parenthesis.
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 22)
        return sample;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    sample.cpuSeconds = (fields.at(11).toDouble() + fields.at(12).toDouble()) / ticks;   // utime, stime
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (status.open(QIODevice::ReadOnly)) {
        for (const QByteArray &l : status.readAll().split('\n')) {
            if (l.startsWith("VmRSS:"))
                sample.rssKiB = l.mid(6).trimmed().split(' ').value(0).toLongLong();
        }
    }
    sample.valid = true;
    return sample;
}

double selfCpuSeconds()
{
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int64_t raiseFileLimit()
{
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return int64_t(limit.rlim_cur);
}
