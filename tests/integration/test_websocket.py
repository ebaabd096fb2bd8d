"""XMPP over WebSocket (RFC 7395) on the HTTPS listener, with two independent web client
libraries: xmpp.js (its websocket transport) and StanzaJS (which has no TCP transport at all)
log in over wss://127.0.0.1:PORT/xmpp-websocket and exchange messages with a slixmpp user on
TCP; `sessions --json` shows each one's transport. A raw WebSocket client checks the framing:
broken XML in a message gets <stream:error/> then <close/>; an element cut at a message's end
too; no upgrade without the "xmpp" subprotocol; a kick is the stream error and <close/>.
XEP-0156 host-meta and host-meta.json name the endpoint."""

import asyncio
import base64
import json
import os
import ssl
import tempfile
import urllib.request

from harness import DOMAIN, ServerTestCase, https_port, main, wait_for
from test_tls_clients import NPM_DIR, ClientTestHelpers, ensure_xmppjs

HERE = os.path.dirname(os.path.abspath(__file__))
FRAMING = "urn:ietf:params:xml:ns:xmpp-framing"
OPEN = f"<open xmlns='{FRAMING}' to='{DOMAIN}' version='1.0'/>"


def ensure_stanzajs(test):
    ensure_xmppjs(test)   # the same npm ci of tests/npm
    if not os.path.isdir(os.path.join(NPM_DIR, "node_modules", "stanza")):
        test.fail("npm package stanza is missing from tests/npm (run scripts/setup-deps.sh --test)")


class WebSocketClients(ClientTestHelpers, ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.https_port = https_port(cls.server, timeout=15)
        cls.url = f"wss://127.0.0.1:{cls.https_port}/xmpp-websocket"

    async def web_client_login(self, script, user, password, resource, greeting):
        bob, got = await self.bob_waits_for(greeting)
        jid = f"{user}@{DOMAIN}/{resource}"
        env = dict(os.environ, NODE_TLS_REJECT_UNAUTHORIZED="0", NODE_NO_WARNINGS="1")
        errors = tempfile.TemporaryFile()
        self.addCleanup(errors.close)
        proc = await asyncio.create_subprocess_exec(
            "node", os.path.join(HERE, script), NPM_DIR, self.url, DOMAIN, user, password, "bob@localhost/slix",
            stdout=asyncio.subprocess.PIPE, stderr=errors, env=env)
        try:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
            if line != "online " + jid:
                errors.seek(0)
                self.fail(f"{script} said {line!r}; stderr: {errors.read().decode(errors='replace')}")
            session = await self.session_of(jid)
            self.assertEqual(session["transport"], "websocket", session)
            self.assertTrue(session["encrypted"], session)
            self.assertIn(session["tls_protocol"], ("TLS 1.2", "TLS 1.3"), session)
            self.assertTrue(session["tls_cipher"], session)
            self.assertEqual((await self.session_of("bob@localhost/slix"))["transport"], "tcp")
            received = await asyncio.wait_for(got, 10)
            self.assertEqual(str(received["from"]), jid)
            bob.send_message(mto=jid, mbody="bye", mtype="chat")
            rest = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
            self.assertEqual(await asyncio.wait_for(proc.wait(), 10), 0, rest)
            self.assertIn("offline", rest)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await wait_for(lambda: not [s for s in self.server.sessions() if s["jid"] == jid], 10,
                       what=jid + "'s session to end")

    async def test_xmppjs_over_websocket(self):
        ensure_xmppjs(self)
        await self.web_client_login("xmppjs_client.mjs", "carol", "singer", "xmppjs", "hello from xmpp.js")

    async def test_stanzajs_over_websocket(self):
        ensure_stanzajs(self)
        await self.web_client_login("stanzajs_client.mjs", "alice", "wonderland", "stanzajs", "hello from StanzaJS")

    # --- the framing, with a raw WebSocket client ---

    async def raw(self, subprotocol, *messages, until=None, on_line=None):
        """Runs websocket_raw_client.mjs; returns its lines."""
        ensure_xmppjs(self)   # brings the ws package
        proc = await asyncio.create_subprocess_exec(
            "node", os.path.join(HERE, "websocket_raw_client.mjs"), NPM_DIR, self.url, subprotocol, *messages,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env=dict(os.environ, NODE_NO_WARNINGS="1"))
        lines = []
        try:
            async with asyncio.timeout(20):
                while True:
                    line = (await proc.stdout.readline()).decode()
                    if not line:
                        break
                    lines.append(line.rstrip("\n"))
                    if on_line:
                        await on_line(lines[-1])
            await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        return lines

    def assert_stream_error(self, lines, condition):
        received = [l[5:] for l in lines if l.startswith("recv ")]
        self.assertTrue(lines and lines[0] == "open xmpp", lines)
        self.assertTrue(received[0].startswith(f"<open xmlns='{FRAMING}' from='{DOMAIN}'"), lines)
        # §3.6.1: the stream error, then <close/>, then the WebSocket close.
        error = [r for r in received if r.startswith("<stream:error")]
        self.assertEqual(len(error), 1, lines)
        self.assertIn("xmlns:stream='http://etherx.jabber.org/streams'", error[0])
        self.assertIn(f"<{condition} xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>", error[0])
        self.assertEqual(received[-1], f"<close xmlns='{FRAMING}'/>", lines)
        self.assertLess(received.index(error[0]), len(received) - 1)
        self.assertEqual(lines[-1], "close 1000", lines)

    async def test_broken_xml_in_a_message(self):
        lines = await self.raw("xmpp", OPEN, "<message><body>x</message>")
        self.assert_stream_error(lines, "not-well-formed")

    async def test_element_cut_at_the_message_end(self):
        # Well-formed so far, but §3.3.3 wants the whole element in one message.
        lines = await self.raw("xmpp", OPEN, "<message to='bob@localhost'><body>half")
        self.assert_stream_error(lines, "not-well-formed")

    async def test_without_the_xmpp_subprotocol(self):
        self.assertEqual(await self.raw("-", OPEN), ["http 501"])
        self.assertEqual(await self.raw("chat", OPEN), ["http 501"])

    async def test_raw_login_and_kick(self):
        """PLAIN over the WebSocket's TLS, bind; the console's kick ends it with the stream error
        and <close/>; stanzas come with their namespace."""
        plain = base64.b64encode(b"\0alice\0wonderland").decode()
        bound = asyncio.get_running_loop().create_future()

        async def on_line(line):
            if "<jid>alice@localhost/raw</jid>" in line and not bound.done():
                bound.set_result(True)
                session = await self.session_of("alice@localhost/raw")
                self.assertEqual(session["transport"], "websocket")
                self.assertEqual(session["sasl_mechanism"], "PLAIN")
                result = await asyncio.to_thread(self.server.run, "kick", "alice@localhost/raw", "--reason", "test over")
                self.assertEqual(result.returncode, 0, result.stderr)

        lines = await self.raw(
            "xmpp", OPEN, f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>", OPEN,
            "<iq type='set' id='b1' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<resource>raw</resource></bind></iq>", on_line=on_line)
        self.assertTrue(bound.done(), lines)
        self.assertIn("recv <success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/>", lines)
        self.assertEqual(len([l for l in lines if l.startswith(f"recv <open xmlns='{FRAMING}'")]), 2, lines)
        bind_result = [l for l in lines if "<jid>" in l][0]
        self.assertTrue(bind_result.startswith("recv <iq xmlns='jabber:client' "), bind_result)
        error = [l for l in lines if l.startswith("recv <stream:error")]
        self.assertEqual(len(error), 1, lines)
        self.assertIn("test over", error[0])
        self.assertEqual(lines[-2:], [f"recv <close xmlns='{FRAMING}'/>", "close 1000"], lines)

    # --- XEP-0156 discovery ---

    def fetch(self, path):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(f"https://127.0.0.1:{self.https_port}{path}", context=context, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()

    async def test_host_meta(self):
        href = f"wss://{DOMAIN}:{self.https_port}/xmpp-websocket"
        status, headers, body = await asyncio.to_thread(self.fetch, "/.well-known/host-meta")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        self.assertEqual(headers.get("Content-Type"), "application/xrd+xml")
        import xml.etree.ElementTree as ET
        root = ET.fromstring(body)
        self.assertEqual(root.tag, "{http://docs.oasis-open.org/ns/xri/xrd-1.0}XRD")
        links = [(l.get("rel"), l.get("href")) for l in root]
        self.assertEqual(links, [("urn:xmpp:alt-connections:websocket", href)])

        status, headers, body = await asyncio.to_thread(self.fetch, "/.well-known/host-meta.json")
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "*")
        self.assertEqual(headers.get("Content-Type"), "application/json")
        self.assertEqual(json.loads(body), {"links": [{"rel": "urn:xmpp:alt-connections:websocket", "href": href}]})


if __name__ == "__main__":
    main()
