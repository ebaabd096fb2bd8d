"""XEP-0352 Client State Indication with real clients: slixmpp (its xep_0352 plugin, enabled by the
stream feature) for alice and five contacts, and nbxmpp (raw <inactive/>/<active/> nonzas through
its stream) as a second, independent library. Presence reaches alice through real subscriptions."""

import asyncio
import xml.etree.ElementTree as ET

import harness
from harness import DOMAIN, ServerTestCase
from im_support import befriend, expect, fetch_roster, is_presence, local, round_trip

ALICE = f"alice@{DOMAIN}"
CONTACTS = [f"c{i}" for i in range(5)]


def body_of(xml):
    body = xml.find("{jabber:client}body")
    return None if body is None else body.text


class CsiTest(ServerTestCase):
    users = {"alice": "wonderland", **{c: f"pw-{c}" for c in CONTACTS}}

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", ("xep_0030", "xep_0199", "xep_0352"))
        return super().client(user, password, resource, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.befriended = False

    async def connect(self, user, resource):
        """Logged in, interested (roster fetched) and available."""
        client = await self.client(user, resource=resource).online()
        await fetch_roster(client)
        client.send_presence()
        await expect(client, lambda s: is_presence(s, frm=str(client.boundjid)), "own presence")
        return client

    async def contacts_and_alice(self, resource):
        alice = await self.connect("alice", resource)
        contacts = [await self.connect(c, resource) for c in CONTACTS]
        if not CsiTest.befriended:
            for c in contacts:
                await befriend(alice, c)
            CsiTest.befriended = True
        for c in contacts:
            await round_trip(c)
        await round_trip(alice)
        return alice, contacts

    def presences_from_contacts(self, client, start):
        return [s.xml for s in client.received[start:]
                if local(s.xml.tag) == "presence" and s.xml.get("from", "").split("@")[0] in CONTACTS]

    def session_of(self, jid):
        for s in self.server.sessions():
            if s["jid"] == jid:
                return s
        raise AssertionError(f"no session {jid}")

    async def test_presence_held_until_active(self):
        alice, contacts = await self.contacts_and_alice("held")
        self.assertTrue(alice.plugin["xep_0352"].enabled, "the server did not offer <csi/>")
        self.assertEqual(self.session_of(str(alice.boundjid))["csi"], "active")
        alice.plugin["xep_0352"].send_inactive()
        await round_trip(alice)
        self.assertEqual(self.session_of(str(alice.boundjid))["csi"], "inactive")

        start = len(alice.received)
        for round_ in range(10):
            for c in contacts:
                c.send_presence(pstatus=f"{c.boundjid.user} {round_}")
        for c in contacts:
            await round_trip(c)
        await round_trip(alice)   # an iq is answered at once while inactive
        self.assertEqual(self.presences_from_contacts(alice, start), [])

        alice.plugin["xep_0352"].send_active()
        await round_trip(alice)
        got = self.presences_from_contacts(alice, start)
        self.assertLessEqual(len(got), 5)
        newest = {p.get("from").split("@")[0]: p.find("{jabber:client}status").text for p in got}
        self.assertEqual(newest, {c: f"{c} 9" for c in CONTACTS})

    async def test_message_with_body_arrives_at_once(self):
        alice, contacts = await self.contacts_and_alice("body")
        alice.plugin["xep_0352"].send_inactive()
        await round_trip(alice)
        start = len(alice.received)
        contacts[0].send_presence(pstatus="away for lunch")
        await round_trip(contacts[0])
        # A chat state alone waits with the presence...
        composing = contacts[2].make_message(mto=ALICE, mtype="chat")
        composing.append(ET.fromstring("<composing xmlns='http://jabber.org/protocol/chatstates'/>"))
        composing.send()
        await round_trip(contacts[2])
        await round_trip(alice)
        waiting = [s.xml for s in alice.received[start:] if local(s.xml.tag) in ("presence", "message")]
        self.assertEqual([x for x in waiting if local(x.tag) == "presence" or
                          x.find("{http://jabber.org/protocol/chatstates}composing") is not None], [])
        # ...a message with a body does not: it arrives at once, after what was held.
        contacts[3].send_message(mto=ALICE, mtype="chat", mbody="lunch?")
        await round_trip(contacts[3])
        await round_trip(alice)
        got = [s.xml for s in alice.received[start:] if local(s.xml.tag) in ("presence", "message")]
        bodies = [body_of(x) for x in got if local(x.tag) == "message" and body_of(x)]
        self.assertIn("lunch?", bodies)
        order = [local(x.tag) + ":" + (body_of(x) or "") for x in got]
        self.assertEqual(order[-1], "message:lunch?")
        self.assertTrue(any(is_presence_xml(x, "c0") for x in got[:-1]), order)
        alice.plugin["xep_0352"].send_active()
        await round_trip(alice)

    async def test_nbxmpp_sends_the_nonzas(self):
        """A second library: nbxmpp writes <inactive/> and <active/> on its own stream."""
        import nbxmpp_support
        from nbxmpp.protocol import Presence
        _, contacts = await self.contacts_and_alice("nb-setup")
        nb = nbxmpp_support.NbClient("alice", self.users["alice"], self.server.c2s_port, resource="nb")
        presences = []
        try:
            await nb.online()
            handler = lambda _c, stanza, _p: presences.append(stanza)
            nb._refs.append(handler)
            nb.client.register_handler(nbxmpp_support.StanzaHandler(name="presence", callback=handler, priority=0))
            nb.client.send_stanza(Presence())
            await nb.pump(0.5)
            nb.send_raw("<inactive xmlns='urn:xmpp:csi:0'/>")
            await nb.pump(0.2)
            self.assertEqual(self.session_of(f"{ALICE}/nb")["csi"], "inactive")
            presences.clear()
            for round_ in range(10):
                for c in contacts:
                    c.send_presence(pstatus=f"nb {round_}")
            for c in contacts:
                await round_trip(c)
            await nb.pump(0.5)
            self.assertEqual([p for p in presences if str(p.getFrom()).split("@")[0] in CONTACTS], [])
            nb.send_raw("<active xmlns='urn:xmpp:csi:0'/>")
            await nb.wait(lambda: len([p for p in presences if str(p.getFrom()).split("@")[0] in CONTACTS]) >= 5,
                          10, "the held presences")
            await nb.pump(0.5)
            got = [p for p in presences if str(p.getFrom()).split("@")[0] in CONTACTS]
            self.assertEqual(len(got), 5)
            self.assertEqual({p.getStatus() for p in got}, {"nb 9"})
            self.assertEqual(self.session_of(f"{ALICE}/nb")["csi"], "active")
        finally:
            await nb.close()


def is_presence_xml(xml, user):
    return local(xml.tag) == "presence" and xml.get("from", "").startswith(user + "@")


if __name__ == "__main__":
    harness.main()
