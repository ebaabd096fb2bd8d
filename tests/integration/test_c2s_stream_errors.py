"""Issue 2: the stream layer answers bad input with the RFC 6120 §4.9 stream error, and a broken
connection never disturbs the others."""

import asyncio

import harness
from harness import RawClient, STREAM_HEADER, ServerTestCase


class StreamErrorTest(ServerTestCase):
    server_config = "[server]\nunauthenticated_timeout = 2\n"

    async def raw(self):
        client = await RawClient(self.server.c2s_port).connect()
        self.addCleanup(client.close)
        return client

    async def test_malformed_xml_gets_not_well_formed_and_others_carry_on(self):
        alice = self.client("alice", resource="bystander")
        await alice.online()
        raw = await self.raw()
        await raw.send(STREAM_HEADER)
        await raw.read_until("</stream:features>")
        await raw.send("<message><body>oops</message>")
        data = await raw.read_to_eof()
        self.assertRegex(data, rb"<not-well-formed xmlns=['\"]urn:ietf:params:xml:ns:xmpp-streams['\"]")
        self.assertTrue(data.rstrip().endswith(b"</stream:stream>"))
        rtt = await alice["xep_0199"].ping(jid="localhost", timeout=10)
        self.assertGreaterEqual(rtt, 0)

    async def test_garbage_before_header(self):
        raw = await self.raw()
        await raw.send("GET / HTTP/1.1\r\n\r\n")
        data = await raw.read_to_eof()
        self.assertIn(b"not-well-formed", data)

    async def test_dtd_is_restricted_xml(self):
        raw = await self.raw()
        await raw.send("<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY lol 'lol'>]>" + STREAM_HEADER[21:])
        data = await raw.read_to_eof()
        self.assertIn(b"restricted-xml", data)

    async def test_comment_is_restricted_xml(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER)
        await raw.read_until("</stream:features>")
        await raw.send("<!-- hello -->")
        data = await raw.read_to_eof()
        self.assertIn(b"restricted-xml", data)

    async def test_unknown_host(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER.replace("to='localhost'", "to='example.org'"))
        data = await raw.read_to_eof()
        self.assertIn(b"<stream:stream", data)
        self.assertIn(b"host-unknown", data)

    async def test_wrong_default_namespace(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER.replace("jabber:client", "jabber:server"))
        data = await raw.read_to_eof()
        self.assertIn(b"invalid-namespace", data)

    async def test_wrong_stream_namespace(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER.replace("http://etherx.jabber.org/streams", "urn:example:wrong"))
        data = await raw.read_to_eof()
        self.assertIn(b"invalid-namespace", data)

    async def test_stanza_before_authentication_is_not_authorized(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER)
        await raw.read_until("</stream:features>")
        await raw.send("<message to='alice@localhost'><body>hi</body></message>")
        data = await raw.read_to_eof()
        self.assertIn(b"not-authorized", data)

    async def test_features_require_starttls_first(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER)
        features = await raw.read_until("</stream:features>")
        self.assertRegex(features, rb"<starttls xmlns=['\"]urn:ietf:params:xml:ns:xmpp-tls['\"]><required/></starttls>")
        self.assertNotIn(b"<mechanisms", features)
        await raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHdvbmRlcmxhbmQ=</auth>")
        data = await raw.read_until("</failure>")
        self.assertIn(b"<encryption-required/>", data)

    async def test_clean_close_both_ways(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER)
        await raw.read_until("</stream:features>")
        await raw.send("</stream:stream>")
        data = await raw.read_to_eof()
        self.assertTrue(data.rstrip().endswith(b"</stream:stream>"))

    async def test_unauthenticated_idle_connection_times_out(self):
        raw = await self.raw()
        await raw.send(STREAM_HEADER)
        data = await raw.read_to_eof(timeout=10)
        self.assertIn(b"connection-timeout", data)


class PlaintextAuthTest(ServerTestCase):
    """With encryption not required and PLAIN allowed in clear (the benchmark setting), the SASL
    rules can be driven with a raw socket."""
    server_config = "require_encryption = false\nallow_plain_without_tls = true\n"

    async def test_five_failed_logins_close_the_connection(self):
        import base64
        raw = await RawClient(self.server.c2s_port).connect()
        self.addCleanup(raw.close)
        await raw.send(STREAM_HEADER)
        features = await raw.read_until("</stream:features>")
        self.assertIn(b"<mechanism>PLAIN</mechanism>", features)
        bad = base64.b64encode(b"\0alice\0wrong").decode()
        for attempt in range(4):
            raw.buffer = b""
            await raw.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{bad}</auth>")
            data = await raw.read_until("</failure>")
            self.assertIn(b"<not-authorized/>", data)
        raw.buffer = b""
        await raw.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{bad}</auth>")
        data = await raw.read_to_eof()
        self.assertIn(b"<not-authorized/>", data)
        self.assertIn(b"policy-violation", data)

    async def test_retry_after_failure_succeeds(self):
        import base64
        raw = await RawClient(self.server.c2s_port).connect()
        self.addCleanup(raw.close)
        await raw.send(STREAM_HEADER)
        await raw.read_until("</stream:features>")
        bad = base64.b64encode(b"\0alice\0wrong").decode()
        await raw.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{bad}</auth>")
        await raw.read_until("</failure>")
        good = base64.b64encode(b"\0alice\0wonderland").decode()
        await raw.send(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{good}</auth>")
        await raw.read_until("<success")
        raw.buffer = b""
        await raw.send(STREAM_HEADER)
        features = await raw.read_until("</stream:features>")
        self.assertIn(b"urn:ietf:params:xml:ns:xmpp-bind", features)
        await raw.send("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                       "<resource>raw</resource></bind></iq>")
        bound = await raw.read_until("</iq>")
        self.assertIn(b"<jid>alice@localhost/raw</jid>", bound)
        await raw.send("<iq type='set' id='s1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>")
        raw.buffer = b""
        session = await raw.read_until("s1")
        self.assertRegex(session, rb"type=['\"]result['\"]")

    async def test_bad_base64_is_incorrect_encoding(self):
        raw = await RawClient(self.server.c2s_port).connect()
        self.addCleanup(raw.close)
        await raw.send(STREAM_HEADER)
        await raw.read_until("</stream:features>")
        await raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!!notbase64</auth>")
        data = await raw.read_until("</failure>")
        self.assertIn(b"<incorrect-encoding/>", data)


if __name__ == "__main__":
    harness.main()
