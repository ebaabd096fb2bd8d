"""A kick that keeps someone out: `switchboard kick JID --keep-out T` (the console's and XEP-0133
end-user-session's keep-out choice run the same server function). The kicked client sees
policy-violation with the reason and until when; its reconnection is refused with SASL
account-disabled whose text says until when; once the time has passed (seconds here, minutes in
the console) it logs in again. aioxmpp reconnects by itself after a stream error: its automatic
reconnection is the one refused."""

import asyncio
import logging
import re
import time

import aioxmpp
import aioxmpp.connector
import aioxmpp.errors
import aiosasl

from harness import DOMAIN, Server
from im_support import ImTestCase, bare

SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
UNTIL = re.compile(r"until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")


def sasl_failure_text(client):
    for stanza in client.received:
        xml = stanza.xml
        if xml.tag == f"{{{SASL_NS}}}failure":
            return xml.findtext(f"{{{SASL_NS}}}text")
    return None


class KickKeepOutTest(ImTestCase):
    users = {"alice": "wonderland", "bob": "builder"}
    server_config = "admins = bob@localhost\n"

    async def try_login(self, user):
        client = self.client(user)
        client.start()
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(e.wait()) for e in (client.session_started, client.auth_failed, client.was_disconnected)],
            timeout=20, return_when=asyncio.FIRST_COMPLETED)
        return client

    async def test_cli_kick_keeps_out_then_lets_in(self):
        alice = await self.connect("alice", "desk")
        result = self.server.run("kick", bare("alice"), "--reason", "Take a break", "--keep-out", "4s")
        self.assertEqual(result.returncode, 0, result.stderr)
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)
        self.assertIn("policy-violation", alice.stream_errors)
        text = alice.stream_error_text()
        self.assertTrue(text.startswith("Take a break (you cannot log in again until "), text)

        again = await self.try_login("alice")
        self.assertFalse(again.session_started.is_set())
        self.assertIn("account-disabled", again.sasl_failures)
        failure = sasl_failure_text(again)
        self.assertRegex(failure, r"^Kept out by the administrator until ")
        self.assertEqual(UNTIL.search(failure).group(1), UNTIL.search(text).group(1))
        # Bob is not affected.
        await self.connect("bob", "desk")

        await asyncio.sleep(4.5)
        later = await self.try_login("alice")
        self.assertTrue(later.session_started.is_set(), later.sasl_failures)
        audit = self.server.run("kick", bare("nobody"), "--keep-out", "5m")
        self.assertNotEqual(audit.returncode, 0)   # no such account to keep out

    async def test_keep_out_survives_a_restart(self):
        await self.connect("alice", "desk")
        result = self.server.run("kick", bare("alice"), "--reason", "Cool down", "--keep-out", "20s")
        deadline = time.monotonic() + 20
        self.assertEqual(result.returncode, 0, result.stderr)
        first = await self.try_login("alice")
        until = UNTIL.search(sasl_failure_text(first)).group(1)
        self.server.stop()
        self.server = Server(config_text=self.server_config, data_dir=self.server.data_dir).start()
        self.addCleanup(self.server.stop)
        again = await self.try_login("alice")
        self.assertFalse(again.session_started.is_set())
        self.assertIn("account-disabled", again.sasl_failures)
        self.assertRegex(sasl_failure_text(again), r"^Kept out by the administrator until ")
        self.assertEqual(UNTIL.search(sasl_failure_text(again)).group(1), until)
        await self.connect("bob", "desk")
        # It still ends at its time.
        await asyncio.sleep(max(0.0, deadline - time.monotonic()) + 0.5)
        later = await self.try_login("alice")
        self.assertTrue(later.session_started.is_set(), later.sasl_failures)

    async def test_aioxmpp_automatic_reconnection_is_refused(self):
        # aioxmpp asks its password provider once per login attempt (nattempt 0) and again after
        # a SASL failure (nattempt 1); the failure's text is only in its debug log of the bytes
        # received, so that log is read here.
        attempts = []

        async def password(jid, nattempt):
            attempts.append(nattempt)
            return self.users["alice"] if nattempt == 0 else None

        received = []

        class Recorder(logging.Handler):
            def emit(self, record):
                received.append(record.getMessage())

        recorder = Recorder(level=logging.DEBUG)
        log = logging.getLogger("aioxmpp")
        old_level = log.level
        log.addHandler(recorder)
        log.setLevel(logging.DEBUG)
        self.addCleanup(lambda: (log.removeHandler(recorder), log.setLevel(old_level)))

        client = aioxmpp.PresenceManagedClient(
            aioxmpp.JID.fromstr(bare("alice") + "/aio"), aioxmpp.make_security_layer(password, no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        failed = asyncio.get_running_loop().create_future()
        established = []
        client.on_stream_established.connect(lambda: established.append(time.monotonic()))
        client.on_failure.connect(lambda exc: failed.done() or failed.set_result(exc))
        client.start()
        try:
            for _ in range(200):
                if established:
                    break
                await asyncio.sleep(0.05)
            self.assertTrue(established)
            self.assertEqual(self.server.run("kick", bare("alice"), "--keep-out", "5m").returncode, 0)
            # aioxmpp reconnects on its own (a second attempt 0) and is refused (then attempt 1,
            # which it answers with no password, and gives up).
            exc = await asyncio.wait_for(failed, 30)
            self.assertIsInstance(exc, aiosasl.AuthenticationFailure)
            self.assertEqual(attempts, [0, 0, 1])
            self.assertEqual(len(established), 1)
            failures = [m for m in received if "xmpp-sasl" in m and "<failure" in m]
            self.assertTrue(failures, "no SASL failure in aioxmpp's log")
            self.assertIn("<account-disabled/>", failures[-1])
            self.assertRegex(failures[-1], r"Kept out by the administrator until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
        finally:
            client.stop()

    async def test_adhoc_end_session_keeps_out_until_reenabled(self):
        """XEP-0133 end-user-session with 'keep out for 5 minutes', lifted by re-enabling."""
        admin = self.client("bob", plugins=("xep_0030", "xep_0004", "xep_0050"))
        await admin.online()
        alice = await self.connect("alice", "desk")
        adhoc = admin["xep_0050"]
        node = "http://jabber.org/protocol/admin#end-user-session"
        first = await adhoc.send_command(DOMAIN, node, timeout=10)
        form = admin["xep_0004"].make_form(ftype="submit")
        form.add_field(var="accountjids", value=[bare("alice")])
        form.add_field(var="keep-out", value="300")
        await adhoc.send_command(DOMAIN, node, action="complete", payload=form,
                                 sessionid=first["command"]["sessionid"], timeout=10)
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)
        refused = await self.try_login("alice")
        self.assertIn("account-disabled", refused.sasl_failures)
        self.assertRegex(sasl_failure_text(refused), r"until ")

        node = "http://jabber.org/protocol/admin#reenable-user"
        first = await adhoc.send_command(DOMAIN, node, timeout=10)
        form = admin["xep_0004"].make_form(ftype="submit")
        form.add_field(var="accountjids", value=[bare("alice")])
        await adhoc.send_command(DOMAIN, node, action="complete", payload=form,
                                 sessionid=first["command"]["sessionid"], timeout=10)
        back = await self.try_login("alice")
        self.assertTrue(back.session_started.is_set(), back.sasl_failures)


if __name__ == "__main__":
    import im_support
    im_support.main()
