// The room scenario: N clients join one multi-user chat room (XEP-0045), the first S of them
// post groupchat messages, and every member counts what the room fans out to it. Measures
// deliveries per second (messages × receivers, the sender's own reflection included, §7.4)
// and checks that every member got every message exactly once and in each sender's order.
#include "Scenario.h"

#include "ProcStats.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace {
constexpr const char *MucNs = "http://jabber.org/protocol/muc";

double seconds(int64_t us)
{
    return double(us) / 1e6;
}

bool hasStatus(std::string_view xml, std::string_view code)
{
    const std::string a = "code='" + std::string(code) + "'";
    const std::string b = "code=\"" + std::string(code) + "\"";
    return xml.find(a) != std::string_view::npos || xml.find(b) != std::string_view::npos;
}

// "R<sender>.<seq>.<microseconds>"; false for anything else (the subject, other messages).
bool parseBody(std::string_view body, int &sender, int64_t &seq, int64_t &sentUs)
{
    if (body.size() < 6 || body[0] != 'R')
        return false;
    const std::string text(body.substr(1));
    char *end = nullptr;
    sender = int(std::strtol(text.c_str(), &end, 10));
    if (*end != '.')
        return false;
    seq = std::strtoll(end + 1, &end, 10);
    if (*end != '.')
        return false;
    sentUs = std::strtoll(end + 1, &end, 10);
    return *end == 0;
}
} // namespace

std::string Scenario::roomJid() const
{
    return m_options.room.empty() ? "bench@conference." + m_loop.config().domain : m_options.room;
}

void Scenario::joinRoom(Connection *c)
{
    // §7.2.2 with §7.2.15: no discussion history, so that a join costs the same on every server.
    c->send("<presence to='" + roomJid() + "/" + c->user() + "'><x xmlns='" + MucNs
            + "'><history maxstanzas='0'/></x></presence>");
}

void Scenario::sendRoomMessage(int sender)
{
    RoomMember &m = m_members[size_t(sender)];
    Connection *c = m_connections[size_t(sender)].get();
    if (!c->isOnline() || !m.joined)
        return;
    ++c->inFlight;
    m.seen.push_back(0);
    c->send("<message to='" + roomJid() + "' type='groupchat'><body>R" + std::to_string(sender) + "."
            + std::to_string(m.sent++) + "." + std::to_string(nowUs()) + "</body></message>");
}

void Scenario::roomElement(Connection *c, const Connection::Element &element)
{
    RoomMember &me = m_members[size_t(c->index())];
    const std::string_view type = element.attribute("type");
    if (element.name == "presence") {
        if (type == "error") {
            ++m_roomErrors;
            ++m_failureReasons["room presence error: " + std::string(element.xml.substr(0, 300))];
            return;
        }
        if (type == "unavailable")
            return;
        ++me.presences;
        if (hasStatus(element.xml, "110")) {   // §7.2.3: the occupant's own presence
            me.joined = true;
            me.created = me.created || hasStatus(element.xml, "201");
        }
        return;
    }
    if (element.name == "message") {
        if (type == "error") {
            ++m_roomErrors;
            ++m_failureReasons["room message error: " + std::string(element.xml.substr(0, 300))];
            return;
        }
        int sender = -1;
        int64_t seq = -1, sentUs = 0;
        if (type != "groupchat" || !parseBody(element.childText("body"), sender, seq, sentUs) || sender < 0
            || sender >= m_roomSenders)
            return;   // the subject (§7.2.15) or a stray message
        ++m_roomDeliveries;
        if (m_sending)
            m_latencies.push_back(uint32_t(std::clamp<int64_t>(nowUs() - sentUs, 0, UINT32_MAX)));
        int64_t &expected = me.nextSeq[size_t(sender)];
        if (seq == expected) {
            ++expected;
        } else if (seq < expected) {
            ++m_roomDuplicates;
            return;
        } else {
            ++m_roomOutOfOrder;
            expected = seq + 1;
        }
        RoomMember &from = m_members[size_t(sender)];
        if (seq < int64_t(from.seen.size()) && ++from.seen[size_t(seq)] == uint32_t(m_members.size())) {
            // Every member has it: the sender may post the next one.
            Connection *s = m_connections[size_t(sender)].get();
            if (s->inFlight > 0)
                --s->inFlight;
            if (m_sending && m_options.messageRate <= 0)
                sendRoomMessage(sender);
        }
        return;
    }
    if (element.name == "iq") {
        if (element.attribute("id") == "room-config") {
            if (type == "result")
                ++m_roomConfigured;
            else
                ++m_roomErrors, ++m_failureReasons["room configuration refused"];
            return;
        }
        if (type == "get" || type == "set") {
            c->send("<iq type='error' id='" + std::string(element.attribute("id")) + "' to='"
                    + std::string(element.attribute("from")) + "'><error type='cancel'>"
                    "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
        }
    }
}

int Scenario::runRoom()
{
    const int n = m_options.users;
    for (int i = 0; i < n; ++i)
        m_connections.push_back(std::make_unique<Connection>(&m_loop, i, m_options.prefix + std::to_string(i + 1),
                                                             m_options.password));
    m_roomSenders = std::clamp(m_options.senders, 1, std::max(1, n));
    m_members.assign(size_t(n), RoomMember{});
    for (RoomMember &m : m_members)
        m.nextSeq.assign(size_t(m_roomSenders), 0);
    result("room_members", n);
    result("room_senders", m_roomSenders);
    if (n < 1 || !loginRange(0, n, m_options.window, m_options.timeout) || m_failed > 0) {
        result("login_failures", m_failed);
        return 1;
    }

    // The first member creates the room; a new room is locked until its owner accepts the
    // default configuration (§10.1.2, instant room).
    const int64_t t0 = nowUs();
    auto waitFor = [&](auto done, double secondsMax) {
        const int64_t until = nowUs() + int64_t(secondsMax * 1e6);
        while (!done() && nowUs() < until && !expired())
            spin(2);
        return done();
    };
    joinRoom(m_connections[0].get());
    if (!waitFor([&] { return m_members[0].joined || m_roomErrors > 0; }, 20) || m_roomErrors > 0) {
        std::fprintf(stderr, "sb-loadgen: could not join %s\n", roomJid().c_str());
        result("room_joined", 0);
        return 1;
    }
    if (m_members[0].created) {
        m_connections[0]->send("<iq type='set' id='room-config' to='" + roomJid()
                               + "'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                                 "<x xmlns='jabber:x:data' type='submit'/></query></iq>");
        if (!waitFor([&] { return m_roomConfigured > 0 || m_roomErrors > 0; }, 20) || m_roomErrors > 0)
            return 1;
    }
    // The others, `window` joins in flight.
    int joined = 1;
    for (int i = 1; i < n && !expired(); ++i) {
        joinRoom(m_connections[size_t(i)].get());
        while (i + 1 - joined >= m_options.window && m_roomErrors == 0 && !expired()) {
            spin(1);
            joined = int(std::count_if(m_members.begin(), m_members.end(), [](const RoomMember &m) { return m.joined; }));
        }
    }
    auto countJoined = [&] {
        return int(std::count_if(m_members.begin(), m_members.end(), [](const RoomMember &m) { return m.joined; }));
    };
    waitFor([&] { return countJoined() == n || m_roomErrors > 0; }, 60);
    joined = countJoined();
    const int64_t tJoined = nowUs();
    // Each member sees every occupant's presence once, its own included (§7.2.3).
    auto presences = [&] {
        int64_t total = 0;
        for (const RoomMember &m : m_members)
            total += m.presences;
        return total;
    };
    waitFor([&] { return presences() >= int64_t(n) * n; }, 60);
    result("room_joined", joined);
    result("room_join_s", seconds(tJoined - t0));
    result("room_presences_expected", double(int64_t(n) * n));
    result("room_presences_received", double(presences()));
    if (joined < n)
        return 1;

    if (m_options.idleLag > 0 && m_serverLag.enabled()) {
        // The server's lag with every occupant connected and nothing sent: the baseline the
        // lag under load is compared with on a machine that is not quiet.
        m_serverLag.reset();
        waitFor([] { return false; }, m_options.idleLag);
        reportLag("room_idle_server_lag");
    }

    m_sending = true;
    const bool paced = m_options.messageRate > 0;
    if (!paced) {
        for (int s = 0; s < m_roomSenders; ++s) {
            for (int k = 0; k < m_options.messageWindow; ++k)
                sendRoomMessage(s);
        }
    }
    const int64_t measureFrom = nowUs() + int64_t(m_options.warmup * 1e6);
    const int64_t measureTo = measureFrom + int64_t(m_options.duration * 1e6);
    int64_t nextSend = nowUs();
    const int64_t gap = paced ? std::max<int64_t>(1, int64_t(1e6 / m_options.messageRate)) : 0;
    int roundRobin = 0;
    bool measuring = false;
    int64_t deliveries0 = 0, sent0 = 0;
    ProcSample s0;
    double loadgenCpu0 = 0;
    auto totalSent = [&] {
        int64_t total = 0;
        for (int s = 0; s < m_roomSenders; ++s)
            total += m_members[size_t(s)].sent;
        return total;
    };
    while (nowUs() < measureTo && !expired()) {
        spin(1);
        const int64_t now = nowUs();
        if (!measuring && now >= measureFrom) {
            measuring = true;
            deliveries0 = m_roomDeliveries;
            sent0 = totalSent();
            m_latencies.clear();
            s0 = sampleProcess(m_options.serverPid);
            loadgenCpu0 = selfCpuSeconds();
            startLagWindow();
        }
        if (paced) {
            for (int guard = 0; now >= nextSend && guard < 10000; ++guard) {
                nextSend += gap;
                const int s = roundRobin++ % m_roomSenders;
                if (m_connections[size_t(s)]->inFlight < 256)
                    sendRoomMessage(s);
            }
        }
    }
    const int64_t elapsed = std::max<int64_t>(1, nowUs() - measureFrom);
    const ProcSample s1 = sampleProcess(m_options.serverPid);
    const double loadgenCpu = selfCpuSeconds() - loadgenCpu0;
    reportLag("room_server_lag");
    m_sending = false;
    const int64_t delivered = m_roomDeliveries - deliveries0;
    result("room_messages_posted", double(totalSent() - sent0));
    result("room_deliveries", double(delivered));
    result("room_deliveries_per_s", double(delivered) / seconds(elapsed));
    result("room_messages_per_s", double(delivered) / n / seconds(elapsed));
    reportLatencies("room_latency", m_latencies);
    if (s0.valid && s1.valid)
        result("room_server_cpu_percent", 100.0 * (s1.cpuSeconds - s0.cpuSeconds) / seconds(elapsed));
    result("loadgen_cpu_percent_during_room", 100.0 * loadgenCpu / seconds(elapsed));

    // Everything posted must reach everyone before the verdict.
    auto outstanding = [&] {
        int64_t total = 0;
        for (int s = 0; s < m_roomSenders; ++s)
            total += m_connections[size_t(s)]->inFlight;
        return total;
    };
    // Bounded: a server running behind shows as missing messages, not as a hung run.
    const int64_t drainFrom = nowUs();
    waitFor([&] { return outstanding() == 0; }, 60);
    result("room_drain_s", seconds(nowUs() - drainFrom));
    int64_t missing = 0;
    for (const RoomMember &m : m_members) {
        for (int s = 0; s < m_roomSenders; ++s)
            missing += std::max<int64_t>(0, m_members[size_t(s)].sent - m.nextSeq[size_t(s)]);
    }
    result("room_messages_total", double(totalSent()));
    result("room_missing", double(missing));
    result("room_duplicates", double(m_roomDuplicates));
    result("room_out_of_order", double(m_roomOutOfOrder));
    result("room_errors", double(m_roomErrors));
    result("room_failures", m_failed);
    const bool correct = missing == 0 && m_roomDuplicates == 0 && m_roomOutOfOrder == 0 && m_roomErrors == 0
                         && m_failed == 0;
    result("room_correct", correct ? 1 : 0);
    return correct ? 0 : 1;
}
