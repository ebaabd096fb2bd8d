"""Connection limits over loopback: a slowloris of 500 idle unauthenticated connections from
one address is cut by the per-address limit (refused at once) and the unauthenticated timeout
(the rest), while bystanders from another address log in and talk; past max_connections the
plain port answers resource-constraint before any TLS and the direct TLS port just closes."""

import asyncio
import time

from harness import STREAM_HEADER, ServerTestCase, main
from hostile import Raw, bystanders_talk


class Slowloris(ServerTestCase):
    server_config = ("unauthenticated_timeout = 3\n"
                     "max_unauthenticated_per_ip = 50\n"
                     "max_unauthenticated = 400\n")

    async def test_500_idle_connections(self):
        bob = await self.client("bob").online()
        carol = await self.client("carol").online()

        started = time.monotonic()
        attackers = [Raw(self.server.c2s_port, "127.0.0.2") for _ in range(500)]
        results = await asyncio.gather(*(a.connect() for a in attackers), return_exceptions=True)
        connected = [a for a, r in zip(attackers, results) if not isinstance(r, Exception)]
        self.assertGreaterEqual(len(connected), 450)
        # Those kept open drip a byte of header now and then: it must not keep them alive.
        drip = STREAM_HEADER.encode()

        async def slow(a):
            for i in range(12):
                if a.closed or b"<stream:error>" in a.buffer:
                    break
                await a.send(drip[i:i + 1])
                try:
                    await a._read_some(0.5)
                except asyncio.TimeoutError:
                    pass
            await a.read_to_eof(timeout=15)

        drips = asyncio.gather(*(slow(a) for a in connected), return_exceptions=True)

        # A bystander from another address logs in during the attack, and the two talk.
        alice = await self.client("alice").online()
        await bystanders_talk(self, bob, carol)
        await bystanders_talk(self, alice, bob)

        outcomes = await asyncio.wait_for(drips, 30)
        elapsed = time.monotonic() - started
        for a in connected:
            a.close()
        self.assertFalse([o for o in outcomes if isinstance(o, Exception)][:3])
        errors = [a.stream_error() for a in connected]
        refused = errors.count("policy-violation")
        timed_out = errors.count("connection-timeout")
        self.assertGreaterEqual(refused, len(connected) - 50, errors)
        self.assertGreaterEqual(timed_out, 1, {e: errors.count(e) for e in set(errors)})
        self.assertEqual(refused + timed_out, len(connected), errors)
        self.assertLess(elapsed, 20)
        await bystanders_talk(self, bob, carol)
        # Nothing of the attack is left on the server.
        sessions = self.server.sessions()
        self.assertFalse([s for s in sessions if s.get("state") == "unauthenticated"], sessions)


class TotalConnections(ServerTestCase):
    server_config = "max_connections = 3\n"

    async def test_refused_before_tls(self):
        bob = await self.client("bob").online()
        carol = await self.client("carol").online()
        third = await Raw(self.server.c2s_port).connect()
        await third.send(STREAM_HEADER)
        await third.read_until(b"</stream:features>")

        # Plain port: a stream error, no STARTTLS offered, before the client says anything.
        fourth = await Raw(self.server.c2s_port).connect()
        await fourth.read_to_eof(timeout=10)
        self.assertEqual(fourth.stream_error(), "resource-constraint", fourth.buffer)
        self.assertNotIn(b"starttls", fourth.buffer)
        # Direct TLS port: closed without a handshake.
        tls = await Raw(self.server.tls_port).connect()
        await tls.read_to_eof(timeout=10)
        self.assertEqual(tls.buffer, b"")
        await bystanders_talk(self, bob, carol)

        # A slot frees, a new client gets in. The server learns of the close when it reads the
        # EOF, which a busy machine delays: until then a newcomer is still refused, so try again
        # (bounded) rather than after a guessed pause.
        third.close()
        deadline = time.monotonic() + 20
        while True:
            fifth = await Raw(self.server.c2s_port).connect()
            await fifth.send(STREAM_HEADER)
            try:
                await fifth.read_until(b"</stream:features>", timeout=10)
            except AssertionError:
                pass   # still refused: a stream error and the close, no features
            if b"starttls" in fifth.buffer or time.monotonic() > deadline:
                break
            fifth.close()
            await asyncio.sleep(0.1)
        self.assertIn(b"starttls", fifth.buffer)
        fifth.close()
        fourth.close()
        tls.close()


if __name__ == "__main__":
    main()
