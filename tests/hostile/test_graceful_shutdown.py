"""SIGTERM (and SIGINT) in headless mode: every client gets the system-shutdown stream error,
a contact gets the other's unavailable presence, the process exits 0 and the database is
closed (SQLite removes the WAL file only when the last connection closes cleanly)."""

import asyncio
import os
import signal
import unittest

from harness import DOMAIN, Server, Client, main


class GracefulShutdown(unittest.IsolatedAsyncioTestCase):
    users = {"alice": "wonderland", "bob": "builder"}

    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for c in self.clients:
            try:
                c.abort()
            except Exception:
                pass

    async def shutdown_with(self, signum):
        server = Server().start()
        try:
            for user, password in self.users.items():
                server.add_user(user, password)
            alice = Client(f"alice@{DOMAIN}/a", "wonderland", server.c2s_port)
            bob = Client(f"bob@{DOMAIN}/b", "builder", server.c2s_port)
            self.clients += [alice, bob]
            await alice.online()
            await bob.online()
            # Mutual subscription, then both available.
            for a, b in ((alice, bob), (bob, alice)):
                a.send_presence(pto=f"{b.boundjid.bare}", ptype="subscribe")
                await asyncio.sleep(0.2)
                b.send_presence(pto=f"{a.boundjid.bare}", ptype="subscribed")
                await asyncio.sleep(0.2)
            unavailable = []
            for me in (alice, bob):
                me.add_event_handler("presence_unavailable",
                                     lambda p, me=me: unavailable.append((me.boundjid.bare, p["from"].bare)))
            alice.send_presence()
            bob.send_presence()
            await asyncio.sleep(0.5)

            server.proc.send_signal(signum)
            code = await asyncio.get_running_loop().run_in_executor(None, lambda: server.proc.wait(timeout=15))
            self.assertEqual(code, 0, "".join(server.output))
            for c in (alice, bob):
                await asyncio.wait_for(c.was_disconnected.wait(), 10)
                self.assertEqual(c.stream_errors, ["system-shutdown"])
            self.assertTrue(unavailable, "no unavailable presence reached the contact")
            wal = os.path.join(server.data_dir, "switchboard.sqlite-wal")
            self.assertFalse(os.path.exists(wal) and os.path.getsize(wal) > 0, "database not closed")
            self.assertIn("stopped", "".join(server.output))
        finally:
            server.cleanup()

    async def test_sigterm(self):
        await self.shutdown_with(signal.SIGTERM)

    async def test_sigint(self):
        await self.shutdown_with(signal.SIGINT)


if __name__ == "__main__":
    main()
