"""Hostile input over loopback, each answered with the right error while two logged-in
bystanders keep exchanging messages: billion laughs, an external entity, a 10 MiB stanza,
10,000-deep nesting, invalid UTF-8, a NUL, a spoofed 'from', a malformed 'to', bad stream
headers, and a sender that outruns the read rate (slowed, not dropped)."""

import asyncio
import time

from slixmpp.exceptions import IqError

from harness import STREAM_HEADER, ServerTestCase, main
from hostile import Raw, bystanders_talk

PROLOG = "<?xml version='1.0'?>"
HEADER_BODY = STREAM_HEADER[len(PROLOG):]


class HostileInput(ServerTestCase):
    # The read rate is low so that the rate test is quick; 10 MiB still meets the size limit
    # (256 KiB) long before the rate matters.
    server_config = ("read_rate = 32768\n"
                     "max_roster_items = 5\n"
                     "offline_quota = 3\n")

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.bob = await self.client("bob").online()
        self.carol = await self.client("carol").online()

    async def attack(self, payload, expected, source="127.0.0.2", chunk=65536):
        raw = await Raw(self.server.c2s_port, source).connect()
        try:
            if isinstance(payload, str):
                payload = payload.encode()
            for i in range(0, len(payload), chunk):
                if not await raw.send(payload[i:i + chunk]) or raw.stream_error():
                    break
                if b"<stream:error>" in raw.buffer:
                    break
                if i and i % (chunk * 8) == 0:
                    try:
                        await asyncio.wait_for(raw._read_some(0.01), 0.05)
                    except asyncio.TimeoutError:
                        pass
            await raw.read_to_eof(timeout=15)
        finally:
            raw.close()
        self.assertEqual(raw.stream_error(), expected, raw.buffer[-1500:])
        self.assertTrue(raw.buffer.rstrip().endswith(b"</stream:stream>"), raw.buffer[-300:])
        await bystanders_talk(self, self.bob, self.carol)
        return raw

    async def test_billion_laughs(self):
        dtd = "<!DOCTYPE stream:stream [<!ENTITY lol 'lol'>"
        dtd += "<!ENTITY lol1 '" + "&lol;" * 10 + "'>"
        for i in range(2, 10):
            dtd += f"<!ENTITY lol{i} '" + f"&lol{i - 1};" * 10 + "'>"
        dtd += "]>"
        await self.attack(PROLOG + dtd + HEADER_BODY + "<message to='bob@localhost'><body>&lol9;</body></message>",
                          "restricted-xml")

    async def test_external_entity(self):
        await self.attack(PROLOG + "<!DOCTYPE stream:stream [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
                          + HEADER_BODY + "<message to='bob@localhost'><body>&xxe;</body></message>",
                          "restricted-xml")
        # Undeclared entities (no DTD) are not well-formed; nothing is looked up anywhere.
        await self.attack(STREAM_HEADER + "<message><body>&xxe;</body></message>", "not-well-formed")

    async def test_ten_mib_stanza(self):
        started = time.monotonic()
        payload = (STREAM_HEADER + "<message to='bob@localhost'><body>").encode() + b"x" * (10 * 1024 * 1024)
        raw = await self.attack(payload, "policy-violation")
        self.assertIn(b"larger than 262144 bytes", raw.buffer)
        self.assertLess(time.monotonic() - started, 30)

    async def test_ten_thousand_deep(self):
        raw = await self.attack(STREAM_HEADER + "<message>" + "<a>" * 10000 + "</a>" * 10000 + "</message>",
                                "policy-violation")
        self.assertIn(b"Nested deeper than", raw.buffer)

    async def test_too_many_attributes(self):
        attributes = " ".join(f"a{i}='x'" for i in range(500))
        await self.attack(STREAM_HEADER + f"<message {attributes}/>", "policy-violation")

    async def test_invalid_utf8(self):
        for bad in (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"):
            await self.attack(STREAM_HEADER.encode() + b"<message><body>a" + bad + b"</body></message>",
                              "not-well-formed")

    async def test_nul_and_control_characters(self):
        await self.attack(STREAM_HEADER.encode() + b"<message><body>a\x00b</body></message>", "not-well-formed")
        await self.attack(STREAM_HEADER.encode() + b"<message><body>a\x1bb</body></message>", "not-well-formed")
        await self.attack(STREAM_HEADER.encode() + b"<message><body>a&#0;b</body></message>", "not-well-formed")
        # U+FFFE and U+FFFF are not XML characters either, raw or as references (XML 1.0 §2.2).
        await self.attack(STREAM_HEADER.encode() + b"<message><body>a\xef\xbf\xbfb</body></message>", "not-well-formed")
        await self.attack(STREAM_HEADER.encode() + b"<message><body>a&#xFFFE;b</body></message>", "not-well-formed")

    async def test_bad_stream_headers(self):
        no_to = STREAM_HEADER.replace(" to='localhost'", "")
        await self.attack(no_to, "improper-addressing")
        await self.attack(STREAM_HEADER.replace("to='localhost'", "to='a@b@c'"), "host-unknown")
        await self.attack(STREAM_HEADER.replace("to='localhost'", "to='elsewhere.example'"), "host-unknown")

    async def test_spoofed_from(self):
        # alice claims to be bob: the stream ends with invalid-from and carol gets nothing.
        alice = await self.client("alice", resource="spoofer").online()
        seen = []
        self.carol.add_event_handler("message", lambda msg: seen.append(msg))
        alice.send_raw(f"<message from='bob@localhost/desk' to='{self.carol.boundjid.full}' type='chat'>"
                       "<body>spoofed</body></message>")
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)
        self.assertEqual(alice.stream_errors, ["invalid-from"])
        await bystanders_talk(self, self.bob, self.carol)
        self.assertFalse([m for m in seen if m["body"] == "spoofed"])

        # Her own bare or full JID is fine (RFC 6120 §8.1.2.1).
        alice2 = await self.client("alice", resource="honest").online()
        got = asyncio.get_running_loop().create_future()
        self.carol.add_event_handler("message", lambda m: m["body"] == "honest" and not got.done()
                                     and got.set_result(m["from"].full))
        alice2.send_raw(f"<message from='alice@localhost' to='{self.carol.boundjid.full}' type='chat'>"
                        "<body>honest</body></message>")
        self.assertEqual(await asyncio.wait_for(got, 10), "alice@localhost/honest")
        self.assertEqual(alice2.stream_errors, [])

    async def test_malformed_to_is_jid_malformed(self):
        alice = await self.client("alice", resource="typo").online()
        errors = asyncio.get_running_loop().create_future()
        alice.add_event_handler("message_error", lambda m: not errors.done() and errors.set_result(m))
        alice.send_raw("<message to='a@b@c' id='bad1' type='chat'><body>x</body></message>")
        msg = await asyncio.wait_for(errors, 10)
        self.assertEqual(msg["error"]["condition"], "jid-malformed")
        self.assertEqual(alice.stream_errors, [])
        await bystanders_talk(self, self.bob, self.carol)

    async def test_roster_and_offline_quotas(self):
        alice = await self.client("alice", resource="hoarder").online()
        for i in range(6):
            iq = alice.Iq()
            iq["type"] = "set"
            iq["roster"]["items"] = {f"contact{i}@localhost": {"name": f"c{i}", "subscription": "none", "groups": []}}
            if i < 5:
                await iq.send(timeout=10)
            else:
                with self.assertRaises(IqError) as raised:
                    await iq.send(timeout=10)
                self.assertEqual(raised.exception.iq["error"]["condition"], "not-allowed")
        # Offline storage (carol has no presence, so a bare-JID message is stored for later).
        errors = []
        alice.add_event_handler("message_error", lambda m: errors.append(m["error"]["condition"]))
        for i in range(4):
            alice.send_message(mto="carol@localhost", mbody=f"for later {i}", mtype="chat")
        await alice["xep_0199"].ping(jid="localhost", timeout=10)
        await asyncio.sleep(0.2)
        self.assertEqual(errors, ["resource-constraint"])
        await bystanders_talk(self, self.bob, self.carol)

    async def test_fast_sender_is_slowed_not_dropped(self):
        # 32 KiB/s with a burst of one largest stanza (256 KiB): 400 KiB takes ~4.5 s to read.
        alice = await self.client("alice", resource="flood").online()
        received = []
        done = asyncio.Event()
        count = 40

        def on_message(msg):
            if msg["body"].startswith("flood"):
                received.append(msg["body"])
                if len(received) == count:
                    done.set()

        self.bob.add_event_handler("message", on_message)
        started = time.monotonic()
        for i in range(count):
            alice.send_message(mto=self.bob.boundjid.full, mbody=f"flood{i:02d} " + "y" * 10240, mtype="chat")
        # Meanwhile the bystanders are served at once.
        t0 = time.monotonic()
        await bystanders_talk(self, self.bob, self.carol)
        self.assertLess(time.monotonic() - t0, 3)
        await asyncio.wait_for(done.wait(), 30)
        elapsed = time.monotonic() - started
        self.assertEqual(received, [f"flood{i:02d} " + "y" * 10240 for i in range(count)])
        self.assertGreater(elapsed, 3.0)
        self.assertEqual(alice.stream_errors, [])
        self.assertFalse(alice.was_disconnected.is_set())


if __name__ == "__main__":
    main()
