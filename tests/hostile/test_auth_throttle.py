"""1,000 wrong passwords over loopback (SCRAM-SHA-1 after STARTTLS, raw): after
auth_lock_failures the account is locked (temporary-auth-failure, even for the right password),
after auth_lock_failures_per_ip the attacker's address too; an unknown account behaves exactly
like a known one; bystanders keep talking and other addresses keep logging in. The delays are
tiny here so that the test is quick; the doubling itself is checked in tst_auththrottle."""

import asyncio
import base64
import re
import time

from harness import ServerTestCase, main
from hostile import Raw, bystanders_talk

FAILURE_RE = re.compile(rb"<failure xmlns=[\"']urn:ietf:params:xml:ns:xmpp-sasl[\"']><([a-z-]+)/>"
                        rb"(?:<text[^>]*>([^<]*)</text>)?")
CHALLENGE_RE = re.compile(rb"<challenge xmlns=[\"']urn:ietf:params:xml:ns:xmpp-sasl[\"']>([^<]*)</challenge>")
ACCOUNT_LOCK = "for this account"
ADDRESS_LOCK = "from your address"


async def guess(raw, username):
    """One SCRAM-SHA-1 attempt with a wrong proof: (condition, text) of the failure."""
    raw.buffer = b""
    first = base64.b64encode(f"n,,n={username},r=hostilenonce".encode()).decode()
    await raw.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>{first}</auth>")
    while not (CHALLENGE_RE.search(raw.buffer) or FAILURE_RE.search(raw.buffer)):
        if raw.closed:
            return None
        try:
            await raw._read_some(10)
        except asyncio.TimeoutError:
            raise AssertionError(f"no SASL answer: {raw.buffer!r}")
    m = CHALLENGE_RE.search(raw.buffer)
    if m:
        server_first = base64.b64decode(m.group(1)).decode()
        nonce = dict(kv.split("=", 1) for kv in server_first.split(","))["r"]
        final = base64.b64encode(f"c=biws,r={nonce},p={base64.b64encode(bytes(20)).decode()}".encode()).decode()
        raw.buffer = b""
        await raw.send(f"<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{final}</response>")
        await raw.read_until(b"</failure>", timeout=10)
    f = FAILURE_RE.search(raw.buffer)
    return f.group(1).decode(), (f.group(2) or b"").decode()


async def attack(port, source, username, total, workers=4):
    """`total` wrong guesses from `source`, over as many connections as the server allows."""
    outcomes = []
    lock = asyncio.Lock()
    remaining = [total]

    async def worker():
        while True:
            async with lock:
                if remaining[0] <= 0:
                    return
            raw = await Raw(port, source).connect()
            try:
                await raw.starttls()
                while not raw.closed:
                    async with lock:
                        if remaining[0] <= 0:
                            return
                        remaining[0] -= 1
                    outcome = await guess(raw, username)
                    if outcome is None:
                        async with lock:
                            remaining[0] += 1
                        break
                    outcomes.append(outcome)
            finally:
                raw.close()

    await asyncio.gather(*(worker() for _ in range(workers)))
    return outcomes


class WrongPasswords(ServerTestCase):
    server_config = ("max_sasl_failures = 100\n"
                     "auth_delay = 1\n"
                     "auth_delay_max = 4\n"
                     "auth_lock_failures = 20\n"
                     "auth_lock_failures_per_ip = 300\n"
                     "auth_lock_time = 120\n")

    async def test_thousand_wrong_passwords(self):
        bob = await self.client("bob").online()
        carol = await self.client("carol").online()

        started = time.monotonic()
        outcomes = await attack(self.server.c2s_port, "127.0.0.3", "alice", 1000)
        elapsed = time.monotonic() - started
        self.assertEqual(len(outcomes), 1000)
        conditions = [c for c, _ in outcomes]
        # Exactly auth_lock_failures guesses were judged; then the account was locked, and
        # after auth_lock_failures_per_ip failures the address as well.
        self.assertEqual(conditions.count("not-authorized"), 20, outcomes[:40])
        self.assertEqual(conditions.count("temporary-auth-failure"), 980)
        texts = [t for _, t in outcomes]
        self.assertTrue(any(ACCOUNT_LOCK in t for t in texts))
        self.assertTrue(any(ADDRESS_LOCK in t for t in texts))
        self.assertLess(elapsed, 45)
        log = "".join(self.server.output)
        self.assertTrue('account "alice" locked' in log and "address 127.0.0.3 locked" in log.replace('"', ""),
                        log[-3000:])

        # Bystanders talk; alice's right password is refused while the lock lasts, from any
        # address; bob logs in from a clean address.
        await bystanders_talk(self, bob, carol)
        alice = self.client("alice")
        alice.start()
        await asyncio.wait_for(alice.auth_failed.wait(), 15)
        self.assertIn("temporary-auth-failure", alice.sasl_failures)
        bob2 = await self.client("bob", resource="second").online()
        await bystanders_talk(self, bob2, carol)

    async def test_unknown_account_looks_the_same(self):
        # Same numbers as an account that exists: 20 judged guesses, then the lock.
        outcomes = await attack(self.server.c2s_port, "127.0.0.5", "nosuchuser", 30, workers=1)
        conditions = [c for c, _ in outcomes]
        self.assertEqual(conditions[:20], ["not-authorized"] * 20)
        self.assertEqual(conditions[20:], ["temporary-auth-failure"] * 10)
        self.assertTrue(all(ACCOUNT_LOCK in t for _, t in outcomes[20:]))
        known = await attack(self.server.c2s_port, "127.0.0.6", "carol", 30, workers=1)
        self.assertEqual([c for c, _ in known], conditions)


if __name__ == "__main__":
    main()
