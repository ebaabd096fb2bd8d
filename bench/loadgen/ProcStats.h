#pragma once

#include <cstdint>

// What /proc tells about another process (the server under load) and getrusage about this one.
struct ProcSample
{
    double cpuSeconds = 0;   // user + system
    int64_t rssKiB = 0;      // resident set
    bool valid = false;
};

ProcSample sampleProcess(int pid);
double selfCpuSeconds();
// Raises RLIMIT_NOFILE to its hard limit; returns the soft limit now in force.
int64_t raiseFileLimit();
