"""The running instance's control socket: `switchboard sessions --json`, `kick`, `close` and `lag`."""

import asyncio
import json
import time

import harness
from harness import ServerTestCase, wait_for


class ControlTest(ServerTestCase):

    async def test_sessions_json_lists_bound_sessions(self):
        alice = self.client("alice", resource="laptop")
        await alice.online()
        sessions = self.server.sessions()
        mine = [s for s in sessions if s["jid"] == "alice@localhost/laptop"]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["username"], "alice")
        self.assertEqual(mine[0]["address"], "127.0.0.1")
        table = self.server.run("sessions")
        self.assertEqual(table.returncode, 0)
        self.assertIn("alice@localhost/laptop", table.stdout)

    async def test_kick_sends_policy_violation_with_reason(self):
        bob = self.client("bob", resource="kickme")
        await bob.online()
        result = await asyncio.to_thread(self.server.run, "kick", "bob@localhost/kickme", "--reason", "Lunch time")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("kicked 1 session", result.stdout)
        await asyncio.wait_for(bob.was_disconnected.wait(), 10)
        self.assertIn("policy-violation", bob.stream_errors)
        self.assertEqual(bob.stream_error_text(), "Lunch time")

    async def test_close_all_sessions_of_a_bare_jid(self):
        one = self.client("carol", resource="one")
        two = self.client("carol", resource="two")
        await one.online()
        await two.online()
        result = await asyncio.to_thread(self.server.run, "close", "carol@localhost")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("closed 2 sessions", result.stdout)
        await asyncio.wait_for(one.was_disconnected.wait(), 10)
        await asyncio.wait_for(two.was_disconnected.wait(), 10)
        self.assertEqual(one.stream_errors, [])
        self.assertEqual(two.stream_errors, [])

    async def test_kick_unknown_jid_fails(self):
        result = await asyncio.to_thread(self.server.run, "kick", "nobody@localhost")
        self.assertNotEqual(result.returncode, 0)

    async def test_lag_reports_the_server_threads_timer_delay(self):
        alice = self.client("alice", resource="lag")
        await alice.online()
        await asyncio.sleep(2)   # the first window then holds ~200 samples, 10 ms apart
        started = time.monotonic()
        first = await asyncio.to_thread(self.server.run, "lag", "--json", "--reset")
        self.assertEqual(first.returncode, 0, first.stderr)
        summary = json.loads(first.stdout)
        self.assertGreater(summary["samples"], 0)
        self.assertLessEqual(summary["p50_ms"], summary["p99_ms"])
        self.assertLessEqual(summary["p99_ms"], summary["max_ms"])
        await asyncio.sleep(0.5)
        second = json.loads((await asyncio.to_thread(self.server.run, "lag", "--json")).stdout)
        elapsed_ms = (time.monotonic() - started) * 1000
        # --reset started a new window: it holds only what was sampled since, at most one a 10 ms.
        self.assertGreater(second["samples"], 0)
        self.assertLessEqual(second["samples"], elapsed_ms / 10 + 2)
        text = await asyncio.to_thread(self.server.run, "lag")
        self.assertRegex(text.stdout, r"^event-loop lag: p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms \([0-9]+ samples\)")

if __name__ == "__main__":
    harness.main()
