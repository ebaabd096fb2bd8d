"""Issue 3, RFC 6121 §4 with real clients: presence with show and status, updates to the sender's
own resources, directed presence, and unavailable presence for a client that vanished."""

import asyncio

import im_support
from im_support import ImTestCase, befriend, bare, expect, is_presence, round_trip

ALICE, BOB, CAROL = bare("alice"), bare("bob"), bare("carol")


def show_status(stanza):
    xml = stanza.xml
    show = xml.find("{jabber:client}show")
    status = xml.find("{jabber:client}status")
    return (show.text if show is not None else None, status.text if status is not None else None)


class PresenceTest(ImTestCase):

    async def test_show_and_status_reach_contacts_and_own_resources(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        await befriend(alice, bob)
        alice2 = await self.connect("alice", "phone", priority=-1)
        mark_bob, mark_alice, mark_alice2 = len(bob.received), len(alice.received), len(alice2.received)

        alice.send_presence(pshow="away", pstatus="Lunch", ppriority=3)
        frm = str(alice.boundjid)
        got = await expect(bob, lambda s: is_presence(s, frm=frm) and show_status(s)[0] == "away",
                           "alice's away presence", start=mark_bob)
        self.assertEqual(show_status(got), ("away", "Lunch"))
        # §4.4.2: the user's other resources and the sender itself get it too.
        got = await expect(alice2, lambda s: is_presence(s, frm=frm) and show_status(s)[0] == "away",
                           "the update on the other resource", start=mark_alice2)
        self.assertEqual(show_status(got), ("away", "Lunch"))
        await expect(alice, lambda s: is_presence(s, frm=frm) and show_status(s)[0] == "away",
                     "the update echoed to the sender", start=mark_alice)

        # A contact coming online later gets the last presence of each available resource (§4.3).
        bob2 = await self.connect("bob", "laptop")
        got = await expect(bob2, lambda s: is_presence(s, frm=frm), "alice/desk's presence on login")
        self.assertEqual(show_status(got), ("away", "Lunch"))
        await expect(bob2, lambda s: is_presence(s, frm=str(alice2.boundjid)), "alice/phone's presence on login")

        # The console sees the fields: priority and show of alice/desk.
        sessions = {s["jid"]: s for s in self.server.sessions()}
        desk = sessions[frm]
        self.assertEqual(desk.get("priority"), 3, desk)
        self.assertEqual((desk.get("show"), desk.get("status")), ("away", "Lunch"), desk)
        self.assertTrue(desk.get("available"), desk)
        self.assertTrue(desk.get("interested"), desk)

    async def test_killed_client_yields_unavailable(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        await befriend(alice, bob)
        gone = str(bob.boundjid)
        mark = len(alice.received)

        # No </stream:stream>, no unavailable: the TCP connection just goes away.
        bob.transport.abort()
        await expect(alice, lambda s: is_presence(s, frm=gone, ptype="unavailable"),
                     "unavailable on bob's behalf", timeout=20, start=mark)
        await asyncio.wait_for(bob.was_disconnected.wait(), 10)
        self.assertNotIn(gone, {s["jid"] for s in self.server.sessions()})

    async def test_client_unavailable_and_directed_presence(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        carol = await self.connect("carol", "desk")
        await befriend(alice, bob)
        frm = str(alice.boundjid)

        # Directed presence to carol, who has no subscription (§4.6), is remembered...
        alice.send_presence(pto=CAROL, pstatus="psst")
        await expect(carol, lambda s: is_presence(s, frm=frm, ptype="available"), "directed presence")
        mark_bob, mark_carol = len(bob.received), len(carol.received)
        # ...so unavailable goes to carol as well as to the subscriber (§4.5.2, §4.6.3).
        alice.send_presence(ptype="unavailable", pstatus="bye")
        await expect(bob, lambda s: is_presence(s, frm=frm, ptype="unavailable"), "unavailable", start=mark_bob)
        await expect(carol, lambda s: is_presence(s, frm=frm, ptype="unavailable"), "unavailable",
                     start=mark_carol)
        await round_trip(alice)
        desk = {s["jid"]: s for s in self.server.sessions()}[frm]
        self.assertFalse(desk.get("available"), desk)

        # Available again: the subscriber hears it.
        mark_bob = len(bob.received)
        alice.send_presence(pstatus="back")
        await expect(bob, lambda s: is_presence(s, frm=frm, ptype="available"), "available again", start=mark_bob)

    async def test_presence_to_unsubscribed_user_needs_directed(self):
        alice = await self.connect("alice", "desk")
        carol = await self.connect("carol", "desk")
        mark = len(carol.received)
        alice.send_presence(pstatus="broadcast only")
        await round_trip(alice)
        await round_trip(carol)
        self.assertFalse([s for s in carol.received[mark:] if is_presence(s, frm=str(alice.boundjid))])


if __name__ == "__main__":
    im_support.main()
