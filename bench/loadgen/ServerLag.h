#pragma once

#include <string>

// Asks a running Switchboard for its own event-loop lag over the control socket
// (<data-dir>/control.sock, the `lag` command of `switchboard lag`): the delay between a timer
// falling due in the server thread and the thread running it. Blocking, a line each way; used
// only at the edges of a measured window.
class ServerLag
{
public:
    struct Summary
    {
        bool valid = false;
        int samples = 0;
        double p50Ms = 0;
        double p99Ms = 0;
        double maxMs = 0;
    };

    explicit ServerLag(std::string socketPath) : m_path(std::move(socketPath)) {}
    bool enabled() const { return !m_path.empty(); }
    // Starts a new window on the server; returns the summary of the one that ends.
    Summary reset() { return request(true); }
    Summary read() { return request(false); }

private:
    Summary request(bool reset);
    std::string m_path;
};
