"""XEP-0191 Blocking Command with real clients: slixmpp and its xep_0191 plugin for two users and
three resources (alice has two), and aioxmpp's BlockingClient as a second, independent library.
A blocked contact's presence and messages never arrive, the user's stanzas to it are refused
with not-acceptable + <blocked/>, pushes reach every resource that fetched the list, the list
survives a restart, and unblocking brings presence back."""

import asyncio

import aioxmpp
import aioxmpp.connector
import aioxmpp.errors
import aioxmpp.ping
from slixmpp import JID

import im_support
from harness import Server
from im_support import STANZAS_NS, ImTestCase, bare, befriend, expect, is_message, is_presence, local, round_trip

ALICE, BOB = bare("alice"), bare("bob")
BLOCKING_NS = "urn:xmpp:blocking"
ERRORS_NS = "urn:xmpp:blocking:errors"
PLUGINS = ("xep_0030", "xep_0199", "xep_0092", "xep_0191")


def error_of(stanza):
    """(type, condition, has <blocked/>) of an error stanza, or None."""
    xml = stanza.xml
    if xml.get("type") != "error":
        return None
    error = xml.find("{jabber:client}error")
    if error is None:
        return None
    condition = next((local(c.tag) for c in error if c.tag.startswith("{%s}" % STANZAS_NS) and local(c.tag) != "text"),
                     None)
    return error.get("type"), condition, error.find(f"{{{ERRORS_NS}}}blocked") is not None


def is_push(stanza, name):
    xml = stanza.xml
    return local(xml.tag) == "iq" and xml.get("type") == "set" and xml.find(f"{{{BLOCKING_NS}}}{name}") is not None


def push_items(stanza, name):
    return {item.get("jid") for item in stanza.xml.find(f"{{{BLOCKING_NS}}}{name}")}


class BlockingTest(ImTestCase):

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", PLUGINS)
        return super().client(user, password, resource, **kwargs)

    async def settle(self, *clients):
        """Everything each client sent before has been processed by the server."""
        for c in clients:
            await round_trip(c)

    async def fetch_blocklist(self, client):
        result = await client.plugin["xep_0191"].get_blocked(timeout=10)
        return {str(j) for j in result["blocklist"]["items"]}

    async def alice_two_resources_and_bob(self):
        desk = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        await befriend(desk, bob)
        phone = await self.connect("alice", "phone")
        await expect(bob, lambda s: is_presence(s, frm=str(phone.boundjid)), "alice/phone's presence")
        # §3.2: both of alice's resources ask for the list, so both get pushes.
        self.assertEqual(await self.fetch_blocklist(desk), set())
        self.assertEqual(await self.fetch_blocklist(phone), set())
        return desk, phone, bob

    async def test_block_hides_presence_and_refuses_messages(self):
        desk, phone, bob = await self.alice_two_resources_and_bob()
        marks = {c: len(c.received) for c in (desk, phone, bob)}

        await desk.plugin["xep_0191"].block(JID(BOB), timeout=10)
        # Pushes to both interested resources, the one that sent the command included.
        for c in (desk, phone):
            push = await expect(c, lambda s: is_push(s, "block"), "block push", start=marks[c])
            self.assertEqual(push_items(push, "block"), {BOB})
        # §3.3: bob could see alice, so alice goes offline for him, from both resources.
        for r in (desk, phone):
            await expect(bob, lambda s, r=r: is_presence(s, frm=str(r.boundjid), ptype="unavailable"),
                         "unavailable from " + str(r.boundjid), start=marks[bob])
        self.assertEqual(await self.fetch_blocklist(phone), {BOB})

        # Presence changes on either side no longer cross.
        marks = {c: len(c.received) for c in (desk, phone, bob)}
        bob.send_presence(pshow="dnd", pstatus="busy")
        desk.send_presence(pshow="away", pstatus="lunch")
        await expect(desk, lambda s: is_presence(s, frm=str(desk.boundjid)), "own update", start=marks[desk])
        await self.settle(bob, desk, phone)
        for c in (desk, phone):
            self.assertFalse([s for s in c.received[marks[c]:] if is_presence(s) and s.xml.get("from", "").startswith(BOB)],
                             "bob's presence reached " + str(c.boundjid))
        self.assertFalse([s for s in bob.received[marks[bob]:] if is_presence(s) and s.xml.get("from", "").startswith(ALICE)],
                         "alice's presence reached bob")

        # A message to the blocked JID: not-acceptable with <blocked/>, and bob gets nothing.
        marks = {c: len(c.received) for c in (desk, phone, bob)}
        desk.send_message(mto=BOB, mbody="can you hear me?", mtype="chat")
        error = await expect(desk, lambda s: error_of(s) is not None, "the blocked error", start=marks[desk])
        self.assertEqual(error_of(error), ("cancel", "not-acceptable", True))
        self.assertEqual(error.xml.get("from"), BOB)

        # A message from the blocked contact: service-unavailable, as if alice were offline.
        bob.send_message(mto=ALICE, mbody="let me in", mtype="chat")
        error = await expect(bob, lambda s: error_of(s) is not None, "service-unavailable", start=marks[bob])
        self.assertEqual(error_of(error)[1:], ("service-unavailable", False))
        bob.send_message(mto=str(phone.boundjid), mbody="to the phone", mtype="chat")
        await self.settle(bob, desk, phone)
        for c in (desk, phone):
            self.assertFalse([s for s in c.received[marks[c]:] if is_message(s) and error_of(s) is None],
                             "a message crossed the block at " + str(c.boundjid))
        self.assertFalse([s for s in bob.received[marks[bob]:] if is_message(s, body="can you hear me?")])

    async def test_unblock_restores_presence_flow(self):
        desk, phone, bob = await self.alice_two_resources_and_bob()
        await desk.plugin["xep_0191"].block(JID(BOB), timeout=10)
        bob.send_presence(pstatus="while blocked")
        await self.settle(bob, desk)

        marks = {c: len(c.received) for c in (desk, phone, bob)}
        await phone.plugin["xep_0191"].unblock(JID(BOB), timeout=10)
        for c in (desk, phone):
            push = await expect(c, lambda s: is_push(s, "unblock"), "unblock push", start=marks[c])
            self.assertEqual(push_items(push, "unblock"), {BOB})
        # §3.4: bob gets alice's current presence again; alice gets bob's back.
        for r in (desk, phone):
            await expect(bob, lambda s, r=r: is_presence(s, frm=str(r.boundjid), ptype="available"),
                         "presence of " + str(r.boundjid), start=marks[bob])
        got = await expect(desk, lambda s: is_presence(s, frm=str(bob.boundjid), ptype="available"),
                           "bob's presence back", start=marks[desk])
        self.assertEqual(got.xml.findtext("{jabber:client}status"), "while blocked")

        marks = {c: len(c.received) for c in (desk, phone, bob)}
        bob.send_presence(pstatus="free again")
        for c in (desk, phone):
            await expect(c, lambda s: is_presence(s, frm=str(bob.boundjid))
                         and s.xml.findtext("{jabber:client}status") == "free again", "bob's update", start=marks[c])
        bob.send_message(mto=ALICE, mbody="hello again", mtype="chat")
        await expect(desk, lambda s: is_message(s, body="hello again"), "bob's message", start=marks[desk])

        # Unblock-all (§3.5) is pushed as an empty <unblock/>.
        await desk.plugin["xep_0191"].block([JID("carol@localhost"), JID("spam.example")], timeout=10)
        marks = {c: len(c.received) for c in (desk, phone)}
        iq = desk.Iq()
        iq["type"] = "set"
        iq.xml.append(iq.xml.makeelement(f"{{{BLOCKING_NS}}}unblock", {}))
        await iq.send(timeout=10)
        push = await expect(phone, lambda s: is_push(s, "unblock"), "unblock-all push", start=marks[phone])
        self.assertEqual(push_items(push, "unblock"), set())
        self.assertEqual(await self.fetch_blocklist(phone), set())

    async def test_block_list_survives_restart(self):
        alice = await self.connect("alice", "desk")
        await self.fetch_blocklist(alice)
        await alice.plugin["xep_0191"].block([JID(BOB), JID("carol@localhost/x")], timeout=10)
        await alice.offline()
        self.server.stop()

        data_dir = self.server.data_dir
        self.server = Server(data_dir=data_dir).start()
        self.addCleanup(self.server.stop)
        alice = await self.connect("alice", "again")
        self.assertEqual(await self.fetch_blocklist(alice), {BOB, "carol@localhost/x"})
        bob = await self.connect("bob", "desk")
        mark = len(alice.received)
        bob.send_message(mto=ALICE, mbody="after the restart", mtype="chat")
        error = await expect(bob, lambda s: error_of(s) is not None, "service-unavailable")
        self.assertEqual(error_of(error)[1], "service-unavailable")
        await self.settle(bob, alice)
        self.assertFalse([s for s in alice.received[mark:] if is_message(s, body="after the restart")])

    async def test_aioxmpp_blocks_and_the_block_holds(self):
        """A second library: aioxmpp's BlockingClient fetches the list (it checks the server's
        disco first), blocks bob with its own iq, gets the push, and is refused when it pings bob."""
        bob = await self.connect("bob", "desk")
        slix_alice = await self.connect("alice", "desk")
        await self.fetch_blocklist(slix_alice)

        jid = aioxmpp.JID.fromstr(f"{ALICE}/aio")
        client = aioxmpp.PresenceManagedClient(
            jid, aioxmpp.make_security_layer(self.users["alice"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        blocking = client.summon(aioxmpp.BlockingClient)
        initial = asyncio.get_running_loop().create_future()
        blocked = asyncio.get_running_loop().create_future()
        blocking.on_initial_blocklist_received.connect(lambda items: initial.done() or initial.set_result(items))
        blocking.on_jids_blocked.connect(lambda items: blocked.done() or blocked.set_result(items))
        connection = client.connected()
        await asyncio.wait_for(connection.__aenter__(), 20)
        try:
            self.assertEqual(await asyncio.wait_for(initial, 10), frozenset())
            mark = len(slix_alice.received)
            await asyncio.wait_for(blocking.block_jids([aioxmpp.JID.fromstr(BOB)]), 10)
            # The push reaches aioxmpp itself and the slixmpp resource.
            self.assertEqual(await asyncio.wait_for(blocked, 10), frozenset({aioxmpp.JID.fromstr(BOB)}))
            await expect(slix_alice, lambda s: is_push(s, "block"), "block push at the other resource", start=mark)
            self.assertEqual(blocking.blocklist, frozenset({aioxmpp.JID.fromstr(BOB)}))

            # aioxmpp's own iq to bob is refused by alice's server.
            with self.assertRaises(aioxmpp.errors.XMPPCancelError) as refused:
                await asyncio.wait_for(aioxmpp.ping.ping(client, aioxmpp.JID.fromstr(str(bob.boundjid))), 10)
            self.assertEqual(refused.exception.condition, aioxmpp.ErrorCondition.NOT_ACCEPTABLE)

            # And bob cannot reach alice: his message bounces, neither alice resource gets it.
            mark = len(slix_alice.received)
            bob.send_message(mto=ALICE, mbody="through aioxmpp's block", mtype="chat")
            error = await expect(bob, lambda s: error_of(s) is not None, "service-unavailable")
            self.assertEqual(error_of(error)[1], "service-unavailable")
            await self.settle(bob, slix_alice)
            self.assertFalse([s for s in slix_alice.received[mark:] if is_message(s)])

            await asyncio.wait_for(blocking.unblock_all(), 10)
            await self.settle(slix_alice)
            self.assertEqual(await self.fetch_blocklist(slix_alice), set())
        finally:
            await connection.__aexit__(None, None, None)


if __name__ == "__main__":
    im_support.main()
