"""Hostile load on group chat (XEP-0045): one room with 1,000 occupants from 1,000 sessions
(bench/loadgen's room scenario) and 10,000 messages a minute posted into it by 100 of them.
No member may get a message twice, skip one or see a sender's messages out of order (always
checked); every member must have every message by the end of a bounded drain, and the server's
event-loop lag (its own 10 ms timer, read over the control socket) must stay under 5 ms at p99
while it fans out. Those two run only on a quiet machine: the load average below half the cores
before the run, other processes using under a quarter of a core during it, and the same server's
idle lag with the same 1,000 occupants connected (measured just before) under 1 ms at p99;
elsewhere it is reported as skipped with the figures, because a lag or a backlog caused by other
processes' scheduling says nothing about the server. Nicknames that are not valid resourceparts
(RFC 7622 §3.4: bidirectional overrides, private use, nothing left after mapping, over 1023 bytes)
are refused with an error presence and never appear as occupants."""

import asyncio
import base64
import os
import re
import subprocess
import tempfile
import time
import unittest

from harness import BIN, STREAM_HEADER, Server

ROOM = "crowd@conference.localhost"
PASSWORD = "hostile-room"
MEMBERS = 1000
SENDERS = 100
PER_MINUTE = 10000
SECONDS = 20
IDLE_SECONDS = 8
# The event-loop lag at p99 during the fan-out (about 3 ms measured on 2 idle cores, with the
# sends of a fan-out spread over turns of half a millisecond).
LAG_P99_BOUND_MS = 5.0
# Quiet means, besides a low load average before, that other processes used less than this much
# CPU (in cores, averaged over the run) while it ran: a test started beside this one counts.
OTHERS_QUIET_CORES = 0.25

CONFIG = """require_encryption = false
allow_plain_without_tls = true
max_unauthenticated = 2000
max_unauthenticated_per_ip = 2000
max_connections = 5000
read_rate = 0
"""


def loadgen_path():
    path = os.environ.get("SB_LOADGEN") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(BIN))), "bench", "loadgen", "sb-loadgen")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"sb-loadgen not found at {path} (build the bench/loadgen target)")
    return path


def busy_cpu_seconds():
    """Every CPU's non-idle time since boot (/proc/stat), and this process's children's."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]   # idle and iowait
    ticks = os.sysconf("SC_CLK_TCK")
    children = os.times()
    return (sum(fields[:8]) - idle) / ticks, children.children_user + children.children_system


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime


def results(text):
    return {k: float(v) for k, v in re.findall(r"^RESULT (\S+) (\S+)$", text, re.M)}


class RoomHostile(unittest.IsolatedAsyncioTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(config_text=CONFIG)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
            for i in range(1, MEMBERS + 1):
                f.write(f"r{i}:{PASSWORD}\n")
            f.write(f"alice:{PASSWORD}\nmallory:{PASSWORD}\n")
            users = f.name
        try:
            done = cls.server.run("--domain", "localhost", "user", "import", users, timeout=120)
            assert done.returncode == 0, done.stderr
        finally:
            os.unlink(users)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def test_thousand_occupants_ten_thousand_messages_a_minute(self):
        rate = PER_MINUTE / 60.0
        started = time.monotonic()
        load_before = os.getloadavg()[0]
        busy_before, children_before = busy_cpu_seconds()
        server_before = process_cpu_seconds(self.server.proc.pid)
        run = subprocess.run(
            [loadgen_path(), "run", "--port", str(self.server.c2s_port), "--domain", "localhost",
             "--password", PASSWORD, "--scenario", "room", "--room", ROOM, "--prefix", "r",
             "--users", str(MEMBERS), "--senders", str(SENDERS), "--window", "100",
             "--rate", f"{rate:.3f}", "--duration", str(SECONDS), "--warmup", "1",
             "--idle-lag", str(IDLE_SECONDS), "--timeout", "170",
             "--control-socket", os.path.join(self.server.data_dir, "control.sock"),
             "--server-pid", str(self.server.proc.pid)],
            capture_output=True, text=True, timeout=200)
        busy_after, children_after = busy_cpu_seconds()
        # What the rest of the machine used while this ran, in cores: neither the server nor
        # the load generator (kernel work on their behalf is mostly charged to them).
        others = ((busy_after - busy_before) - (children_after - children_before)
                  - (process_cpu_seconds(self.server.proc.pid) - server_before)) / (time.monotonic() - started)
        r = results(run.stdout)
        report = f"exit {run.returncode}\n{run.stdout}\n{run.stderr[-3000:]}"
        print(f"room load in {time.monotonic() - started:.0f} s, other processes {others:.2f} cores:\n"
              f"{run.stdout}", flush=True)
        self.assertEqual(r.get("room_joined"), MEMBERS, report)
        self.assertEqual(r.get("room_presences_received"), MEMBERS * MEMBERS, report)
        # The rate was held: at least 95 % of 10,000 a minute went out while measuring.
        self.assertGreaterEqual(r.get("room_messages_posted", 0), 0.95 * rate * SECONDS, report)
        # Fan-out correct: nothing twice, nothing skipped or reordered (a lost message shows as a
        # gap, counted out of order, as soon as any later one from that sender arrives).
        self.assertGreater(r.get("room_messages_total", 0), 0, report)
        for key in ("room_duplicates", "room_out_of_order", "room_errors", "room_failures"):
            self.assertEqual(r.get(key), 0, f"{key}\n{report}")
        idle, loaded = r.get("room_idle_server_lag_p99_ms"), r.get("room_server_lag_p99_ms")
        self.assertIsNotNone(idle, report)
        quiet = load_before < 0.5 * (os.cpu_count() or 1) and idle < 1.0 and others < OTHERS_QUIET_CORES
        # Everything arrived within the bounded drain: on a quiet machine only, because on a
        # starved one the server's backlog (still in order) outlasts any bound this test has.
        if quiet or r.get("room_missing") == 0:
            self.assertEqual(r.get("room_missing"), 0, report)
            self.assertEqual(r.get("room_correct"), 1, report)
            self.assertEqual(run.returncode, 0, report)
        # The server's own event-loop lag during the fan-out, on a quiet machine only.
        if not quiet:
            self.skipTest(f"completion and lag checks need a quiet machine: load average {load_before:.1f} on "
                          f"{os.cpu_count()} cores, other processes {others:.2f} cores during the run, "
                          f"idle lag p99 {idle} ms; under load p99 {loaded} ms, "
                          f"{r.get('room_missing')} deliveries still due after {r.get('room_drain_s')} s")
        self.assertIsNotNone(loaded, report)
        self.assertGreater(r.get("room_server_lag_samples", 0), SECONDS * 50, report)
        print(f"lag p99 {loaded} ms during the fan-out ({idle} ms idle); bound {LAG_P99_BOUND_MS} ms", flush=True)
        self.assertLess(loaded, LAG_P99_BOUND_MS, f"lag p99 {loaded} ms under load ({idle} ms idle)\n{report}")

    async def test_bad_nicknames_refused(self):
        alice = await RawLogin(self.server.c2s_port).login("alice", "desk")
        mallory = await RawLogin(self.server.c2s_port).login("mallory", "raw")
        try:
            room = "nicks@conference.localhost"
            await alice.join(room, "alice", "j0")
            await alice.expect(r"status code=['\"]110['\"]", "alice's own presence")
            # A new room stays locked until its owner accepts the default configuration (§10.1.2).
            await alice.send(f"<iq type='set' id='cfg' to='{room}'><query xmlns='http://jabber.org/protocol/muc#owner'>"
                             "<x xmlns='jabber:x:data' type='submit'/></query></iq>")
            await alice.expect(r"<iq[^>]*\bid=['\"]cfg['\"][^>]*type=['\"]result|<iq[^>]*type=['\"]result['\"][^>]*\bid=['\"]cfg",
                               "the room configured")
            bad = {
                "rlo": "evil\u202Eoc",            # a bidirectional override (RFC 3454 C.8)
                "private": "\uE000nick",          # private use (C.3)
                "empty": "\u00AD\u200B",          # only characters mapped to nothing (B.1)
                "long": "n" * 1100,                # a resourcepart is at most 1023 bytes
            }
            for key, nick in bad.items():
                await mallory.join(room, nick, f"bad-{key}")
                stanza = await mallory.expect(
                    rf"<presence[^>]*\bid=['\"]bad-{key}['\"][^>]*>.*?</presence>", f"the answer to bad-{key}")
                self.assertRegex(stanza, r"type=['\"]error['\"]", stanza)
                self.assertRegex(stanza, r"jid-malformed|not-acceptable|bad-request", stanza)
            # The room still works for a valid nickname, and alice saw only that one arrive.
            await mallory.join(room, "mallory", "good")
            await mallory.expect(r"status code=['\"]110['\"]", "mallory joined")
            await alice.expect(rf"from=['\"]{re.escape(room)}/mallory['\"]", "alice sees mallory")
            for nick in bad.values():
                self.assertNotIn(f"{room}/{nick}".encode(), alice.buffer)
        finally:
            alice.close()
            mallory.close()


class RawLogin:
    """A raw client stream: PLAIN over the clear-text port (allowed in this test's config)."""

    def __init__(self, port):
        self.port = port
        self.buffer = b""
        self.seen = 0

    async def login(self, user, resource):
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)
        await self.send(STREAM_HEADER)
        await self.expect(r"</stream:features>", "features")
        token = base64.b64encode(f"\0{user}\0{PASSWORD}".encode()).decode()
        await self.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{token}</auth>")
        await self.expect(r"<success", "SASL success")
        await self.send(STREAM_HEADER)
        await self.expect(r"</stream:features>", "features after SASL")
        await self.send(f"<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                        f"<resource>{resource}</resource></bind></iq>")
        await self.expect(r"<jid>", "bound")
        await self.send("<presence/>")
        return self

    async def send(self, text):
        self.writer.write(text.encode())
        await self.writer.drain()

    async def join(self, room, nick, stanza_id):
        await self.send(f"<presence to='{room}/{escape(nick)}' id='{stanza_id}'>"
                        "<x xmlns='http://jabber.org/protocol/muc'/></presence>")

    async def expect(self, pattern, what, timeout=15):
        """The first match of `pattern` after what earlier calls consumed."""
        regex = re.compile(pattern.encode(), re.S)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.buffer, self.seen)
            if m:
                self.seen = m.end()
                return m.group(0).decode(errors="replace")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {what}; got {self.buffer[-3000:]!r}")
            try:
                chunk = await asyncio.wait_for(self.reader.read(65536), remaining)
            except asyncio.TimeoutError:
                continue
            if not chunk:
                raise AssertionError(f"connection closed before {what}; got {self.buffer[-3000:]!r}")
            self.buffer += chunk

    def close(self):
        try:
            self.writer.close()
        except Exception:
            pass


def escape(text):
    return text.replace("&", "&amp;").replace("'", "&apos;").replace("<", "&lt;")


if __name__ == "__main__":
    unittest.main(verbosity=2)
