"""Issue 3, RFC 6121 §8.5 and XEP-0160 with real clients: routing to the bare JID by priority,
offline storage with a delay stamp, the quota, and a stored message surviving kill -9."""

import shutil
import tempfile

from slixmpp.exceptions import IqError

import im_support
from harness import Server
from im_support import DELAY_NS, ImTestCase, bare, expect, is_message, round_trip

ALICE, BOB = bare("alice"), bare("bob")


def error_condition(stanza):
    error = stanza.xml.find("{jabber:client}error")
    if error is None:
        return None
    for child in error:
        if child.tag.startswith("{" + im_support.STANZAS_NS + "}") and not child.tag.endswith("}text"):
            return im_support.local(child.tag)
    return None


class MessageTest(ImTestCase):

    async def test_bare_jid_goes_to_the_higher_priority_resource(self):
        desk = await self.connect("bob", "desk", priority=5)
        phone = await self.connect("bob", "phone", priority=1)
        alice = await self.connect("alice", "desk", available=False, roster=False)

        alice.send_message(mto=BOB, mbody="to the bare JID", mtype="chat")
        # A marker to the phone's full JID, sent after: once it arrives, the first one would
        # have arrived before it on the same stream if it had gone there.
        alice.send_message(mto=str(phone.boundjid), mbody="marker", mtype="chat")
        got = await expect(desk, lambda s: is_message(s, body="to the bare JID"), "the message on bob/desk")
        self.assertEqual(got.xml.get("from"), str(alice.boundjid))   # stamped by the server
        await expect(phone, lambda s: is_message(s, body="marker"), "the marker on bob/phone")
        self.assertFalse([s for s in phone.received if is_message(s, body="to the bare JID")])

        # Priorities change with presence: now the phone is the one.
        phone.send_presence(ppriority=9)
        await round_trip(phone)
        alice.send_message(mto=BOB, mbody="second", mtype="chat")
        alice.send_message(mto=str(desk.boundjid), mbody="marker 2", mtype="chat")
        await expect(phone, lambda s: is_message(s, body="second"), "the second message on bob/phone")
        await expect(desk, lambda s: is_message(s, body="marker 2"), "marker 2 on bob/desk")
        self.assertFalse([s for s in desk.received if is_message(s, body="second")])

    async def test_offline_message_arrives_with_delay_after_login(self):
        alice = await self.connect("alice", "desk", available=False, roster=False)
        alice.send_message(mto=BOB, mbody="while you were out", mtype="chat")
        await round_trip(alice)
        self.assertFalse([s for s in alice.received if error_condition(s)])

        bob = await self.connect("bob", "desk")
        got = await expect(bob, lambda s: is_message(s, body="while you were out"), "the offline message")
        delay = got.xml.find(f"{{{DELAY_NS}}}delay")
        self.assertIsNotNone(delay, str(got))
        self.assertEqual(delay.get("from"), "localhost")
        self.assertRegex(delay.get("stamp"), r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(got.xml.get("from"), str(alice.boundjid))

        # Delivered once: the next login gets nothing.
        bob2 = await self.connect("bob", "laptop")
        await round_trip(bob2)
        self.assertFalse([s for s in bob2.received if is_message(s, body="while you were out")])

    async def test_negative_priority_gets_no_offline_messages(self):
        alice = await self.connect("alice", "desk", available=False, roster=False)
        alice.send_message(mto=BOB, mbody="kept", mtype="normal")
        await round_trip(alice)
        bot = await self.connect("bob", "bot", priority=-1)
        # A message to the bare JID while only a negative-priority resource is there is stored too.
        alice.send_message(mto=BOB, mbody="also kept", mtype="chat")
        await round_trip(alice)
        await round_trip(bot)
        self.assertFalse([s for s in bot.received if is_message(s)])
        desk = await self.connect("bob", "desk", priority=0)
        await expect(desk, lambda s: is_message(s, body="kept"), "the first stored message")
        await expect(desk, lambda s: is_message(s, body="also kept"), "the second stored message")

    async def test_unknown_account_and_groupchat_get_errors(self):
        alice = await self.connect("alice", "desk", available=False, roster=False)
        alice.send_message(mto="ghost@localhost", mbody="hello?", mtype="chat")
        got = await expect(alice, lambda s: is_message(s) and s.xml.get("type") == "error", "an error")
        self.assertEqual(error_condition(got), "service-unavailable")
        mark = len(alice.received)
        alice.send_message(mto=BOB, mbody="room?", mtype="groupchat")
        got = await expect(alice, lambda s: is_message(s) and s.xml.get("type") == "error", "an error", start=mark)
        self.assertEqual(error_condition(got), "service-unavailable")


    async def test_iq_to_full_jid_is_routed_and_to_bare_jid_answered_by_the_server(self):
        bob = await self.connect("bob", "desk")
        alice = await self.connect("alice", "desk", available=False, roster=False)

        async def iq_error(to, payload_tag):
            iq = alice.Iq()
            iq["type"] = "get"
            iq["to"] = to
            iq.xml.append(iq.xml.makeelement(payload_tag, {}))
            with self.assertRaises(IqError) as caught:
                await iq.send(timeout=10)
            return caught.exception.iq["error"]["condition"]

        # §8.5.3.1: an iq to a connected full JID reaches that client, which answers it.
        await alice.plugin["xep_0199"].ping(jid=str(bob.boundjid), timeout=10)
        # §8.5.3.2.1: to a full JID that is not connected, service-unavailable.
        self.assertEqual(await iq_error(BOB + "/gone", "{urn:xmpp:ping}ping"), "service-unavailable")
        # §8.5.2.1.3: the server answers for the account: its vCard (XEP-0054, empty here), and
        # service-unavailable for what it does not know; neither reaches bob's client.
        iq = alice.Iq()
        iq["type"] = "get"
        iq["to"] = BOB
        iq.xml.append(iq.xml.makeelement("{vcard-temp}vCard", {}))
        answer = await iq.send(timeout=10)
        self.assertEqual(answer["from"], BOB)
        self.assertIsNotNone(answer.xml.find("{vcard-temp}vCard"))
        self.assertEqual(await iq_error(BOB, "{urn:example:unknown}query"), "service-unavailable")
        self.assertFalse([s for s in bob.received if s.xml.find("{vcard-temp}vCard") is not None])


class QuotaTest(ImTestCase):
    server_config = "offline_quota = 2\n"

    async def test_quota_gives_resource_constraint(self):
        alice = await self.connect("alice", "desk", available=False, roster=False)
        for i in range(3):
            alice.send_message(mto=BOB, mbody=f"m{i}", mtype="chat")
        got = await expect(alice, lambda s: is_message(s) and s.xml.get("type") == "error", "the quota error")
        self.assertEqual(error_condition(got), "resource-constraint")
        self.assertEqual(got.xml.find("{jabber:client}body").text, "m2")
        bob = await self.connect("bob", "desk")
        await expect(bob, lambda s: is_message(s, body="m1"), "m1")
        await round_trip(bob)
        self.assertEqual([s.xml.find("{jabber:client}body").text for s in bob.received if is_message(s)], ["m0", "m1"])


class DurabilityTest(ImTestCase):

    async def asyncSetUp(self):
        # Our own data directory, shared by the server and its successor.
        self.clients = []
        self.data_dir = tempfile.mkdtemp(prefix="sb-test-im-")
        self.addCleanup(shutil.rmtree, self.data_dir, True)
        self.server = Server(data_dir=self.data_dir).start()
        self.addCleanup(self.server.cleanup)
        for user, password in self.users.items():
            self.server.add_user(user, password)

    async def test_offline_message_survives_kill_9(self):
        alice = await self.connect("alice", "desk", available=False, roster=False)
        alice.send_message(mto=BOB, mbody="durable", mtype="chat")
        await round_trip(alice)   # processed, so committed: nothing is acknowledged before that

        self.server.kill9()
        alice.abort()
        self.clients.remove(alice)
        self.server = Server(data_dir=self.data_dir).start()
        self.addCleanup(self.server.cleanup)

        bob = await self.connect("bob", "desk")
        got = await expect(bob, lambda s: is_message(s, body="durable"), "the message after the restart")
        self.assertIsNotNone(got.xml.find(f"{{{DELAY_NS}}}delay"))


if __name__ == "__main__":
    im_support.main()
