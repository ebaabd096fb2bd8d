"""Issue 3, RFC 6121 §2 and §3 with real clients: the subscription handshake, roster removal,
roster versioning and subscription requests kept for an offline contact."""

from slixmpp.exceptions import IqError

import im_support
from im_support import (ImTestCase, befriend, bare, expect, fetch_roster, is_presence, roster_pushes, roster_set,
                        round_trip)

ALICE, BOB = bare("alice"), bare("bob")


class RosterTest(ImTestCase):

    async def test_mutual_subscription_ends_in_both(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        await befriend(alice, bob)

        # Both rosters, fresh from the server, say "both" and nothing is pending.
        alice_roster = await fetch_roster(alice)
        bob_roster = await fetch_roster(bob)
        self.assertEqual(alice_roster[BOB].get("subscription"), "both")
        self.assertEqual(bob_roster[ALICE].get("subscription"), "both")
        self.assertIsNone(alice_roster[BOB].get("ask"))
        self.assertIsNone(bob_roster[ALICE].get("ask"))
        # The pushes told the interested resources along the way (§2.1.6), ask first.
        pushes = [(p.get("subscription"), p.get("ask")) for p in roster_pushes(alice, BOB)]
        self.assertEqual(pushes[0], ("none", "subscribe"))
        self.assertEqual(pushes[-1], ("both", None))
        # Each one's presence reached the other once subscribed (§3.1.5).
        await expect(alice, lambda s: is_presence(s, frm=str(bob.boundjid), ptype="available"), "bob's presence")
        await expect(bob, lambda s: is_presence(s, frm=str(alice.boundjid), ptype="available"), "alice's presence")

    async def test_roster_removal_cancels_both_subscriptions(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        await befriend(alice, bob)
        mark = len(bob.received)

        await roster_set(alice, BOB, remove=True)
        # §2.5.2: the contact is told both ways, and stops seeing alice.
        await expect(bob, lambda s: is_presence(s, frm=ALICE, ptype="unsubscribe"), "unsubscribe", start=mark)
        await expect(bob, lambda s: is_presence(s, frm=ALICE, ptype="unsubscribed"), "unsubscribed", start=mark)
        await expect(bob, lambda s: is_presence(s, frm=str(alice.boundjid), ptype="unavailable"),
                     "alice's unavailable presence", start=mark)
        removed = roster_pushes(alice, BOB)[-1]
        self.assertEqual(removed.get("subscription"), "remove")

        self.assertNotIn(BOB, await fetch_roster(alice))
        self.assertEqual((await fetch_roster(bob))[ALICE].get("subscription"), "none")

        # And presence no longer flows either way.
        mark_alice, mark_bob = len(alice.received), len(bob.received)
        alice.send_presence(pstatus="after removal")
        bob.send_presence(pstatus="me too")
        await round_trip(alice)
        await round_trip(bob)
        await expect(alice, lambda s: is_presence(s, frm=str(alice.boundjid)), "own update", start=mark_alice)
        await expect(bob, lambda s: is_presence(s, frm=str(bob.boundjid)), "own update", start=mark_bob)
        self.assertFalse([s for s in bob.received[mark_bob:] if is_presence(s, frm=str(alice.boundjid))])
        self.assertFalse([s for s in alice.received[mark_alice:] if is_presence(s, frm=str(bob.boundjid))])

    async def test_add_update_and_validation(self):
        alice = await self.connect("alice", "desk", available=False)
        await roster_set(alice, "carol@localhost", name="Carol", groups=["Friends", "Choir"])
        item = (await fetch_roster(alice))["carol@localhost"]
        self.assertEqual(item.get("name"), "Carol")
        self.assertEqual(item.get("subscription"), "none")
        self.assertEqual(sorted(g.text for g in item.findall(f"{{{im_support.ROSTER_NS}}}group")), ["Choir", "Friends"])

        await roster_set(alice, "carol@localhost", name="Carol S.", groups=["Choir"])
        item = (await fetch_roster(alice))["carol@localhost"]
        self.assertEqual(item.get("name"), "Carol S.")
        self.assertEqual([g.text for g in item.findall(f"{{{im_support.ROSTER_NS}}}group")], ["Choir"])

        for kwargs, condition in (({"name": "x" * 2000}, "not-acceptable"),
                                  ({"groups": ["a", "a"]}, "bad-request"),
                                  ({"groups": [""]}, "not-acceptable"),
                                  ({"jid": "alice@localhost"}, "not-allowed"),
                                  ({"jid": "bad@@jid"}, "jid-malformed")):
            jid = kwargs.pop("jid", "dave@localhost")
            with self.assertRaises(IqError) as caught:
                await roster_set(alice, jid, **kwargs)
            self.assertEqual(caught.exception.iq["error"]["condition"], condition, kwargs)
        with self.assertRaises(IqError) as caught:
            await roster_set(alice, "nobody-here@localhost", remove=True)
        self.assertEqual(caught.exception.iq["error"]["condition"], "item-not-found")
        self.assertNotIn("dave@localhost", await fetch_roster(alice))

    async def test_roster_versioning_sends_only_changes(self):
        alice = await self.connect("alice", "desk", available=False)
        await roster_set(alice, BOB, name="Bob")   # version 1
        self.assertIn(BOB, await fetch_roster(alice, ver=""))

        # The client's version is current: an empty result (§2.6.3).
        self.assertIsNone(await fetch_roster(alice, ver="1"))

        # An older version: an empty result, then one push per change since, in order.
        await roster_set(alice, "carol@localhost", name="Carol")   # version 2
        await roster_set(alice, BOB, remove=True)                  # version 3
        mark = len(alice.received)
        self.assertIsNone(await fetch_roster(alice, ver="1"))

        def push(stanza):
            query = stanza.xml.find(f"{{{im_support.ROSTER_NS}}}query")
            if stanza.xml.get("type") != "set" or query is None:
                return None
            item = query.find(f"{{{im_support.ROSTER_NS}}}item")
            return (query.get("ver"), item.get("jid"), item.get("subscription"))

        await expect(alice, lambda s: push(s) is not None and push(s)[0] == "3", "the push of version 3", start=mark)
        pushes = [push(s) for s in alice.received[mark:] if push(s) is not None]
        self.assertEqual(pushes, [("2", "carol@localhost", "none"), ("3", BOB, "remove")])

        # Unknown to us (newer than ours): the whole roster.
        full = await fetch_roster(alice, ver="99")
        self.assertEqual(list(full), ["carol@localhost"])

    async def test_subscription_request_waits_for_the_contact(self):
        alice = await self.connect("alice", "desk")
        alice.send_presence(pto=BOB, ptype="subscribe")
        await round_trip(alice)
        self.assertEqual((await fetch_roster(alice))[BOB].get("ask"), "subscribe")

        # bob was offline: the request comes with his first presence (§3.1.3) and he answers.
        bob = await self.connect("bob", "phone")
        await expect(bob, lambda s: is_presence(s, frm=ALICE, ptype="subscribe"), "stored subscribe")
        bob.send_presence(pto=ALICE, ptype="subscribed")
        await expect(alice, lambda s: is_presence(s, frm=BOB, ptype="subscribed"), "subscribed")
        await round_trip(bob)
        self.assertEqual((await fetch_roster(alice))[BOB].get("subscription"), "to")
        self.assertEqual((await fetch_roster(bob))[ALICE].get("subscription"), "from")

        # Answered: not delivered again on the next login.
        bob2 = await self.connect("bob", "laptop")
        await round_trip(bob2)
        self.assertFalse([s for s in bob2.received if is_presence(s, frm=ALICE, ptype="subscribe")])

    async def test_subscribe_to_unknown_account_is_refused(self):
        alice = await self.connect("alice", "desk")
        alice.send_presence(pto="ghost@localhost", ptype="subscribe")
        await expect(alice, lambda s: is_presence(s, frm="ghost@localhost", ptype="unsubscribed"), "unsubscribed")
        await round_trip(alice)
        item = (await fetch_roster(alice))["ghost@localhost"]
        self.assertEqual(item.get("subscription"), "none")
        self.assertIsNone(item.get("ask"))


if __name__ == "__main__":
    im_support.main()
