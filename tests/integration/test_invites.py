"""Invitations (XEP-0401) redeemed through XEP-0077 in-band registration with a XEP-0379 token
(XEP-0445 <preauth/>): an invitation made by `switchboard invite create` is redeemed by a
slixmpp client (account created with the invitee's password, contact of the inviter, a room
named: test_invite_room.py follows that), and by aioxmpp as a second library; used, expired and revoked tokens are refused,
registration without a token is refused by default, and the terminal QR code decodes (zbarimg)
to the link printed above it."""

import asyncio
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import aioxmpp
import aioxmpp.connector
import aioxmpp.ibr
import aioxmpp.node
import aioxmpp.protocol
import aioxmpp.roster
import aioxmpp.xso

from harness import DOMAIN, Client, Server
from im_support import ImTestCase, bare, expect, fetch_roster, local

PARS_NS = "urn:xmpp:pars:0"
REGISTER_NS = "jabber:iq:register"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def invite(server, *args):
    result = server.run("invite", "create", *args)
    if result.returncode != 0:
        raise AssertionError("invite create failed: " + result.stderr)
    lines = result.stdout.splitlines()
    uri = lines[0]
    token = uri.split("preauth=", 1)[1]
    return uri, token, lines


def error_condition(iq):
    error = iq.xml.find("{jabber:client}error")
    if error is None:
        return None
    return next((local(c.tag) for c in error if c.tag.startswith("{%s}" % STANZAS_NS) and local(c.tag) != "text"), None)


class Registrant(Client):
    """A slixmpp client that registers its own JID before logging in: <preauth/> with the token
    (unless None), then the XEP-0077 set; records each answer."""

    def __init__(self, jid, password, port, token):
        super().__init__(jid, password, port, plugins=("xep_0030", "xep_0199", "xep_0004", "xep_0066", "xep_0077"))
        self.token = token
        self["xep_0077"].force_registration = True
        # slixmpp 1.8.3 queues every stanza until a session starts, which in-band registration
        # (before authentication) never reaches: let them through.
        self._always_send_everything = True
        self.preauth_answer = None
        self.register_answer = None
        self.registered = asyncio.Event()
        self.add_event_handler("register", self._register)

    async def _send(self, iq):
        try:
            return await iq.send(timeout=10)
        except Exception as e:  # IqError carries the error stanza
            return getattr(e, "iq", None)

    async def _register(self, form):
        if self.token is not None:
            iq = self.Iq()
            iq["type"] = "set"
            iq["to"] = DOMAIN
            iq.append(ET.Element(f"{{{PARS_NS}}}preauth", token=self.token))
            self.preauth_answer = await self._send(iq)
        iq = self.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = self.boundjid.user
        iq["register"]["password"] = self.password
        self.register_answer = await self._send(iq)
        self.registered.set()


class InviteTest(ImTestCase):
    users = {"alice": "wonderland", "bob": "builder"}

    async def register(self, user, password, token):
        client = Registrant(bare(user), password, self.server.c2s_port, token)
        self.clients.append(client)
        client.start()
        await asyncio.wait_for(client.registered.wait(), 20)
        return client

    def audit(self):
        db = sqlite3.connect(os.path.join(self.server.data_dir, "switchboard.sqlite"))
        try:
            return db.execute("SELECT action, target, reason FROM audit_log ORDER BY id").fetchall()
        finally:
            db.close()

    async def test_cli_invite_redeemed_by_slixmpp(self):
        alice = await self.connect("alice", "desk")
        uri, token, lines = invite(self.server, "--contact-of", "alice", "--room", "lobby@conference.localhost")
        self.assertEqual(uri, f"xmpp:{DOMAIN}?register;preauth={token}")

        dave = await self.register("dave", "dave's own secret", token)
        self.assertEqual(dave.preauth_answer["type"], "result")
        self.assertEqual(dave.register_answer["type"], "result", dave.register_answer)
        # Then it logs in with the password it chose.
        done, _ = await asyncio.wait([asyncio.ensure_future(dave.session_started.wait())], timeout=20)
        self.assertTrue(dave.session_started.is_set(), dave.sasl_failures)

        # Mutual contacts with the inviter: dave's roster and alice's pushes say both.
        items = await fetch_roster(dave)
        self.assertEqual(items[bare("alice")].get("subscription"), "both")
        await expect(alice, lambda s: local(s.xml.tag) == "iq" and any(
            i.get("jid") == bare("dave") and i.get("subscription") == "both"
            for q in s.xml.findall("{jabber:iq:roster}query") for i in q), "alice's push for dave")

        listing = self.server.run("invite", "list").stdout
        self.assertIn(f"{token}  used  1/1", listing)
        self.assertIn("dave", listing)
        actions = self.audit()
        self.assertIn(("create invite", token), [(a, t) for a, t, _ in actions])
        used = [r for a, t, r in actions if a == "invite used" and t == token]
        self.assertTrue(used and "room lobby@conference.localhost" in used[0], actions)
        self.assertTrue(any(a == "add account" and t == bare("dave") and token in r for a, t, r in actions), actions)

    async def test_used_expired_revoked_and_missing_tokens_are_refused(self):
        _, token, _ = invite(self.server)
        first = await self.register("erin", "erin-pass", token)
        self.assertEqual(first.register_answer["type"], "result")
        await first.offline()

        # Used single-use token: <preauth/> refused, and the registration too.
        again = await self.register("frank", "frank-pass", token)
        self.assertEqual(error_condition(again.preauth_answer), "item-not-found")
        self.assertEqual(error_condition(again.register_answer), "not-allowed")

        _, expiring, _ = invite(self.server, "--expires", "1s")
        await asyncio.sleep(2.1)
        expired = await self.register("frank", "frank-pass", expiring)
        self.assertEqual(error_condition(expired.preauth_answer), "item-not-found")
        self.assertIn("expired", expired.preauth_answer.xml.find("{jabber:client}error").findtext(f"{{{STANZAS_NS}}}text"))
        self.assertEqual(error_condition(expired.register_answer), "not-allowed")

        _, revoked, _ = invite(self.server, "--uses", "3")
        self.assertEqual(self.server.run("invite", "revoke", revoked).returncode, 0)
        refused = await self.register("frank", "frank-pass", revoked)
        self.assertEqual(error_condition(refused.preauth_answer), "item-not-found")
        self.assertEqual(error_condition(refused.register_answer), "not-allowed")

        # No token at all: refused by default (registration = invite).
        none = await self.register("frank", "frank-pass", None)
        self.assertEqual(error_condition(none.register_answer), "not-allowed")
        accounts = self.server.run("user", "list").stdout.split()
        self.assertIn(bare("erin"), accounts)
        self.assertNotIn(bare("frank"), accounts)

    async def test_fixed_name_and_multi_use(self):
        _, fixed, _ = invite(self.server, "--user", "gina")
        wrong = await self.register("notgina", "pw-pw-pw", fixed)
        self.assertEqual(error_condition(wrong.register_answer), "not-acceptable")
        # The reserved name cannot be taken without its token either.
        _, other, _ = invite(self.server, "--uses", "2")
        thief = await self.register("gina", "pw-pw-pw", other)
        self.assertEqual(error_condition(thief.register_answer), "conflict")
        right = await self.register("gina", "gina-pass", fixed)
        self.assertEqual(right.register_answer["type"], "result")
        second = await self.register("hank", "hank-pass", other)
        self.assertEqual(second.register_answer["type"], "result")

    def test_qr_code_decodes_to_the_link(self):
        if not shutil.which("zbarimg"):
            self.fail("zbarimg (zbar-tools) is missing: scripts/setup-deps.sh --test installs it")
        uri, _, lines = invite(self.server, "--uses", "5", "--expires", "7d")
        blocks = {"\u2588": (0, 0), "\u2580": (0, 1), "\u2584": (1, 0), " ": (1, 1)}   # (top, bottom) dark
        qr = [l for l in lines[1:] if l and set(l) <= set(blocks)]
        self.assertGreater(len(qr), 10)
        rows = []
        for line in qr:
            rows.append([blocks[c][0] for c in line])
            rows.append([blocks[c][1] for c in line])
        scale = 6
        with tempfile.NamedTemporaryFile("w", suffix=".pbm", delete=False) as f:
            f.write(f"P1\n{len(rows[0]) * scale} {len(rows) * scale}\n")
            for row in rows:
                line = " ".join(str(v) for v in row for _ in range(scale))
                for _ in range(scale):
                    f.write(line + "\n")
            path = f.name
        try:
            decoded = subprocess.run(["zbarimg", "-q", "--raw", path], capture_output=True, text=True, timeout=30)
        finally:
            os.unlink(path)
        self.assertEqual(decoded.returncode, 0, decoded.stderr)
        self.assertEqual(decoded.stdout.splitlines()[0], uri)

    async def test_aioxmpp_registers_with_a_token(self):
        """A second library: aioxmpp's IBR helpers on its own XML stream, with a <preauth/> XSO."""
        _, token, _ = invite(self.server, "--contact-of", "bob")
        jid = aioxmpp.JID.fromstr(bare("ivan"))
        security = aioxmpp.make_security_layer(None, no_verify=True)
        _, stream, _ = await asyncio.wait_for(aioxmpp.node.connect_xmlstream(
            jid, security, override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())]),
            20)
        try:
            iq = aioxmpp.IQ(to=aioxmpp.JID.fromstr(DOMAIN), type_=aioxmpp.IQType.SET, payload=Preauth(token))
            iq.autoset_id()
            answer = await aioxmpp.protocol.send_and_wait_for(stream, [iq], [aioxmpp.IQ], timeout=10)
            self.assertEqual(answer.type_, aioxmpp.IQType.RESULT)
            fields = await aioxmpp.ibr.get_registration_fields(stream, timeout=10)
            self.assertLessEqual({"username", "password"}, {tag[1] for tag in aioxmpp.ibr.get_used_fields(fields)})
            await aioxmpp.ibr.register(stream, aioxmpp.ibr.Query("ivan", "ivan's password"), timeout=10)
        finally:
            stream.close()
        client = aioxmpp.PresenceManagedClient(
            jid, aioxmpp.make_security_layer("ivan's password", no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        async with client.connected() as stream:
            roster = await client.send(aioxmpp.IQ(type_=aioxmpp.IQType.GET, payload=aioxmpp.roster.xso.Query()))
            self.assertEqual({(str(i.jid), i.subscription) for i in roster.items}, {(bare("bob"), "both")})


@aioxmpp.IQ.as_payload_class
class Preauth(aioxmpp.xso.XSO):
    TAG = (PARS_NS, "preauth")
    token = aioxmpp.xso.Attr("token")

    def __init__(self, token=None):
        super().__init__()
        self.token = token


class UserInviteTest(ImTestCase):
    """XEP-0401 §3: with allow_user_invites a user asks the server for an invitation (ad-hoc
    command urn:xmpp:invite#invite); the friend who redeems it becomes the user's contact.
    Without the setting the command is forbidden."""
    server_config = "allow_user_invites = true\n"
    users = {"alice": "wonderland"}

    async def ask_for_invite(self, client):
        return await client["xep_0050"].send_command(DOMAIN, "urn:xmpp:invite#invite", timeout=10)

    async def test_user_invites_a_friend(self):
        alice = self.client("alice", plugins=("xep_0030", "xep_0004", "xep_0050"))
        await alice.online()
        answer = await self.ask_for_invite(alice)
        self.assertEqual(answer["command"]["status"], "completed")
        uri = answer["command"]["form"]["values"]["uri"]
        self.assertRegex(uri, rf"^xmpp:{DOMAIN}\?register;preauth=[A-Za-z0-9_-]{{24}}$")
        friend = await self.register("kim", "kim-pass", uri.split("preauth=")[1])
        self.assertEqual(friend.register_answer["type"], "result")
        await asyncio.wait_for(friend.session_started.wait(), 20)
        items = await fetch_roster(friend)
        self.assertEqual(items[bare("alice")].get("subscription"), "both")

    async def register(self, user, password, token):
        client = Registrant(bare(user), password, self.server.c2s_port, token)
        self.clients.append(client)
        client.start()
        await asyncio.wait_for(client.registered.wait(), 20)
        return client


class UserInviteNotAllowedTest(ImTestCase):
    users = {"alice": "wonderland"}

    async def test_forbidden_without_the_setting(self):
        from slixmpp.exceptions import IqError
        alice = self.client("alice", plugins=("xep_0030", "xep_0004", "xep_0050"))
        await alice.online()
        with self.assertRaises(IqError) as refused:
            await alice["xep_0050"].send_command(DOMAIN, "urn:xmpp:invite#invite", timeout=10)
        self.assertEqual(refused.exception.condition, "forbidden")
        self.assertIn("0 invitations", self.server.run("invite", "list").stdout)


class ClosedRegistrationTest(ImTestCase):
    server_config = "registration = closed\n"
    users = {"alice": "wonderland"}

    async def test_closed_refuses_even_a_valid_token(self):
        _, token, _ = invite(self.server)
        client = Registrant(bare("judy"), "judy-pass", self.server.c2s_port, token)
        self.clients.append(client)
        client["xep_0077"].force_registration = False
        # No register feature is offered: the client goes straight to SASL and fails.
        client.start()
        await asyncio.wait_for(client.auth_failed.wait(), 20)
        self.assertFalse(client.registered.is_set())
        self.assertNotIn(bare("judy"), self.server.run("user", "list").stdout.split())


class OpenRegistrationTest(ImTestCase):
    server_config = "registration = open\n"
    users = {"alice": "wonderland"}

    async def test_open_registers_without_a_token(self):
        client = Registrant(bare("lena"), "lena-pass", self.server.c2s_port, None)
        self.clients.append(client)
        client.start()
        await asyncio.wait_for(client.registered.wait(), 20)
        self.assertEqual(client.register_answer["type"], "result")
        await asyncio.wait_for(client.session_started.wait(), 20)
        # A taken name is a conflict.
        again = Registrant(bare("alice"), "other", self.server.c2s_port, None)
        self.clients.append(again)
        again.start()
        await asyncio.wait_for(again.registered.wait(), 20)
        self.assertEqual(error_condition(again.register_answer), "conflict")


if __name__ == "__main__":
    import im_support
    im_support.main()
