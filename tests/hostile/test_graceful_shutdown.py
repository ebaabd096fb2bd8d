"""SIGTERM (and SIGINT) in headless mode: every client gets the system-shutdown stream error,
a contact gets the other's unavailable presence, the process exits 0 and the database is
closed (SQLite removes the WAL file only when the last connection closes cleanly)."""

import asyncio
import os
import signal
import unittest

from harness import DOMAIN, Server, Client, main, wait_for


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
            # Mutual subscription, then both available. Neither is available yet, so each
            # request is held for its contact (RFC 6121 §3.1.3): no event to wait for, but the
            # server handles a client's stanzas in order, so a ping's answer (XEP-0199) says the
            # step before it is done, however busy the machine is.
            for a, b in ((alice, bob), (bob, alice)):
                a.send_presence(pto=f"{b.boundjid.bare}", ptype="subscribe")
                await a["xep_0199"].ping(jid=DOMAIN, timeout=20)
                b.send_presence(pto=f"{a.boundjid.bare}", ptype="subscribed")
                await b["xep_0199"].ping(jid=DOMAIN, timeout=20)
            available = []
            for me in (alice, bob):
                me.add_event_handler("presence_available",
                                     lambda p, me=me: available.append((me.boundjid.bare, p["from"].bare)))
            unavailable = []
            for me in (alice, bob):
                me.add_event_handler("presence_unavailable",
                                     lambda p, me=me: unavailable.append((me.boundjid.bare, p["from"].bare)))
            alice.send_presence()
            bob.send_presence()
            for me, other in ((alice, bob), (bob, alice)):
                await wait_for(lambda: (me.boundjid.bare, other.boundjid.bare) in available,
                               timeout=20, what=f"{other.boundjid.bare}'s presence at {me.boundjid.bare}")

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
