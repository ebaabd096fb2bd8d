"""Issue 4: the console mode (the window, offscreen here) serves like headless mode, runs the
control socket beside the server (`switchboard sessions --json`, `kick`, `close`), and quits
gracefully on SIGTERM: every client gets system-shutdown."""

import asyncio
import atexit
import os
import shutil
import tempfile

import harness
from harness import Client, Server, wait_for

# The console needs a display; the offscreen platform renders without one. Its settings (column
# layout, window geometry) go to a throw-away config directory, not the user's.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="sb-console-config-")
atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], ignore_errors=True)


class ConsoleServer(Server):
    """switchboard without --headless: the console window with its embedded server."""

    def command(self, *args):
        return [a for a in super().command(*args) if a != "--headless"]


class ConsoleModeTest(harness.unittest.IsolatedAsyncioTestCase):

    async def asyncSetUp(self):
        self.server = ConsoleServer().start()
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

    def client(self, user, resource):
        c = Client(f"{user}@localhost/{resource}", user + "-pw", self.server.c2s_port)
        self.clients.append(c)
        return c

    async def test_control_socket_lists_and_kicks(self):
        alice = self.client("alice", "desk")
        bob = self.client("bob", "phone")
        await alice.online()
        await bob.online()
        sessions = await asyncio.to_thread(self.server.sessions)
        jids = sorted(s["jid"] for s in sessions)
        self.assertEqual(jids, ["alice@localhost/desk", "bob@localhost/phone"])
        self.assertTrue(all(s["state"] == "connected" for s in sessions), sessions)

        result = await asyncio.to_thread(self.server.run, "kick", "bob@localhost", "--reason", "Console says bye")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("kicked 1 session", result.stdout)
        await asyncio.wait_for(bob.was_disconnected.wait(), 10)
        self.assertEqual(bob.stream_errors, ["policy-violation"])
        self.assertEqual(bob.stream_error_text(), "Console says bye")

        result = await asyncio.to_thread(self.server.run, "close", "alice@localhost/desk")
        self.assertEqual(result.returncode, 0, result.stderr)
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)
        self.assertEqual(alice.stream_errors, [])
        await wait_for(lambda: not self.server.sessions(), timeout=10, what="no sessions left")

    async def test_sigterm_shuts_down_gracefully(self):
        alice = self.client("alice", "laptop")
        await alice.online()
        code = await asyncio.to_thread(self.server.stop, 20)
        self.assertEqual(code, 0, "".join(self.server.output))
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)
        self.assertEqual(alice.stream_errors, ["system-shutdown"])


if __name__ == "__main__":
    harness.main()
