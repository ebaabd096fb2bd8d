"""XEP-0280 Message Carbons with real clients: slixmpp (its xep_0280 plugin) for alice's laptop,
phone and desk (desk never enables carbons) and for bob; aioxmpp (aioxmpp.carbons, which checks
the server's disco#info before enabling) as a second, independent library on alice's side."""

import asyncio

import aioxmpp
import aioxmpp.carbons
import aioxmpp.connector

import harness
from harness import DOMAIN, ServerTestCase
from im_support import expect, is_message, local, round_trip

CARBONS_NS = "urn:xmpp:carbons:2"
FORWARD_NS = "urn:xmpp:forward:0"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"


def carbon(stanza, direction):
    """The message forwarded inside a <received/> or <sent/> carbon, or None."""
    xml = stanza.xml
    if local(xml.tag) != "message":
        return None
    return xml.find(f"{{{CARBONS_NS}}}{direction}/{{{FORWARD_NS}}}forwarded/{{jabber:client}}message")


def carbons_in(client):
    return [s for s in client.received if carbon(s, "received") is not None or carbon(s, "sent") is not None]


def body_of(message_xml):
    body = message_xml.find("{jabber:client}body")
    return None if body is None else body.text


class CarbonsTest(ServerTestCase):

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", ("xep_0030", "xep_0199", "xep_0297", "xep_0280"))
        return super().client(user, password, resource, **kwargs)

    async def alice_and_bob(self, tag):
        """alice's laptop and phone with carbons enabled, her desk without; bob at home."""
        laptop = await self.client("alice", resource=f"laptop-{tag}").online()
        phone = await self.client("alice", resource=f"phone-{tag}").online()
        desk = await self.client("alice", resource=f"desk-{tag}").online()
        bob = await self.client("bob", resource=f"home-{tag}").online()
        bob.send_presence()   # available: a message to bob's bare JID reaches him
        await round_trip(bob)
        for c in (laptop, phone):
            await c.plugin["xep_0280"].enable(timeout=10)
        self.slix_events = {"received": [], "sent": []}
        phone.add_event_handler("carbon_received", lambda m: self.slix_events["received"].append(m))
        phone.add_event_handler("carbon_sent", lambda m: self.slix_events["sent"].append(m))
        return laptop, phone, desk, bob

    async def settle(self, sender, *receivers):
        """Once the sender's ping returns, the server has handled everything it sent before (and
        written what it caused); once each receiver's own ping returns, those writes, queued on
        its stream before the pong, have arrived."""
        await round_trip(sender)
        for r in receivers:
            await round_trip(r)

    async def test_server_advertises_carbons(self):
        desk = await self.client("alice", resource="disco").online()
        info = await desk.plugin["xep_0030"].get_info(jid=DOMAIN, timeout=10)
        self.assertIn(CARBONS_NS, info["disco_info"]["features"])

    async def test_received_copy_reaches_other_enabled_resource_only(self):
        laptop, phone, desk, bob = await self.alice_and_bob("r")
        bob.send_message(mto=str(laptop.boundjid), mbody="for the laptop", mtype="chat")
        got = await expect(laptop, lambda s: is_message(s, body="for the laptop"), "the original on the laptop")
        self.assertIsNone(carbon(got, "received"))

        copy = await expect(phone, lambda s: carbon(s, "received") is not None, "a received carbon on the phone")
        self.assertEqual(copy.xml.get("from"), ALICE)
        self.assertEqual(copy.xml.get("to"), str(phone.boundjid))
        self.assertEqual(copy.xml.get("type"), "chat")
        inner = carbon(copy, "received")
        self.assertEqual(inner.get("from"), str(bob.boundjid))
        self.assertEqual(inner.get("to"), str(laptop.boundjid))
        self.assertEqual(body_of(inner), "for the laptop")
        # slixmpp's own plugin recognised it (it checks the carbon comes from our bare JID).
        await harness.wait_for(lambda: self.slix_events["received"], what="slixmpp carbon_received")

        # desk (not enabled), the laptop (got the original) and bob get no carbon.
        await self.settle(bob, desk, laptop, phone)
        self.assertEqual(carbons_in(desk), [])
        self.assertEqual(carbons_in(laptop), [])
        self.assertEqual(carbons_in(bob), [])
        self.assertEqual(len(carbons_in(phone)), 1)   # one message, one copy

    async def test_sent_copy_reaches_other_enabled_resource_only(self):
        laptop, phone, desk, bob = await self.alice_and_bob("s")
        laptop.send_message(mto=BOB, mbody="from the laptop", mtype="chat")
        await expect(bob, lambda s: is_message(s, body="from the laptop"), "the message at bob")
        copy = await expect(phone, lambda s: carbon(s, "sent") is not None, "a sent carbon on the phone")
        self.assertEqual(copy.xml.get("from"), ALICE)
        self.assertEqual(copy.xml.get("to"), str(phone.boundjid))
        inner = carbon(copy, "sent")
        self.assertEqual(inner.get("from"), str(laptop.boundjid))
        self.assertEqual(inner.get("to"), BOB)
        self.assertEqual(body_of(inner), "from the laptop")
        await harness.wait_for(lambda: self.slix_events["sent"], what="slixmpp carbon_sent")

        await self.settle(laptop, desk, phone)
        self.assertEqual(carbons_in(desk), [])
        self.assertEqual(carbons_in(laptop), [])   # never back to the sender
        self.assertEqual(carbons_in(bob), [])

    async def test_private_suppresses_copies(self):
        laptop, phone, desk, bob = await self.alice_and_bob("p")
        for sender, to, body in ((bob, laptop.boundjid, "private in"), (laptop, bob.boundjid, "private out")):
            msg = sender.make_message(mto=str(to), mbody=body, mtype="chat")
            msg.enable("carbon_private")
            msg.send()
        got_in = await expect(laptop, lambda s: is_message(s, body="private in"), "the private message in")
        got_out = await expect(bob, lambda s: is_message(s, body="private out"), "the private message out")
        # §8: the receiving server removes <private/>.
        self.assertIsNone(got_in.xml.find(f"{{{CARBONS_NS}}}private"))
        self.assertIsNone(got_out.xml.find(f"{{{CARBONS_NS}}}private"))
        await self.settle(bob, phone, desk)
        await self.settle(laptop, phone, desk)
        self.assertEqual(carbons_in(phone), [])
        self.assertEqual(carbons_in(desk), [])

        # Control: without <private/> the same path does copy (so the check above can fail).
        bob.send_message(mto=str(laptop.boundjid), mbody="not private", mtype="chat")
        await expect(phone, lambda s: carbon(s, "received") is not None, "a carbon once not private")

    async def test_aioxmpp_enabled_resource_gets_both_copies(self):
        jid = aioxmpp.JID.fromstr(f"alice@{DOMAIN}/aio")
        client = aioxmpp.PresenceManagedClient(
            jid, aioxmpp.make_security_layer(self.users["alice"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        copies = []

        def capture(message):
            if message.xep0280_received is not None:
                copies.append(("received", message))
            elif message.xep0280_sent is not None:
                copies.append(("sent", message))
            return message

        connection = client.connected()
        await asyncio.wait_for(connection.__aenter__(), 20)
        try:
            client.stream.app_inbound_message_filter.register(capture, 0)
            # aioxmpp looks for the feature in the server's disco#info before it enables.
            await asyncio.wait_for(client.summon(aioxmpp.carbons.CarbonsClient).enable(), 10)

            laptop = await self.client("alice", resource="laptop-aio").online()
            bob = await self.client("bob", resource="home-aio").online()
            bob.send_message(mto=str(laptop.boundjid), mbody="aio in", mtype="chat")
            laptop.send_message(mto=str(bob.boundjid), mbody="aio out", mtype="chat")
            await expect(laptop, lambda s: is_message(s, body="aio in"), "the original on the laptop")
            await expect(bob, lambda s: is_message(s, body="aio out"), "the original at bob")
            await harness.wait_for(lambda: len(copies) >= 2, what="two carbons at aioxmpp")

            kinds = {kind: message for kind, message in copies}
            self.assertEqual(sorted(kinds), ["received", "sent"])
            received = kinds["received"]
            self.assertEqual(str(received.from_), ALICE)
            self.assertEqual(str(received.to), str(jid))
            inner = received.xep0280_received.stanza
            self.assertEqual(str(inner.from_), str(bob.boundjid))
            self.assertEqual(str(inner.to), str(laptop.boundjid))
            self.assertEqual(inner.body.any(), "aio in")
            inner = kinds["sent"].xep0280_sent.stanza
            self.assertEqual(str(inner.from_), str(laptop.boundjid))
            self.assertEqual(str(inner.to), str(bob.boundjid))
            self.assertEqual(inner.body.any(), "aio out")
        finally:
            await connection.__aexit__(None, None, None)


if __name__ == "__main__":
    harness.main()
