#pragma once

#include "host/Module.h"
#include "modules/ServerQueries.h"

#include <QTimer>
#include <array>
#include <memory>
#include <vector>

class Session;

// XEP-0199 pings from the server to each bound client, every `client_ping_interval` seconds
// (0: never): the answer's round trip is the console's RTT column, and a client that has not
// answered by its next turn is gone (connection-timeout, XEP-0199 §4.2: an error answer counts
// as alive, it still came back). Cost per session: one id in a timer wheel of WheelSlots
// slots; one timer for all sessions, each tick pings the sessions in one slot.
class ClientPingModule final : public Module
{
public:
    static constexpr int WheelSlots = 64;

    void load(ModuleHost &host) override;

    // One wheel step (the timer's; tests call it directly).
    void tick();
    int intervalSeconds() const { return m_intervalSeconds; }

private:
    ModuleHost *m_host = nullptr;
    std::unique_ptr<ServerQueries> m_pings;
    int m_intervalSeconds = 0;
    int m_cursor = 0;
    std::array<std::vector<quint64>, WheelSlots> m_wheel;   // session ids
    QTimer m_timer;
};
