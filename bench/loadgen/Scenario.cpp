#include "Scenario.h"

#include "ProcStats.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace {
constexpr int64_t LoginTimeoutUs = 60'000'000;   // one login may take this long before it fails
constexpr int PingIntervalUs = 10'000;

std::string userName(const std::string &prefix, int n)
{
    return prefix + std::to_string(n);
}

double seconds(int64_t us)
{
    return double(us) / 1e6;
}
} // namespace

Scenario::Scenario(const ClientConfig &client, const RunOptions &options)
    : m_options(options)
    , m_loop(client)
    , m_serverLag(options.controlSocket)
{
    m_loop.setObserver(this);
}

Scenario::~Scenario() = default;

void Scenario::result(const std::string &key, double value)
{
    std::printf("RESULT %s %.6g\n", key.c_str(), value);
    std::fflush(stdout);
}

void Scenario::result(const std::string &key, const std::string &value)
{
    std::printf("RESULT %s %s\n", key.c_str(), value.c_str());
    std::fflush(stdout);
}

bool Scenario::expired() const
{
    return nowUs() > m_deadlineUs;
}

void Scenario::spin(int timeoutMs)
{
    m_loop.poll(timeoutMs);
    tickProbe();
}

int Scenario::run()
{
    m_started = nowUs();
    m_deadlineUs = m_started + int64_t(m_options.timeout * 1e6);
    if (!m_options.probeUser.empty())
        startProbe();
    int code = 2;
    if (m_options.scenario == "login")
        code = runLogin();
    else if (m_options.scenario == "messages")
        code = runMessages();
    else if (m_options.scenario == "presence")
        code = runPresence();
    else if (m_options.scenario == "pep-seed")
        code = runPepSeed();
    else if (m_options.scenario == "room")
        code = runRoom();
    else
        std::fprintf(stderr, "sb-loadgen: unknown scenario %s\n", m_options.scenario.c_str());
    if (m_probe) {
        reportLatencies("probe_rtt", m_probeRtts);
        result("probe_pings", double(m_probeRtts.size()));
    }
    for (const auto &[reason, count] : m_failureReasons)
        std::fprintf(stderr, "sb-loadgen: %d× %s\n", count, reason.c_str());
    const double wall = seconds(nowUs() - m_started);
    const double cpu = selfCpuSeconds();
    result("loadgen_cpu_s", cpu);
    result("loadgen_cpu_percent", wall > 0 ? 100.0 * cpu / wall : 0);
    result("wall_s", wall);
    closeAll();
    if (expired()) {
        std::fprintf(stderr, "sb-loadgen: the run hit its time limit (%.0f s)\n", m_options.timeout);
        return 3;
    }
    return code;
}

// --- observer ---

void Scenario::online(Connection *c)
{
    if (c == m_probe.get()) {
        m_nextPingUs = nowUs();
        return;
    }
    ++m_online;
    m_completions.push_back(c->onlineUs());
}

void Scenario::failed(Connection *c)
{
    if (c == m_probe.get()) {
        ++m_failureReasons["probe: " + c->failure()];
        return;
    }
    if (c->onlineUs() != 0)
        --m_online;   // dropped after login
    ++m_failed;
    ++m_failureReasons[c->failure()];
}

void Scenario::element(Connection *c, const Connection::Element &element)
{
    if (c == m_probe.get()) {
        if (element.name == "iq" && c->pingSentUs != 0 && element.attribute("id") == "ping" + std::to_string(m_pingId)) {
            m_probeRtts.push_back(uint32_t(std::min<int64_t>(nowUs() - c->pingSentUs, UINT32_MAX)));
            c->pingSentUs = 0;
        }
        return;
    }
    if (m_options.scenario == "room") {
        roomElement(c, element);
        return;
    }
    if (element.name == "message") {
        if (element.attribute("type") == "error") {
            ++m_failureReasons["message bounced"];
            return;
        }
        const std::string_view body = element.childText("body");
        if (body.size() > 1 && body[0] == 'T') {
            const int64_t sent = std::strtoll(std::string(body.substr(1)).c_str(), nullptr, 10);
            const int64_t latency = nowUs() - sent;
            if (m_sending) {
                ++m_delivered;
                m_latencies.push_back(uint32_t(std::clamp<int64_t>(latency, 0, UINT32_MAX)));
            }
        }
        if (c->peer >= 0) {
            Connection *sender = m_connections[size_t(c->peer)].get();
            if (sender->inFlight > 0)
                --sender->inFlight;
            if (m_sending && m_options.messageRate <= 0)
                sendMessage(sender);
        }
        return;
    }
    if (element.name == "iq" && element.attribute("id").substr(0, 4) == "pep-") {
        if (element.attribute("type") == "result")
            ++m_pepResults;
        else
            ++m_pepErrors;
        return;
    }
    if (element.name == "presence") {
        ++m_presenceReceived;
        if (element.attribute("from") == c->fullJid()) {
            c->waitingEcho = false;
            if (c->pendingUpdates > 0)
                sendPresenceUpdate(c);
        } else {
            ++c->presencesFromOthers;
        }
        return;
    }
    if (element.name == "iq") {
        // A request from the server (none expected): answer so that nothing waits on us.
        const std::string_view type = element.attribute("type");
        if (type == "get" || type == "set") {
            c->send("<iq type='error' id='" + std::string(element.attribute("id")) + "' to='"
                    + std::string(element.attribute("from")) + "'><error type='cancel'>"
                    "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        }
    }
}

// --- building blocks ---

void Scenario::startProbe()
{
    m_probe = std::make_unique<Connection>(&m_loop, -1, m_options.probeUser, m_options.password);
    m_probe->start();
    const int64_t until = nowUs() + 20'000'000;
    while (!m_probe->isOnline() && m_probe->state() != Connection::State::Failed && nowUs() < until)
        m_loop.poll(5);
    if (!m_probe->isOnline()) {
        std::fprintf(stderr, "sb-loadgen: the probe %s did not log in (%s)\n", m_options.probeUser.c_str(),
                     m_probe->failure().c_str());
        m_probe.reset();
    }
}

void Scenario::tickProbe()
{
    if (!m_probe || !m_probe->isOnline() || m_probe->pingSentUs != 0)
        return;
    const int64_t now = nowUs();
    if (now < m_nextPingUs)
        return;
    m_nextPingUs = now + PingIntervalUs;
    ++m_pingId;
    m_probe->pingSentUs = now;
    m_probe->send("<iq type='get' id='ping" + std::to_string(m_pingId) + "' to='" + m_loop.config().domain
                  + "'><ping xmlns='urn:xmpp:ping'/></iq>");
}

void Scenario::closeAll()
{
    for (auto &c : m_connections) {
        if (c->fd() >= 0)
            c->close();
    }
    m_online = 0;
}

bool Scenario::loginRange(int first, int last, int window, double timeoutSeconds)
{
    const int64_t deadline = std::min(m_deadlineUs, nowUs() + int64_t(timeoutSeconds * 1e6));
    int next = first;
    int64_t lastSweep = nowUs();
    while (nowUs() < deadline) {
        int busy = 0;
        // Counting is O(window) thanks to the sweep below keeping `pending` small.
        for (int i = first; i < next; ++i) {
            if (m_connections[size_t(i)]->isBusy())
                ++busy;
            if (busy >= window)
                break;
        }
        while (busy < window && next < last) {
            m_connections[size_t(next++)]->start();
            ++busy;
        }
        if (next >= last && busy == 0)
            return true;
        spin(1);
        const int64_t now = nowUs();
        if (now - lastSweep > 200'000) {
            lastSweep = now;
            for (int i = first; i < next; ++i) {
                Connection *c = m_connections[size_t(i)].get();
                if (c->isBusy() && now - c->startedUs() > LoginTimeoutUs)
                    c->close(), failed(c);
            }
        }
        // Skip the leading connections that are done, so that the busy count stays cheap.
        while (first < next && !m_connections[size_t(first)]->isBusy())
            ++first;
    }
    return false;
}

void Scenario::startLagWindow()
{
    if (m_serverLag.enabled())
        m_serverLag.reset();
}

void Scenario::reportLag(const std::string &prefix)
{
    if (!m_serverLag.enabled())
        return;
    const ServerLag::Summary lag = m_serverLag.read();
    if (!lag.valid) {
        std::fprintf(stderr, "sb-loadgen: no lag figures from the control socket %s\n", m_options.controlSocket.c_str());
        return;
    }
    result(prefix + "_samples", lag.samples);
    result(prefix + "_p50_ms", lag.p50Ms);
    result(prefix + "_p99_ms", lag.p99Ms);
    result(prefix + "_max_ms", lag.maxMs);
}

void Scenario::reportLatencies(const std::string &prefix, std::vector<uint32_t> &latencies)
{
    if (latencies.empty()) {
        result(prefix + "_p50_ms", 0.0);
        result(prefix + "_p99_ms", 0.0);
        return;
    }
    auto at = [&](double q) {
        const size_t k = std::min(latencies.size() - 1, size_t(q * double(latencies.size())));
        std::nth_element(latencies.begin(), latencies.begin() + long(k), latencies.end());
        return double(latencies[k]) / 1000.0;
    };
    result(prefix + "_p50_ms", at(0.50));
    result(prefix + "_p99_ms", at(0.99));
    result(prefix + "_max_ms", double(*std::max_element(latencies.begin(), latencies.end())) / 1000.0);
}

// --- login: connect, authenticate, bind, roster, presence; then stay idle ---

int Scenario::runLogin()
{
    const int n = m_options.users;
    for (int i = 0; i < n; ++i)
        m_connections.push_back(std::make_unique<Connection>(&m_loop, i, userName(m_options.prefix, i + 1),
                                                             m_options.password));
    if (m_loop.config().mechanism == ClientConfig::Mechanism::ScramSha1 && m_options.scramWarmup) {
        // Not measured: fills the generator's SCRAM key cache (one PBKDF2 per account).
        const int64_t t = nowUs();
        loginRange(0, n, m_options.window, m_options.timeout);
        result("scram_warmup_s", seconds(nowUs() - t));
        closeAll();
        const int64_t settle = nowUs() + 2'000'000;
        while (nowUs() < settle)
            spin(10);
        m_online = 0;
        m_failed = 0;
        m_failureReasons.clear();
        m_completions.clear();
    }
    const ProcSample before = sampleProcess(m_options.serverPid);
    const int64_t t0 = nowUs();
    const double loadgenCpu0 = selfCpuSeconds();
    m_completions.clear();
    m_completions.reserve(size_t(n));
    const bool finished = loginRange(0, n, m_options.window, m_options.timeout);
    const int64_t t1 = nowUs();
    const ProcSample after = sampleProcess(m_options.serverPid);
    const double loadgenCpu = selfCpuSeconds() - loadgenCpu0;

    std::sort(m_completions.begin(), m_completions.end());
    const int done = int(m_completions.size());
    result("logins", done);
    result("login_failures", m_failed);
    result("login_time_s", seconds(t1 - t0));
    result("logins_per_s", done / std::max(1e-9, seconds(t1 - t0)));
    // The rate "at k sessions": the last 1,000 logins before the k-th (all of them below 1,000).
    for (int k : {1000, 2000, 5000, 10000}) {
        if (k > done)
            continue;
        const int span = std::min(1000, k);
        const int64_t from = k == span ? t0 : m_completions[size_t(k - span - 1)];
        result("logins_per_s_at_" + std::to_string(k), span / std::max(1e-9, seconds(m_completions[size_t(k - 1)] - from)));
    }
    if (before.valid && after.valid && done > 0) {
        const double cpu = after.cpuSeconds - before.cpuSeconds;
        result("server_cpu_s", cpu);
        result("server_cpu_ms_per_login", 1000.0 * cpu / done);
        result("server_cpu_percent", 100.0 * cpu / std::max(1e-9, seconds(t1 - t0)));
    }
    result("loadgen_cpu_percent_during_logins", 100.0 * loadgenCpu / std::max(1e-9, seconds(t1 - t0)));

    // Idle sessions: let the server settle, then its memory.
    const int64_t settle = nowUs() + int64_t(m_options.idleSettle * 1e6);
    while (nowUs() < settle && !expired())
        spin(10);
    const ProcSample idle = sampleProcess(m_options.serverPid);
    if (before.valid && idle.valid && m_online > 0) {
        result("sessions_idle", m_online);
        result("server_rss_before_kib", double(before.rssKiB));
        result("server_rss_idle_kib", double(idle.rssKiB));
        result("kib_per_session", double(idle.rssKiB - before.rssKiB) / m_online);
    }

    if (m_options.churn > 0 && finished) {
        // Churn: every 1/rate s one idle session leaves and logs in again.
        const int64_t interval = int64_t(1e6 / m_options.churn);
        const int64_t end = nowUs() + int64_t(m_options.duration * 1e6);
        const size_t completedBefore = m_completions.size();
        const int failedBefore = m_failed;
        const ProcSample c0 = sampleProcess(m_options.serverPid);
        startLagWindow();
        const int64_t start = nowUs();
        int64_t nextChurn = start;
        int index = 0;
        int64_t started = 0;
        while (nowUs() < end && !expired()) {
            spin(1);
            const int64_t now = nowUs();
            for (int guard = 0; now >= nextChurn && guard < 1000; ++guard) {
                nextChurn += interval;
                Connection *c = m_connections[size_t(index)].get();
                index = (index + 1) % n;
                if (!c->isOnline())
                    continue;
                c->close();
                --m_online;
                c->start();
                ++started;
            }
        }
        const int64_t elapsed = nowUs() - start;
        const ProcSample c1 = sampleProcess(m_options.serverPid);
        reportLag("churn_server_lag");
        result("churn_logins_started", double(started));
        result("churn_logins_per_s", double(m_completions.size() - completedBefore) / seconds(elapsed));
        result("churn_failures", m_failed - failedBefore);
        if (c0.valid && c1.valid)
            result("churn_server_cpu_percent", 100.0 * (c1.cpuSeconds - c0.cpuSeconds) / seconds(elapsed));
    }
    return m_failed == 0 && finished ? 0 : 1;
}

// --- messages: pairs chat as fast as delivered, with a timestamp in every body ---

void Scenario::sendMessage(Connection *from)
{
    if (from->peer < 0 || !from->isOnline())
        return;
    Connection *to = m_connections[size_t(from->peer)].get();
    ++from->inFlight;
    from->send("<message to='" + to->user() + "@" + m_loop.config().domain + "' type='chat'><body>T"
               + std::to_string(nowUs()) + "</body></message>");
}

int Scenario::runMessages()
{
    const int pairs = m_options.pairs;
    for (int i = 0; i < 2 * pairs; ++i)
        m_connections.push_back(std::make_unique<Connection>(&m_loop, i, userName(m_options.prefix, i + 1),
                                                             m_options.password));
    for (int i = 0; i < pairs; ++i) {
        m_connections[size_t(2 * i)]->peer = 2 * i + 1;
        m_connections[size_t(2 * i + 1)]->peer = 2 * i;
    }
    if (!loginRange(0, 2 * pairs, m_options.window, m_options.timeout) || m_failed > 0) {
        result("login_failures", m_failed);
        return 1;
    }
    // Warm-up traffic, then the measured window.
    m_sending = true;
    const bool paced = m_options.messageRate > 0;
    if (!paced) {
        for (auto &c : m_connections) {
            for (int k = 0; k < m_options.messageWindow; ++k)
                sendMessage(c.get());
        }
    }
    const int64_t measureFrom = nowUs() + int64_t(m_options.warmup * 1e6);
    const int64_t measureTo = measureFrom + int64_t(m_options.duration * 1e6);
    int64_t nextSend = nowUs();
    const int64_t gap = paced ? int64_t(1e6 / m_options.messageRate) : 0;
    size_t roundRobin = 0;
    bool measuring = false;
    ProcSample s0;
    double loadgenCpu0 = 0;
    while (nowUs() < measureTo && !expired()) {
        spin(1);   // paced sends go out in 1 ms batches; never a busy loop that takes the server's core
        const int64_t now = nowUs();
        if (!measuring && now >= measureFrom) {
            measuring = true;
            m_delivered = 0;
            m_latencies.clear();
            s0 = sampleProcess(m_options.serverPid);
            loadgenCpu0 = selfCpuSeconds();
            startLagWindow();
        }
        if (paced) {
            for (int guard = 0; now >= nextSend && guard < 10000; ++guard) {
                nextSend += gap;
                Connection *c = m_connections[roundRobin++ % m_connections.size()].get();
                if (c->inFlight < 256)
                    sendMessage(c);
            }
        }
    }
    const int64_t elapsed = nowUs() - measureFrom;
    const ProcSample s1 = sampleProcess(m_options.serverPid);
    const double loadgenCpu = selfCpuSeconds() - loadgenCpu0;
    reportLag("server_lag");
    m_sending = false;
    const int64_t delivered = m_delivered;
    result("messages_delivered", double(delivered));
    result("messages_per_s", double(delivered) / seconds(elapsed));
    reportLatencies("latency", m_latencies);
    if (s0.valid && s1.valid)
        result("server_cpu_percent", 100.0 * (s1.cpuSeconds - s0.cpuSeconds) / seconds(elapsed));
    result("loadgen_cpu_percent_during_messages", 100.0 * loadgenCpu / seconds(elapsed));
    result("message_failures", m_failed);
    // Let what is in flight arrive before the connections close.
    const int64_t drain = nowUs() + int64_t(std::max(0.2, m_options.warmup) * 1e6);
    while (nowUs() < drain && !expired())
        spin(5);
    return m_failed == 0 ? 0 : 1;
}

// --- presence: everyone logs in (each has `contacts` mutual contacts), then an update storm ---

void Scenario::sendPresenceUpdate(Connection *c)
{
    --c->pendingUpdates;
    c->waitingEcho = true;
    c->send("<presence><status>u" + std::to_string(c->pendingUpdates) + "</status></presence>");
}

int Scenario::runPresence()
{
    const int n = m_options.users;
    for (int i = 0; i < n; ++i)
        m_connections.push_back(std::make_unique<Connection>(&m_loop, i, userName(m_options.prefix, i + 1),
                                                             m_options.password));
    m_presenceReceived = 0;
    const int64_t t0 = nowUs();
    const ProcSample s0 = sampleProcess(m_options.serverPid);
    const bool loggedIn = loginRange(0, n, m_options.window, m_options.timeout);
    const int64_t tLogins = nowUs();
    // Every user must see each contact's presence once: broadcast or probe answer.
    const int64_t expected = int64_t(n) * m_options.contacts;
    auto fromOthers = [&] {
        int64_t total = 0;
        for (auto &c : m_connections)
            total += c->presencesFromOthers;
        return total;
    };
    const int64_t waitUntil = nowUs() + 60'000'000;
    while (fromOthers() < expected && nowUs() < waitUntil && !expired())
        spin(5);
    const int64_t tAll = nowUs();
    const ProcSample s1 = sampleProcess(m_options.serverPid);
    const int64_t initialSeen = fromOthers();
    result("presence_users", n);
    result("presence_login_failures", m_failed);
    result("presence_initial_expected", double(expected));
    result("presence_initial_received", double(initialSeen));
    result("presence_logins_s", seconds(tLogins - t0));
    result("presence_all_arrived_s", seconds(tAll - t0));
    if (s0.valid && s1.valid)
        result("presence_login_server_cpu_s", s1.cpuSeconds - s0.cpuSeconds);

    // The storm: each user sends `updates` presence updates, the next one when its own echo is
    // back; every update goes to the user's contacts and back to the user.
    const int64_t before = m_presenceReceived;
    const int64_t stormExpected = int64_t(n) * m_options.updates * (m_options.contacts + 1);
    const ProcSample st0 = sampleProcess(m_options.serverPid);
    const double loadgenCpu0 = selfCpuSeconds();
    const int64_t t2 = nowUs();
    for (auto &c : m_connections) {
        if (!c->isOnline())
            continue;
        c->pendingUpdates = m_options.updates;
        sendPresenceUpdate(c.get());
    }
    const int64_t stormUntil = nowUs() + 120'000'000;
    while (m_presenceReceived - before < stormExpected && nowUs() < stormUntil && !expired())
        spin(5);
    const int64_t t3 = nowUs();
    const ProcSample st1 = sampleProcess(m_options.serverPid);
    const double loadgenCpu = selfCpuSeconds() - loadgenCpu0;
    const int64_t stormReceived = m_presenceReceived - before;
    result("presence_storm_expected", double(stormExpected));
    result("presence_storm_received", double(stormReceived));
    result("presence_storm_s", seconds(t3 - t2));
    result("presence_per_s", double(stormReceived) / std::max(1e-9, seconds(t3 - t2)));
    if (st0.valid && st1.valid)
        result("presence_storm_server_cpu_percent", 100.0 * (st1.cpuSeconds - st0.cpuSeconds) / seconds(t3 - t2));
    result("loadgen_cpu_percent_during_storm", 100.0 * loadgenCpu / std::max(1e-9, seconds(t3 - t2)));
    return loggedIn && initialSeen >= expected && stormReceived >= stormExpected ? 0 : 1;
}

// pep-seed: every account publishes, once, what a modern client keeps in PEP: an avatar
// (XEP-0084 data and metadata) and an OMEMO device list and bundle (XEP-0384, the version
// Conversations, Dino, Gajim and Profanity speak), each with publish-options as those clients
// send them. The bench's login runs then meet servers that hold PEP data for every user.
namespace {
// A 1x1 PNG and its SHA-1.
const char *const AvatarPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const char *const AvatarSha1 = "4a5eb7171b58e08a6881721e3b43d5a44419a2be";
const char *const OmemoNs = "eu.siacs.conversations.axolotl";

std::string publishOptions(const std::string &accessModel, const std::string &maxItems)
{
    std::string x = "<publish-options><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
                    "<value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                    "<field var='pubsub#access_model'><value>" + accessModel + "</value></field>";
    if (!maxItems.empty())
        x += "<field var='pubsub#max_items'><value>" + maxItems + "</value></field>";
    return x + "</x></publish-options>";
}

std::string publish(const std::string &id, const std::string &node, const std::string &itemId,
                    const std::string &payload, const std::string &options)
{
    return "<iq type='set' id='" + id + "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + node
           + "'><item id='" + itemId + "'>" + payload + "</item></publish>" + options + "</pubsub></iq>";
}

// A key-sized base64 string that differs per user and key (the server never checks keys).
std::string fakeKey(int user, int key)
{
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "BQ%08d%08dAAAAAAAAAAAAAAAAAAAAAAAAAA=", user, key);
    return buffer;
}

std::string bundle(int user)
{
    std::string b = std::string("<bundle xmlns='") + OmemoNs + "'><signedPreKeyPublic signedPreKeyId='1'>"
                    + fakeKey(user, 0) + "</signedPreKeyPublic><signedPreKeySignature>" + fakeKey(user, 1)
                    + fakeKey(user, 2) + "</signedPreKeySignature><identityKey>" + fakeKey(user, 3)
                    + "</identityKey><prekeys>";
    for (int k = 1; k <= 100; ++k)
        b += "<preKeyPublic preKeyId='" + std::to_string(k) + "'>" + fakeKey(user, 100 + k) + "</preKeyPublic>";
    return b + "</prekeys></bundle>";
}
} // namespace

int Scenario::runPepSeed()
{
    const int n = m_options.users;
    for (int i = 0; i < n; ++i)
        m_connections.push_back(std::make_unique<Connection>(&m_loop, i, userName(m_options.prefix, i + 1),
                                                             m_options.password));
    const int64_t t0 = nowUs();
    int64_t expected = 0;
    // Logged in a window at a time; each connection publishes its four items as soon as it is
    // online, so the writes overlap the logins.
    for (int first = 0; first < n && !expired(); first += m_options.window) {
        const int last = std::min(n, first + m_options.window);
        loginRange(first, last, m_options.window, m_options.timeout);
        for (int i = first; i < last; ++i) {
            Connection *c = m_connections[size_t(i)].get();
            if (!c->isOnline())
                continue;
            const int device = i + 1;
            const std::string open = publishOptions("open", "");
            c->send(publish("pep-1", "urn:xmpp:avatar:data", AvatarSha1,
                            std::string("<data xmlns='urn:xmpp:avatar:data'>") + AvatarPng + "</data>", open));
            c->send(publish("pep-2", "urn:xmpp:avatar:metadata", AvatarSha1,
                            std::string("<metadata xmlns='urn:xmpp:avatar:metadata'><info id='") + AvatarSha1
                                    + "' bytes='70' type='image/png' width='1' height='1'/></metadata>",
                            open));
            c->send(publish("pep-3", std::string(OmemoNs) + ".devicelist", "current",
                            std::string("<list xmlns='") + OmemoNs + "'><device id='" + std::to_string(device)
                                    + "'/></list>",
                            open));
            c->send(publish("pep-4", std::string(OmemoNs) + ".bundles:" + std::to_string(device), "current",
                            bundle(device), publishOptions("open", "1")));
            expected += 4;
        }
        const int64_t waitUntil = nowUs() + 60'000'000;
        while (m_pepResults + m_pepErrors < expected && nowUs() < waitUntil && !expired())
            spin(5);
        closeAll();
    }
    result("pep_seed_users", n);
    result("pep_seed_login_failures", m_failed);
    result("pep_seed_published", double(m_pepResults));
    result("pep_seed_refused", double(m_pepErrors));
    result("pep_seed_s", seconds(nowUs() - t0));
    return m_pepResults == int64_t(n) * 4 ? 0 : 1;
}
