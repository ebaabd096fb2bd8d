"""The running instance's control socket: `switchboard sessions --json`, `kick` and `close`."""

import asyncio

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


if __name__ == "__main__":
    harness.main()
