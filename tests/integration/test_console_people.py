"""The console's view of each session from the command line: `switchboard sessions --json`
gives each session's `client` (the client's XEP-0092 answer to the server's version query,
else its caps node) and `rtt_ms` (the round trip of the server's XEP-0199 ping), and
`switchboard timeline JID` prints a session's lifecycle, one line per step, also after the
session closed. Driven with slixmpp and, independently, aioxmpp."""

import asyncio
import json

import aioxmpp
import aioxmpp.ping
import aioxmpp.version

import harness
from harness import Client, Server, wait_for

def parse_timeline(text):
    """{session header: [(iso time, kind, detail)]} from `switchboard timeline` output."""
    sessions, current = {}, None
    for line in text.splitlines():
        if line.startswith("session "):
            current = line
            sessions[current] = []
        elif line.startswith("  ") and current is not None:
            time, rest = line[2:].split("  ", 1)
            kind, _, detail = rest.partition("  ")
            sessions[current].append((time, kind.strip(), detail.strip()))
    return sessions


class ConsolePeopleTest(harness.unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        # Pings every second so that a round trip is there within the test's patience.
        self.server = Server(config_text="client_ping_interval = 1\n").start()
        self.addCleanup(self.server.cleanup)
        for user in ("alice", "bob"):
            await asyncio.to_thread(self.server.add_user, user, user + "-pw")
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            try:
                await client.offline(timeout=5)
            except Exception:
                client.abort()

    def client(self, user, resource, **kwargs):
        c = Client(f"{user}@localhost/{resource}", user + "-pw", self.server.c2s_port, **kwargs)
        self.clients.append(c)
        return c

    def session(self, jid):
        return next((s for s in self.server.sessions() if s["jid"] == jid), None)

    async def test_client_and_rtt_in_sessions_json(self):
        alice = self.client("alice", "laptop")
        await alice.online()
        alice.send_presence(pstatus="Here")
        await wait_for(lambda: (self.session("alice@localhost/laptop") or {}).get("client") == "Slixmpp 1.8.3",
                       timeout=15, what="the XEP-0092 answer in the client field")
        await wait_for(lambda: isinstance((self.session("alice@localhost/laptop") or {}).get("rtt_ms"), int),
                       timeout=15, what="a round trip from the server's ping")
        s = self.session("alice@localhost/laptop")
        self.assertGreaterEqual(s["rtt_ms"], 0)
        self.assertLess(s["rtt_ms"], 5000)

    async def test_aioxmpp_answers_version_and_ping(self):
        jid = aioxmpp.JID.fromstr("bob@localhost/aio")
        client = aioxmpp.PresenceManagedClient(
            jid, aioxmpp.make_security_layer("bob-pw", no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        version = client.summon(aioxmpp.version.VersionServer)
        version.name = "aioxmpp-office"
        version.version = aioxmpp.__version__
        client.summon(aioxmpp.ping.PingService)
        connection = client.connected()
        await asyncio.wait_for(connection.__aenter__(), 20)
        try:
            client.presence = aioxmpp.PresenceState(True, aioxmpp.PresenceShow.AWAY)
            await wait_for(lambda: (self.session("bob@localhost/aio") or {}).get("client")
                           == f"aioxmpp-office {aioxmpp.__version__}", timeout=15, what="aioxmpp's version answer")
            await wait_for(lambda: isinstance((self.session("bob@localhost/aio") or {}).get("rtt_ms"), int),
                           timeout=15, what="aioxmpp's pong")
            await wait_for(lambda: (self.session("bob@localhost/aio") or {}).get("show") == "away",
                           timeout=10, what="aioxmpp's away presence")
        finally:
            await asyncio.wait_for(connection.__aexit__(None, None, None), 10)

    async def test_timeline_of_a_kicked_session(self):
        alice = self.client("alice", "desk", mechanism="SCRAM-SHA-256")
        await alice.online()
        alice.send_presence(pshow="dnd", pstatus="In a meeting")
        await alice.get_roster(timeout=10)
        await wait_for(lambda: (self.session("alice@localhost/desk") or {}).get("show") == "dnd",
                       what="the presence on the server")
        result = await asyncio.to_thread(self.server.run, "kick", "alice@localhost/desk", "--reason", "Fire drill")
        self.assertEqual(result.returncode, 0, result.stderr)
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)

        result = await asyncio.to_thread(self.server.run, "timeline", "alice@localhost")
        self.assertEqual(result.returncode, 0, result.stderr)
        sessions = parse_timeline(result.stdout)
        self.assertEqual(len(sessions), 1, result.stdout)
        header, steps = next(iter(sessions.items()))
        self.assertIn("alice@localhost/desk", header)
        self.assertIn("(closed)", header)
        kinds = [kind for _, kind, _ in steps]
        for kind in ("connected", "tls", "authenticated", "bound", "initial presence", "roster", "closed"):
            self.assertIn(kind, kinds, result.stdout)
        self.assertLess(kinds.index("connected"), kinds.index("authenticated"))
        self.assertLess(kinds.index("bound"), kinds.index("initial presence"))
        self.assertEqual(kinds[-1], "closed", result.stdout)
        for time, _, _ in steps:
            self.assertRegex(time, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(sorted(t for t, _, _ in steps), [t for t, _, _ in steps])
        detail = dict((kind, d) for _, kind, d in steps)
        self.assertIn("SCRAM-SHA-256", detail["authenticated"])
        self.assertIn("127.0.0.1:", detail["connected"])
        self.assertIn("dnd", detail["initial presence"])
        self.assertIn("In a meeting", detail["initial presence"])
        self.assertEqual(detail["closed"], "by administrator: policy-violation \u2014 Fire drill")

        # JSON for scripts, and a JID nobody used.
        result = await asyncio.to_thread(self.server.run, "timeline", "alice@localhost/desk", "--json")
        self.assertEqual(result.returncode, 0, result.stderr)
        timelines = json.loads(result.stdout)
        self.assertTrue(timelines[0]["closed"])
        self.assertEqual(timelines[0]["steps"][-1]["kind"], "closed")
        result = await asyncio.to_thread(self.server.run, "timeline", "bob@localhost")
        self.assertEqual(result.returncode, 1)
        self.assertIn("no live or recently closed session", result.stderr)


if __name__ == "__main__":
    harness.main()
