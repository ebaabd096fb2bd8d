"""TLS edge cases against the real binary: a handshake that stalls is counted against the
unauthenticated limits and timed out, freeing its slot; garbage instead of a ClientHello is
closed without an error-level log line while bystanders keep talking; ALPN "xmpp-client" is
chosen when offered (XEP-0368 §3); TLS 1.0/1.1 are refused; the cipher policy holds (checked
with openssl s_client, the server's preference first); TLS 1.2 and 1.3 sessions resume with
tickets."""

import asyncio
import os
import shutil
import socket
import ssl
import subprocess
import time
import warnings

from harness import DOMAIN, ServerTestCase, insecure_context, main
from hostile import Raw, bystanders_talk

# A TLS record header announcing a ClientHello that never comes.
STALLED_HELLO = bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])


def handshake(port, context, timeout=10):
    """A blocking client handshake on the direct TLS port; returns the TLS socket."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        return context.wrap_socket(raw, server_hostname=DOMAIN)
    except Exception:
        raw.close()
        raise


class StalledHandshake(ServerTestCase):
    server_config = ("unauthenticated_timeout = 4\n"
                     "max_unauthenticated_per_ip = 2\n")

    async def test_stalled_handshakes_time_out_and_free_their_slots(self):
        started = time.monotonic()
        stalled = [await Raw(self.server.tls_port, "127.0.0.5").connect() for _ in range(2)]
        for s in stalled:
            await s.send(STALLED_HELLO)
        await asyncio.sleep(0.3)
        # Both count as unauthenticated from 127.0.0.5: a third is closed at once.
        third = await Raw(self.server.tls_port, "127.0.0.5").connect()
        await third.read_to_eof(timeout=3)
        self.assertEqual(third.buffer, b"")
        self.assertLess(time.monotonic() - started, 3.8)   # before the stalled ones time out
        # The unauthenticated timeout ends the stalled handshakes (no stream error possible).
        for s in stalled:
            await s.read_to_eof(timeout=10)
            self.assertEqual(s.buffer, b"")
        self.assertGreater(time.monotonic() - started, 3.5)   # by the timeout, not at once
        self.assertLess(time.monotonic() - started, 12)
        # Their slots are free again: a full handshake from the same address succeeds.
        tls = await asyncio.to_thread(handshake, self.server.tls_port, insecure_context())
        self.assertIn(tls.version(), ("TLSv1.2", "TLSv1.3"))
        tls.close()
        sessions = await asyncio.to_thread(self.server.sessions)
        self.assertLessEqual(len([s for s in sessions if s.get("state") == "unauthenticated"]), 1, sessions)

    async def test_stalled_starttls_handshake_times_out(self):
        raw = await Raw(self.server.c2s_port, "127.0.0.6").connect()
        from harness import STREAM_HEADER
        await raw.send(STREAM_HEADER)
        await raw.read_until(b"</stream:features>")
        await raw.send(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        await raw.read_until(b"<proceed")
        started = time.monotonic()
        await raw.send(STALLED_HELLO)
        await raw.read_to_eof(timeout=15)
        self.assertLess(time.monotonic() - started, 12)
        self.assertTrue(raw.buffer.rstrip().endswith(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"), raw.buffer)


class Garbage(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        # Message types in the log, so that an error-level line can be told apart.
        os.environ["QT_MESSAGE_PATTERN"] = "%{type} %{category}: %{message}"
        try:
            super().setUpClass()
        finally:
            del os.environ["QT_MESSAGE_PATTERN"]

    async def test_garbage_instead_of_client_hello(self):
        bob = await self.client("bob").online()
        carol = await self.client("carol", direct_tls=True).online()
        log_before = len(self.server.output)
        garbage = [b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
                   b"<?xml version='1.0'?><stream:stream to='localhost'>",
                   bytes(range(256)) * 8,
                   b"\x16\x03\x03\x00\x05hello",   # a handshake record that is no ClientHello
                   b"\x16\x03\x03\x00\x04\x02\x00\x00\x00"]   # a ServerHello, from a client
        for attempt in range(20):
            raw = await Raw(self.server.tls_port, "127.0.0.7").connect()
            await raw.send(garbage[attempt % len(garbage)])
            await raw.read_to_eof(timeout=10)
            raw.close()
        # The same over STARTTLS: after <proceed/>, no TLS.
        from harness import STREAM_HEADER
        raw = await Raw(self.server.c2s_port, "127.0.0.7").connect()
        await raw.send(STREAM_HEADER)
        await raw.read_until(b"</stream:features>")
        await raw.send(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        await raw.read_until(b"<proceed")
        await raw.send(garbage[0])
        await raw.read_to_eof(timeout=10)
        raw.close()

        await bystanders_talk(self, bob, carol)
        await asyncio.sleep(0.3)
        lines = self.server.output[log_before:]
        loud = [line for line in lines if line.split(" ", 1)[0] in ("warning", "critical", "fatal")]
        self.assertEqual(loud, [])
        self.assertTrue(any(line.startswith("debug ") for line in lines), lines[-20:])
        self.assertTrue(self.server.alive())
        sessions = await asyncio.to_thread(self.server.sessions)
        self.assertEqual([s for s in sessions if s.get("state") == "unauthenticated"], [], sessions)


class Policy(ServerTestCase):

    def context(self, alpn=None, maximum=None, minimum=None, ciphers=None):
        context = insecure_context()
        if alpn is not None:
            context.set_alpn_protocols(alpn)
        if minimum is not None:
            context.minimum_version = minimum
        if maximum is not None:
            context.maximum_version = maximum
        if ciphers is not None:
            context.set_ciphers(ciphers)
        return context

    def test_alpn_xmpp_client_is_chosen_when_offered(self):
        tls = handshake(self.server.tls_port, self.context(alpn=["h2", "xmpp-client"]))
        self.assertEqual(tls.selected_alpn_protocol(), "xmpp-client")
        tls.close()
        tls = handshake(self.server.tls_port, self.context(alpn=["h2"]))
        self.assertIsNone(tls.selected_alpn_protocol())   # nothing we speak: no ALPN, no failure
        tls.close()
        tls = handshake(self.server.tls_port, self.context())
        self.assertIsNone(tls.selected_alpn_protocol())
        tls.close()

    def test_alpn_with_openssl_s_client(self):
        out = self.s_client("-alpn", "xmpp-client")
        self.assertIn("ALPN protocol: xmpp-client", out)

    def test_tls_1_0_and_1_1_are_refused(self):
        for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            context = self.context(minimum=ssl.TLSVersion.TLSv1, maximum=version, ciphers="DEFAULT:@SECLEVEL=0")
            with self.assertRaises(ssl.SSLError) as caught, warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                handshake(self.server.tls_port, context).close()
            # The server's alert, not the client refusing to try.
            self.assertIn("PROTOCOL_VERSION", str(caught.exception).upper().replace(" ", "_"))
        for flag in ("-tls1", "-tls1_1"):
            out = self.s_client(flag, "-cipher", "DEFAULT:@SECLEVEL=0")
            self.assertIn("alert protocol version", out)
        tls = handshake(self.server.tls_port, self.context(maximum=ssl.TLSVersion.TLSv1_2))
        self.assertEqual(tls.version(), "TLSv1.2")
        tls.close()
        tls = handshake(self.server.tls_port, self.context())
        self.assertEqual(tls.version(), "TLSv1.3")
        tls.close()

    def test_sessions_resume_with_tickets(self):
        from harness import STREAM_HEADER
        for maximum in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            context = self.context(maximum=maximum)
            first = handshake(self.server.tls_port, context)
            first.sendall(STREAM_HEADER.encode())
            got = b""
            while b"</stream:features>" not in got:   # TLS 1.3 tickets come after the handshake
                chunk = first.recv(65536)
                self.assertTrue(chunk, got)
                got += chunk
            session = first.session
            self.assertFalse(first.session_reused)
            first.close()
            raw = socket.create_connection(("127.0.0.1", self.server.tls_port), timeout=10)
            second = context.wrap_socket(raw, server_hostname=DOMAIN, session=session)
            self.assertTrue(second.session_reused, maximum)
            second.close()

    def s_client(self, *args):
        if not shutil.which("openssl"):
            self.skipTest("openssl is not installed")
        result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.server.tls_port}",
                                 "-servername", DOMAIN, *args], stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=20)
        return result.stdout + result.stderr

    def negotiated(self, *args):
        out = self.s_client("-brief", *args)
        for line in out.splitlines():
            if line.startswith("Ciphersuite: "):
                return line.split(": ", 1)[1].strip()
        return None

    def test_cipher_policy(self):
        # TLS 1.2: forward-secret AEAD and CBC suites as before, the server's order wins.
        for suite in ("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305",
                      "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA"):
            self.assertEqual(self.negotiated("-tls1_2", "-cipher", suite), suite)
        self.assertEqual(self.negotiated("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-GCM-SHA384"),
                         "ECDHE-ECDSA-AES256-GCM-SHA384")
        # Never: anonymous or null encryption, even when that is all a client offers.
        for suite in ("AECDH-AES128-SHA", "ECDHE-ECDSA-NULL-SHA"):
            self.assertIsNone(self.negotiated("-tls1_2", "-cipher", suite + ":@SECLEVEL=0"), suite)
        # TLS 1.3: OpenSSL's default suites, not the CCM ones.
        for suite in ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"):
            self.assertEqual(self.negotiated("-tls1_3", "-ciphersuites", suite), suite)
        self.assertIsNone(self.negotiated("-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256"))


if __name__ == "__main__":
    main()
