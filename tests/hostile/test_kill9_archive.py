"""Crash safety of the message archive (XEP-0313), which commits on a thread of its own: a
message whose stream management acknowledgement (XEP-0198 <a/>) reached its sender is in the
sender's archive after the server is killed with SIGKILL, however soon after the <a/> the kill
comes. The archive is read straight from the database file after the kill (SQLite recovers the
write-ahead log on open), so nothing the restarted server does can hide a lost row.

Both archive durability settings run: archive_fsync = true makes each group commit wait for the
disk (slow commits: an <a/> sent before its commit would be caught), the default does not."""

import asyncio
import os
import shutil
import signal
import sqlite3
import tempfile
import unittest

from harness import DOMAIN, Client, Server, main

USERS = {"alice": "wonderland", "bob": "builder"}
PLUGINS = ("xep_0030", "xep_0199", "xep_0198")
BURSTS = 5
PER_BURST = 40


def archived_bodies(data_dir, user):
    db = sqlite3.connect(os.path.join(data_dir, "switchboard.sqlite"))
    try:
        rows = db.execute("SELECT stanza FROM mam_archive WHERE username = ?", (user,)).fetchall()
    finally:
        db.close()
    bodies = set()
    for (stanza,) in rows:
        start = stanza.find("<body>")
        end = stanza.find("</body>")
        if start >= 0 and end > start:
            bodies.add(stanza[start + len("<body>"):end])
    return bodies


class ArchiveKill9(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="sb-kill9-mam-")
        self.server = None
        self.clients = []

    async def asyncTearDown(self):
        for c in self.clients:
            try:
                c.abort()
            except Exception:
                pass
        if self.server and self.server.alive():
            self.server.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    async def acked_then_killed(self, fsync):
        self.server = Server(data_dir=self.data_dir,
                             config_text=f"archive_fsync = {'true' if fsync else 'false'}\n").start()
        for user, password in USERS.items():
            self.server.add_user(user, password)
        bob = Client(f"bob@{DOMAIN}/desk", USERS["bob"], self.server.c2s_port)
        self.clients.append(bob)
        await bob.online()
        alice = Client(f"alice@{DOMAIN}/phone", USERS["alice"], self.server.c2s_port, plugins=PLUGINS)
        self.clients.append(alice)
        enabled = asyncio.Event()
        alice.add_event_handler("sm_enabled", lambda _: enabled.set())
        # The plugin asks for an <a/> every few stanzas by itself; only explicit requests here.
        alice.plugin["xep_0198"].window = 1 << 30
        await alice.online()
        await asyncio.wait_for(enabled.wait(), 10)

        acked = set()
        sent = []
        kill_when_all_acked = [False]

        def on_acked(st):
            if st.name != "message":
                return
            acked.add(st["body"])
            # In the handler of the <a/> itself: the kill follows it as closely as can be.
            if kill_when_all_acked[0] and set(sent) <= acked and self.server.alive():
                os.kill(self.server.proc.pid, signal.SIGKILL)

        alice.add_event_handler("stanza_acked", on_acked)
        for burst in range(BURSTS):
            kill_when_all_acked[0] = burst == BURSTS - 1
            for i in range(PER_BURST):
                body = f"fsync={fsync} {burst}:{i}"
                alice.send_message(mto=f"bob@{DOMAIN}", mbody=body, mtype="chat")
                sent.append(body)
            want = set(sent)
            # slixmpp writes <r/> past its queue of stanzas: ask again until the <a/> counts all.
            for _ in range(100):
                alice.plugin["xep_0198"].request_ack()
                await asyncio.sleep(0.05)
                if want <= acked:
                    break
            self.assertLessEqual(want, acked, "the server acknowledged the burst")
        # Killed at once after the last <a/>: whatever was acknowledged must be on disk already.
        self.server.proc.wait(timeout=10)
        for c in self.clients:
            try:
                c.abort()
            except Exception:
                pass
        self.clients.clear()

        archived = archived_bodies(self.data_dir, "alice")
        missing = sorted(acked - archived)
        self.assertEqual(missing, [], f"{len(missing)} acknowledged messages missing from alice's archive")
        self.assertEqual(len(acked), BURSTS * PER_BURST)
        # The recipient's side went in with the same commit.
        self.assertLessEqual(acked, archived_bodies(self.data_dir, "bob"))

        # And the restarted server serves them (and starts at all on the crashed file).
        restarted = Server(data_dir=self.data_dir).start()
        self.server = restarted
        restarted.stop()

    async def test_acked_messages_are_archived_with_fsync(self):
        await self.acked_then_killed(True)

    async def test_acked_messages_are_archived_without_fsync(self):
        await self.acked_then_killed(False)


if __name__ == "__main__":
    main()
