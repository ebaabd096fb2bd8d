"""TLS with two more independent clients: aioxmpp over STARTTLS and direct TLS (XEP-0368), and
xmpp.js over xmpp:// (STARTTLS) and xmpps:// (direct TLS). Each logs in, the server reports
the session encrypted, and a message crosses to a slixmpp user."""

import asyncio
import os
import shutil
import subprocess
import tempfile

import aioxmpp
import aioxmpp.connector

from harness import ServerTestCase, main, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
NPM_DIR = os.environ.get("SB_NPM_DIR") or os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "npm")


def ensure_xmppjs(test):
    """@xmpp/client from tests/npm, which scripts/setup-deps.sh --test installs with `npm ci`."""
    if os.path.isdir(os.path.join(NPM_DIR, "node_modules", "@xmpp", "client")):
        return
    if not shutil.which("npm") or not shutil.which("node"):
        test.skipTest("npm/node are not installed: the xmpp.js tests cannot run")
    result = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", NPM_DIR],
                            capture_output=True, text=True, timeout=300)
    test.assertEqual(result.returncode, 0, "npm ci in tests/npm failed (run scripts/setup-deps.sh --test "
                     "while the npm registry can be reached):\n" + result.stdout + result.stderr)


class ClientTestHelpers:
    """A client session's row in `sessions --json`, and bob on TCP waiting for a greeting."""

    async def session_of(self, jid):
        sessions = await asyncio.to_thread(self.server.sessions)
        mine = [s for s in sessions if s["jid"] == jid]
        self.assertEqual(len(mine), 1, sessions)
        return mine[0]

    async def bob_waits_for(self, text):
        bob = self.client("bob", resource="slix")
        got = asyncio.get_running_loop().create_future()

        def on_message(msg):
            if msg["body"] == text and not got.done():
                got.set_result(msg)

        bob.add_event_handler("message", on_message)
        await bob.online()
        return bob, got


class TlsClients(ClientTestHelpers, ServerTestCase):

    async def aioxmpp_login(self, port, connector, resource, direct_tls):
        bob, got = await self.bob_waits_for("hello from aioxmpp " + resource)
        client = aioxmpp.PresenceManagedClient(
            aioxmpp.JID.fromstr(f"alice@localhost/{resource}"),
            aioxmpp.make_security_layer("wonderland", no_verify=True),
            override_peer=[("127.0.0.1", port, connector)])
        async with asyncio.timeout(30):
            async with client.connected():
                session = await self.session_of(f"alice@localhost/{resource}")
                self.assertTrue(session["encrypted"], session)
                self.assertEqual(session["direct_tls"], direct_tls, session)
                self.assertIn(session["tls_protocol"], ("TLS 1.2", "TLS 1.3"), session)
                self.assertTrue(session["tls_cipher"], session)
                msg = aioxmpp.Message(to=aioxmpp.JID.fromstr("bob@localhost/slix"), type_=aioxmpp.MessageType.CHAT)
                msg.body[None] = "hello from aioxmpp " + resource
                await client.send(msg)
                received = await asyncio.wait_for(got, 10)
                self.assertEqual(str(received["from"]), f"alice@localhost/{resource}")

    async def test_aioxmpp_starttls(self):
        await self.aioxmpp_login(self.server.c2s_port, aioxmpp.connector.STARTTLSConnector(), "aio-starttls", False)

    async def test_aioxmpp_direct_tls(self):
        await self.aioxmpp_login(self.server.tls_port, aioxmpp.connector.XMPPOverTLSConnector(), "aio-direct", True)

    async def xmppjs_login(self, scheme, port, direct_tls):
        ensure_xmppjs(self)
        bob, got = await self.bob_waits_for("hello from xmpp.js")
        env = dict(os.environ, NODE_TLS_REJECT_UNAUTHORIZED="0", NODE_NO_WARNINGS="1")
        errors = tempfile.TemporaryFile()
        self.addCleanup(errors.close)
        proc = await asyncio.create_subprocess_exec(
            "node", os.path.join(HERE, "xmppjs_client.mjs"), NPM_DIR, f"{scheme}://127.0.0.1:{port}", "localhost",
            "carol", "singer", "bob@localhost/slix", stdout=asyncio.subprocess.PIPE, stderr=errors,
            env=env)
        try:
            line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
            if line != "online carol@localhost/xmppjs":
                errors.seek(0)
                self.fail(f"xmpp.js said {line!r}; stderr: {errors.read().decode(errors='replace')}")
            session = await self.session_of("carol@localhost/xmppjs")
            self.assertTrue(session["encrypted"], session)
            self.assertEqual(session["direct_tls"], direct_tls, session)
            self.assertIn(session["tls_protocol"], ("TLS 1.2", "TLS 1.3"), session)
            received = await asyncio.wait_for(got, 10)
            self.assertEqual(str(received["from"]), "carol@localhost/xmppjs")
            bob.send_message(mto="carol@localhost/xmppjs", mbody="bye", mtype="chat")
            rest = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
            self.assertEqual(await asyncio.wait_for(proc.wait(), 10), 0, rest)
            self.assertIn("offline", rest)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await wait_for(lambda: not [s for s in self.server.sessions() if s["jid"] == "carol@localhost/xmppjs"], 10)

    async def test_xmppjs_starttls(self):
        await self.xmppjs_login("xmpp", self.server.c2s_port, False)

    async def test_xmppjs_direct_tls(self):
        await self.xmppjs_login("xmpps", self.server.tls_port, True)


if __name__ == "__main__":
    main()
