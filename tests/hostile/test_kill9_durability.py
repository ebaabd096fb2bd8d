"""Crash safety: the server is killed with SIGKILL while alice sends messages to bob (offline,
so they are stored) and carol adds roster items; after a restart nothing that was acknowledged
is missing and nothing is duplicated.

Acknowledged means: a roster set whose iq result came back; a message followed by a ping
(XEP-0199) whose answer came back and for which no error came back (the server handles a
client's stanzas in order and commits each offline message, or bounces it, before it reads the
next stanza, so the ping's answer vouches for every message before it; a message bounced with
an error, RFC 6120 §8.3, e.g. <resource-constraint/> once bob's offline quota is full, was
refused, not acknowledged, and must never be delivered). Messages or items after the last acknowledgement may or may not be there,
but never twice. SB_KILL9_ROUNDS (default 3) sets the number of kill/restart rounds;
bench/kill9_loop.sh runs the whole test 20 times."""

import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
import unittest

from harness import DOMAIN, Client, Server, main

ROUNDS = int(os.environ.get("SB_KILL9_ROUNDS", "3"))
USERS = {"alice": "wonderland", "bob": "builder", "carol": "singer"}


def quietly_abort(client):
    """Drops a client whose server may be gone already (slixmpp raises then)."""
    try:
        client.abort()
    except Exception:
        pass


class Kill9Durability(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="sb-kill9-")
        self.server = None
        self.clients = []

    async def asyncTearDown(self):
        for c in self.clients:
            quietly_abort(c)
        if self.server:
            self.server.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def start_server(self):
        self.server = Server(data_dir=self.data_dir).start()
        return self.server

    async def online(self, user, resource):
        c = Client(f"{user}@{DOMAIN}/{resource}", USERS[user], self.server.c2s_port, plugins=("xep_0199",))
        self.clients.append(c)
        return await c.online()

    async def test_acknowledged_survives_kill9(self):
        server = self.start_server()
        for user, password in USERS.items():
            server.add_user(user, password)

        acked_messages, sent_messages, refused_messages = set(), set(), set()
        acked_total = 0
        acked_items, sent_items = set(), set()
        rng = random.Random(int(os.environ.get("SB_KILL9_SEED", time.time_ns())))

        for round_no in range(ROUNDS):
            alice = await self.online("alice", f"r{round_no}")
            carol = await self.online("carol", f"r{round_no}")
            stop = asyncio.Event()

            def refused(msg):
                # The bounce carries the id of the message it refuses (RFC 6120 §8.3.1); each
                # message's id is its body.
                refused_messages.add(msg["id"])
                acked_messages.discard(msg["id"])

            alice.add_event_handler("message_error", refused)

            async def send_messages():
                i = 0
                while not stop.is_set():
                    body = f"m-{round_no}-{i}"
                    sent_messages.add(body)
                    message = alice.make_message(mto=f"bob@{DOMAIN}", mbody=body, mtype="chat")
                    message["id"] = body
                    message.send()
                    i += 1
                    if i % 3 == 0:
                        pending = {b for b in sent_messages if b not in acked_messages}
                        await alice["xep_0199"].ping(jid=DOMAIN, timeout=5)
                        # Any bounce for these came in before the ping's answer (same stream,
                        # in order), so what is refused by now is refused for good.
                        acked_messages.update(pending - refused_messages)

            async def change_roster():
                i = 0
                while not stop.is_set():
                    contact = f"c-{round_no}-{i}@{DOMAIN}"
                    sent_items.add(contact)
                    iq = carol.Iq()
                    iq["type"] = "set"
                    iq["roster"]["items"] = {contact: {"name": f"n{i}", "subscription": "none", "groups": []}}
                    await iq.send(timeout=5)
                    acked_items.add(contact)
                    i += 1

            tasks = [asyncio.ensure_future(send_messages()), asyncio.ensure_future(change_roster())]
            await asyncio.sleep(rng.uniform(0.3, 1.2))
            server.kill9()
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            for c in (alice, carol):
                quietly_abort(c)
            self.clients.clear()

            server = self.start_server()
            # bob comes online: every offline message so far arrives, each once.
            bob = await self.online("bob", f"r{round_no}")
            got = []
            bob.add_event_handler("message", lambda m: got.append(m["body"]))
            bob.send_presence()
            await asyncio.sleep(0.2)
            await bob["xep_0199"].ping(jid=DOMAIN, timeout=5)   # delivery is done by now
            deadline = time.monotonic() + 30   # only a failing run waits this long
            while not acked_messages.issubset(set(got)) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            self.assertEqual(len(got), len(set(got)), f"round {round_no}: duplicated offline messages")
            missing = acked_messages - set(got)
            self.assertFalse(missing, f"round {round_no}: acknowledged messages lost: {sorted(missing)[:10]}")
            self.assertTrue(set(got).issubset(sent_messages))
            delivered_refused = refused_messages & set(got)
            self.assertFalse(delivered_refused,
                             f"round {round_no}: refused messages delivered: {sorted(delivered_refused)[:10]}")
            print(f"round {round_no}: {len(acked_messages)} acknowledged, {len(refused_messages)} refused "
                  f"of {len(sent_messages)} sent messages, {len(got)} delivered after the restart", file=sys.stderr)
            acked_total += len(acked_messages)
            acked_messages.clear()
            sent_messages.clear()
            refused_messages.clear()
            await bob.offline()

            # carol's roster holds every acknowledged item.
            carol = await self.online("carol", f"check{round_no}")
            result = await carol.get_roster(timeout=10)
            items = set(result["roster"]["items"].keys())
            items = {str(j) for j in items}
            missing = acked_items - items
            self.assertFalse(missing, f"round {round_no}: acknowledged roster items lost: {sorted(missing)[:10]}")
            self.assertTrue(items.issubset(sent_items), items - sent_items)
            await carol.offline()
            self.clients.clear()
            # Sessions gone before the next round's messages (else they would not be offline).
            deadline = time.monotonic() + 30
            while any(s.get("username") == "bob" for s in server.sessions()):
                self.assertLess(time.monotonic(), deadline, f"round {round_no}: bob's session outlived his logout")
                await asyncio.sleep(0.05)
            self.assertGreater(len(acked_items), 0)

        self.assertGreater(acked_total, 0, "no message was ever acknowledged: the test checked nothing")
        code = server.stop()
        self.assertEqual(code, 0)


if __name__ == "__main__":
    main()
