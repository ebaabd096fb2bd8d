#pragma once

#include "Connection.h"
#include "ServerLag.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

// The knobs of one run (see `sb-loadgen --help`).
struct RunOptions
{
    std::string scenario = "login";     // login | messages | presence | pep-seed | room
    std::string prefix = "u";           // accounts <prefix>1 .. <prefix>N
    std::string password = "secret";
    int users = 1000;                   // login: N; presence: users
    int window = 100;                   // logins in flight
    int pairs = 500;                    // messages
    int messageWindow = 1;              // messages in flight per direction
    double messageRate = 0;             // > 0: fixed total rate (msg/s) instead of a window
    double duration = 30;               // seconds of message traffic / churn
    int contacts = 20;                  // presence: must match the imported rosters
    int updates = 5;                    // presence: updates per user in the storm
    double churn = 0;                   // login: logins/s of churn after the ramp (0: none)
    bool scramWarmup = true;            // SCRAM: a warm-up pass fills the key cache first
    std::string probeUser;              // pings the server every 10 ms during the run
    std::string controlSocket;          // Switchboard's control.sock: its own event-loop lag
    int serverPid = 0;                  // for CPU and RSS figures
    double timeout = 600;               // hard cap for the whole run, seconds
    double idleSettle = 3;              // seconds idle before the memory sample
    double warmup = 2;                  // messages: seconds of traffic before measuring
    std::string room;                   // room: the room's bare JID (default bench@conference.<domain>)
    int senders = 10;                   // room: members that post (the first ones)
    double idleLag = 0;                 // room: seconds of idle server lag measured before posting
};

// A run: opens the connections, drives a scenario, prints "RESULT key value" lines.
class Scenario : public ConnectionObserver
{
public:
    Scenario(const ClientConfig &client, const RunOptions &options);
    ~Scenario() override;

    int run();   // exit code

    void online(Connection *c) override;
    void failed(Connection *c) override;
    void element(Connection *c, const Connection::Element &element) override;

private:
    void result(const std::string &key, double value);
    void result(const std::string &key, const std::string &value);
    bool expired() const;
    void spin(int timeoutMs);
    // Logs in connections [first, last) with at most `window` in flight. Records each
    // completion time in m_completions. Returns false on the global timeout.
    bool loginRange(int first, int last, int window, double timeoutSeconds);
    void startProbe();
    void tickProbe();
    void closeAll();
    void reportLatencies(const std::string &prefix, std::vector<uint32_t> &latencies);
    // Switchboard only (--control-socket): its event-loop lag over a measured window.
    void startLagWindow();
    void reportLag(const std::string &prefix);

    int runLogin();
    int runMessages();
    int runPresence();
    int runPepSeed();
    int runRoom();   // RoomScenario.cpp

    void sendMessage(Connection *from);
    void sendPresenceUpdate(Connection *c);
    void roomElement(Connection *c, const Connection::Element &element);
    void sendRoomMessage(int sender);
    void joinRoom(Connection *c);
    std::string roomJid() const;

    RunOptions m_options;
    Loop m_loop;
    std::vector<std::unique_ptr<Connection>> m_connections;
    std::unique_ptr<Connection> m_probe;
    int64_t m_deadlineUs = 0;
    int64_t m_started = 0;
    int m_online = 0;
    int m_failed = 0;
    std::map<std::string, int> m_failureReasons;
    std::vector<int64_t> m_completions;
    std::vector<uint32_t> m_probeRtts;   // microseconds
    ServerLag m_serverLag;
    int64_t m_nextPingUs = 0;
    int m_pingId = 0;

    // messages
    bool m_sending = false;
    int64_t m_delivered = 0;
    std::vector<uint32_t> m_latencies;   // microseconds
    // pep-seed
    int64_t m_pepResults = 0;
    int64_t m_pepErrors = 0;
    // presence
    int64_t m_presenceReceived = 0;
    int64_t m_presenceExpected = 0;
    // room: one entry per member (by connection index)
    struct RoomMember
    {
        bool joined = false;          // its own presence with status 110 came back
        bool created = false;         // ... with 201: it created the room
        int64_t presences = 0;        // occupant presences received from the room
        std::vector<int64_t> nextSeq; // per sender: the sequence number expected next
        std::vector<uint32_t> seen;   // sender only: per own message, members that received it
        int64_t sent = 0;             // sender only: messages posted
    };
    std::vector<RoomMember> m_members;
    int m_roomSenders = 0;
    int64_t m_roomDeliveries = 0;     // every delivery of a benchmark message
    int64_t m_roomDuplicates = 0;
    int64_t m_roomOutOfOrder = 0;
    int64_t m_roomErrors = 0;
    int64_t m_roomConfigured = 0;     // instant-room answers (XEP-0045 §10.1.2)
};
