"""Administration from any client: XEP-0050 ad-hoc commands with the XEP-0133 set, run by slixmpp's
xep_0050 as an admin (config `admins`) — each command works and leaves its entry in the audit log
the console shows — and refused with forbidden for everyone else, with nothing changed. aioxmpp's
ad-hoc client runs one command as a second library."""

import asyncio
import os
import sqlite3
import xml.etree.ElementTree as ET

import aioxmpp
import aioxmpp.adhoc
import aioxmpp.connector
import aioxmpp.forms
from slixmpp.exceptions import IqError

from harness import DOMAIN
from im_support import ImTestCase, bare, expect, local

ADMIN = "http://jabber.org/protocol/admin#"
MAM_NS = "urn:xmpp:mam:2"
PLUGINS = ("xep_0030", "xep_0199", "xep_0004", "xep_0050")


class AdHocAdminTest(ImTestCase):
    server_config = "admins = alice@localhost, nobody@example.test\n"
    users = {"alice": "wonderland", "bob": "builder", "carol": "singer"}

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", PLUGINS)
        return super().client(user, password, resource, **kwargs)

    def audit(self):
        db = sqlite3.connect(os.path.join(self.server.data_dir, "switchboard.sqlite"))
        try:
            return db.execute("SELECT action, target, reason FROM audit_log ORDER BY id").fetchall()
        finally:
            db.close()

    def accounts(self):
        return self.server.run("user", "list").stdout.split()

    async def run_command(self, client, node, values=None):
        """Stage one (the form), then the submitted form; returns the completed <command/>."""
        adhoc = client["xep_0050"]
        first = await adhoc.send_command(DOMAIN, ADMIN + node, timeout=10)
        command = first["command"]
        if values is None and command["status"] == "completed":
            return command
        self.assertEqual(command["status"], "executing")
        form = client["xep_0004"].make_form(ftype="submit")
        for var, value in (values or {}).items():
            form.add_field(var=var, value=value)
        done = await adhoc.send_command(DOMAIN, ADMIN + node, action="complete", payload=form,
                                        sessionid=command["sessionid"], timeout=10)
        self.assertEqual(done["command"]["status"], "completed")
        notes = done["command"]["notes"]
        self.assertFalse([n for n in notes if n[0] == "error"], notes)
        return done["command"]

    async def test_admin_runs_each_command_and_it_is_audited(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        items = await alice["xep_0050"].get_commands(DOMAIN, timeout=10)
        nodes = {i[1] for i in items["disco_items"]["items"]}
        for name in ("add-user", "delete-user", "disable-user", "reenable-user", "change-user-password",
                     "end-user-session", "get-online-users-list", "get-online-users-num",
                     "get-registered-users-num", "announce", "edit-motd"):
            self.assertIn(ADMIN + name, nodes)

        await self.run_command(alice, "add-user", {"accountjid": bare("dave"), "password": "dave-pass",
                                                   "password-verify": "dave-pass"})
        self.assertIn(bare("dave"), self.accounts())
        dave = self.client("dave", "dave-pass")
        await dave.online()
        await dave.offline()

        result = await self.run_command(alice, "get-registered-users-num")
        self.assertEqual(result["form"]["values"]["registeredusersnum"], "4")
        result = await self.run_command(alice, "get-online-users-num")
        self.assertEqual(result["form"]["values"]["onlineusersnum"], "2")
        result = await self.run_command(alice, "get-online-users-list")
        self.assertEqual(sorted(str(j) for j in result["form"]["values"]["onlineuserjids"]),
                         [bare("alice"), bare("bob")])

        mark = len(bob.received)
        await self.run_command(alice, "announce", {"subject": "Fire drill", "announcement": "At three, everyone out."})
        msg = await expect(bob, lambda s: local(s.xml.tag) == "message" and s["from"] == DOMAIN
                           and s["body"] == "At three, everyone out.", "the announcement", start=mark)
        self.assertEqual(msg["subject"], "Fire drill")

        await self.run_command(alice, "edit-motd", {"motd": "Welcome back"})
        carol = await self.connect("carol", "desk")
        await expect(carol, lambda s: local(s.xml.tag) == "message" and s["body"] == "Welcome back",
                     "the message of the day")

        await self.run_command(alice, "change-user-password", {"accountjid": bare("dave"), "password": "new-pass"})
        dave2 = self.client("dave", "new-pass")
        await dave2.online()
        await dave2.offline()

        await self.run_command(alice, "disable-user", {"accountjids": [bare("carol")]})
        await asyncio.wait_for(carol.was_disconnected.wait(), 10)
        refused = self.client("carol")
        refused.start()
        await asyncio.wait_for(refused.auth_failed.wait(), 20)
        await self.run_command(alice, "reenable-user", {"accountjids": [bare("carol")]})
        await (self.client("carol")).online()

        await self.run_command(alice, "end-user-session", {"accountjids": [bare("bob")], "reason": "Go home"})
        await asyncio.wait_for(bob.was_disconnected.wait(), 10)
        self.assertIn("policy-violation", bob.stream_errors)
        self.assertEqual(bob.stream_error_text(), "Go home")

        await self.run_command(alice, "delete-user", {"accountjids": [bare("dave")]})
        self.assertNotIn(bare("dave"), self.accounts())

        by_alice = [(a, t) for a, t, r in self.audit() if "by alice@localhost" in r]
        for expected in [("add account", bare("dave")), ("announce to everyone online", "2 account(s)"),
                         ("set message of the day", DOMAIN), ("reset password", bare("dave")),
                         ("disable account", bare("carol")), ("enable account", bare("carol")),
                         ("delete account", bare("dave"))]:
            self.assertIn(expected, by_alice)
        self.assertTrue(any(a.startswith("kick") and t.startswith(bare("bob")) for a, t in by_alice), by_alice)

    async def test_an_account_created_again_starts_with_nothing_of_the_deleted_one(self):
        """Deleting an account while the server runs drops what modules keep of it in memory as
        well as its rows: the block list and archive preferences the old account left in the
        server's caches do not come back with a new account of the same name."""
        alice = await self.connect("alice", "desk")
        dave_form = {"accountjid": bare("dave"), "password": "dave-pass", "password-verify": "dave-pass"}
        await self.run_command(alice, "add-user", dave_form)
        plugins = PLUGINS + ("xep_0191",)

        async def prefs(client, default=None):
            iq = client.make_iq_set() if default else client.make_iq_get()
            iq.set_payload(ET.fromstring(f"<prefs xmlns='{MAM_NS}' default='{default}'/>" if default
                                         else f"<prefs xmlns='{MAM_NS}'/>"))
            answer = await iq.send(timeout=10)
            return answer.xml.find(f"{{{MAM_NS}}}prefs").get("default")

        dave = await self.client("dave", "dave-pass", plugins=plugins).online()
        fresh_default = await prefs(dave)
        await dave["xep_0191"].get_blocked(timeout=10)
        await dave["xep_0191"].block([bare("bob")], timeout=10)
        self.assertEqual(await prefs(dave, "never"), "never")
        self.assertNotEqual(fresh_default, "never")
        await dave.offline()

        await self.run_command(alice, "delete-user", {"accountjids": [bare("dave")]})
        await self.run_command(alice, "add-user", dave_form)
        dave = await self.client("dave", "dave-pass", plugins=plugins).online()
        blocked = await dave["xep_0191"].get_blocked(timeout=10)
        self.assertEqual({str(j) for j in blocked["blocklist"]["items"]}, set())
        self.assertEqual(await prefs(dave), fresh_default)
        # And the block is really gone: bob's message reaches the new dave.
        bob = await self.connect("bob", "desk")
        mark = len(dave.received)
        bob.send_message(mto=dave.boundjid, mbody="hello again", mtype="chat")
        await expect(dave, lambda s: local(s.xml.tag) == "message" and s["body"] == "hello again",
                     "bob's message to the new dave", start=mark)

    async def test_non_admin_is_forbidden_and_nothing_changes(self):
        bob = await self.connect("bob", "desk")
        before_accounts = self.accounts()
        before_audit = self.audit()
        items = await bob["xep_0050"].get_commands(DOMAIN, timeout=10)
        self.assertFalse([i for i in items["disco_items"]["items"] if i[1].startswith(ADMIN)])
        form = bob["xep_0004"].make_form(ftype="submit")
        form.add_field(var="accountjid", value=bare("mallory"))
        form.add_field(var="password", value="x")
        form.add_field(var="password-verify", value="x")
        for node, payload in (("add-user", form), ("delete-user", None), ("get-registered-users-num", None),
                              ("announce", None), ("end-user-session", None), ("edit-motd", None)):
            with self.assertRaises(IqError) as refused:
                await bob["xep_0050"].send_command(DOMAIN, ADMIN + node, action="complete" if payload else "execute",
                                                   payload=payload, timeout=10)
            self.assertEqual(refused.exception.condition, "forbidden", node)
        self.assertEqual(self.accounts(), before_accounts)
        self.assertEqual(self.audit(), before_audit)

    async def test_aioxmpp_admin_command(self):
        """A second library: aioxmpp's AdHocClient lists the commands and runs one as the admin."""
        client = aioxmpp.PresenceManagedClient(
            aioxmpp.JID.fromstr(bare("alice") + "/aio"), aioxmpp.make_security_layer(self.users["alice"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        adhoc = client.summon(aioxmpp.adhoc.AdHocClient)
        async with client.connected():
            domain = aioxmpp.JID.fromstr(DOMAIN)
            commands = await asyncio.wait_for(adhoc.get_commands(domain), 10)
            self.assertIn(ADMIN + "get-registered-users-num", {c.node for c in commands})
            session = await asyncio.wait_for(adhoc.execute(domain, ADMIN + "get-registered-users-num"), 10)
            self.assertEqual(session.status, aioxmpp.adhoc.CommandStatus.COMPLETED)
            forms = [p for p in session.response.payload if isinstance(p, aioxmpp.forms.Data)]
            values = {f.var: list(f.values) for form in forms for f in form.fields}
            self.assertEqual(values["registeredusersnum"], ["3"])
            await session.close()


class AnnounceTest(ImTestCase):
    """`switchboard announce`: everyone online now, or (--everyone) offline users at their next
    login through offline storage; the same function as the console's and 0133's."""
    users = {"alice": "wonderland", "bob": "builder", "carol": "singer"}

    async def test_cli_announce_online_then_everyone(self):
        alice = await self.connect("alice", "desk")
        result = self.server.run("announce", "--subject", "Lunch", "Pizza", "in", "the", "kitchen")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), "announced to 1 user")
        await expect(alice, lambda s: local(s.xml.tag) == "message" and s["from"] == DOMAIN
                     and s["body"] == "Pizza in the kitchen" and s["subject"] == "Lunch", "the announcement")

        result = self.server.run("announce", "--everyone", "Office closed on Friday")
        self.assertEqual(result.stdout.strip(), "announced to 3 users")
        await expect(alice, lambda s: local(s.xml.tag) == "message" and s["body"] == "Office closed on Friday",
                     "the announcement to everyone, live")
        # Bob was offline: he gets it at his next login, from offline storage.
        bob = await self.connect("bob", "desk")
        await expect(bob, lambda s: local(s.xml.tag) == "message" and s["body"] == "Office closed on Friday",
                     "the announcement, stored offline")
        audit = sqlite3.connect(os.path.join(self.server.data_dir, "switchboard.sqlite")).execute(
            "SELECT action, target, reason FROM audit_log ORDER BY id").fetchall()
        self.assertIn(("announce to everyone online", "1 account(s)", "Lunch (by cli)"), audit)
        self.assertIn(("announce to everyone", "3 account(s)", "Office closed on Friday (by cli)"), audit)


if __name__ == "__main__":
    import im_support
    im_support.main()
