"""XEP-0163 personal eventing with real clients: slixmpp (xep_0060, xep_0163, xep_0115) for
three users, and aioxmpp's PEP client as a second, independent library. Publish with
publish-options matching and not matching, +notify learned from caps (only resources that ask
get notifications), the access models (presence refuses a non-contact with not-authorized +
<presence-subscription-required/>, open serves anyone), the last item when a contact becomes
available, items by id and by count, retract, purge, delete, node configuration, and the limits."""

import asyncio
import xml.etree.ElementTree as ET

import aioxmpp
import aioxmpp.connector
import aioxmpp.disco
import aioxmpp.forms
import aioxmpp.pep
import aioxmpp.pubsub
import aioxmpp.xso

from harness import Server
from im_support import bare, befriend, expect, is_message, local, round_trip
from pep_support import (DATA_NS, OWNER_NS, PUBSUB_NS, PepTestCase, call, event_item_ids, event_items, form,
                         publish_xml)

ALICE, BOB, CAROL = bare("alice"), bare("bob"), bare("carol")
MOOD = "urn:test:mood"
TUNE = "urn:test:tune"


def mood(text):
    return f"<mood xmlns='{MOOD}'>{text}</mood>"


def aio_options(access_model):
    """A publish-options data form for aioxmpp (it wants a forms.Data, and checks the feature)."""
    data = aioxmpp.forms.Data(aioxmpp.forms.DataType.SUBMIT)
    data.fields.append(aioxmpp.forms.Field(type_=aioxmpp.forms.FieldType.HIDDEN, var="FORM_TYPE",
                                           values=[PUBSUB_NS + "#publish-options"]))
    data.fields.append(aioxmpp.forms.Field(var="pubsub#access_model", values=[access_model]))
    return data


class AioTune(aioxmpp.xso.XSO):
    TAG = (TUNE, "tune")
    text = aioxmpp.xso.Text(default="")


aioxmpp.pubsub.xso.as_payload_class(AioTune)


class PepTest(PepTestCase):

    async def test_features_are_advertised_on_domain_and_account(self):
        alice = await self.connect_with_interests("alice", "desk")
        for jid in ("localhost", ALICE):
            info = await alice["xep_0030"].get_info(jid=jid, timeout=10)
            features = set(info["disco_info"]["features"])
            self.assertIn(PUBSUB_NS + "#publish-options", features, jid)
            self.assertIn(PUBSUB_NS + "#publish", features, jid)
        info = await alice["xep_0030"].get_info(jid=ALICE, timeout=10)
        self.assertIn(("pubsub", "pep", None, None), set(info["disco_info"]["identities"]))

    async def test_publish_options_match_and_mismatch(self):
        alice = await self.connect_with_interests("alice", "desk")
        options = {"pubsub#persist_items": "true", "pubsub#access_model": "open", "pubsub#max_items": "1"}
        # Gajim's publish: creates the node with those options.
        kind, _ = await call(alice, "set", publish_xml(MOOD, "a", mood("happy"), options))
        self.assertEqual(kind, "result")
        # The same preconditions again: met.
        kind, result = await call(alice, "set", publish_xml(MOOD, "b", mood("calm"), options))
        self.assertEqual(kind, "result")
        self.assertEqual(result.find(f"{{{PUBSUB_NS}}}pubsub/{{{PUBSUB_NS}}}publish/{{{PUBSUB_NS}}}item").get("id"), "b")
        # Another access model: XEP-0060 §7.1.5, conflict + precondition-not-met; nothing stored.
        kind, error = await call(alice, "set", publish_xml(MOOD, "c", mood("angry"),
                                                           dict(options, **{"pubsub#access_model": "presence"})))
        self.assertEqual((kind, error), ("error", ("conflict", "precondition-not-met")))
        items = await alice["xep_0060"].get_items(ALICE, MOOD, timeout=10)
        self.assertEqual([i["id"] for i in items["pubsub"]["items"]], ["b"])   # max_items=1 kept the latest
        # slixmpp's own publish with a publish-options form (xep_0004) meets them too.
        f = alice["xep_0004"].make_form(ftype="submit")
        f.add_field(var="FORM_TYPE", ftype="hidden", value=PUBSUB_NS + "#publish-options")
        f.add_field(var="pubsub#access_model", value="open")
        await alice["xep_0060"].publish(ALICE, MOOD, id="d", payload=ET.fromstring(mood("fine")), options=f, timeout=10)
        f = alice["xep_0004"].make_form(ftype="submit")
        f.add_field(var="FORM_TYPE", ftype="hidden", value=PUBSUB_NS + "#publish-options")
        f.add_field(var="pubsub#access_model", value="whitelist")
        with self.assertRaises(Exception) as refused:
            await alice["xep_0060"].publish(ALICE, MOOD, id="e", payload=ET.fromstring(mood("no")), options=f,
                                            timeout=10)
        self.assertEqual(refused.exception.condition, "conflict")

    async def test_notifications_follow_caps_and_subscription(self):
        alice = await self.connect_with_interests("alice", "desk", [MOOD])
        bob = await self.connect_with_interests("bob", "desk", [MOOD])
        bob_quiet = await self.connect_with_interests("bob", "laptop", [])        # no +notify
        carol = await self.connect_with_interests("carol", "desk", [MOOD])       # not a contact
        await befriend(alice, bob)
        marks = {c: len(c.received) for c in (alice, bob, bob_quiet, carol)}
        kind, _ = await call(alice, "set", publish_xml(MOOD, "m1", mood("sunny")))
        self.assertEqual(kind, "result")
        got = await expect(bob, lambda s: event_item_ids(s, MOOD) == ["m1"], "bob's notification", start=marks[bob])
        self.assertEqual(got.xml.get("from"), ALICE)
        self.assertEqual(got.xml.find(f".//{{{MOOD}}}mood").text, "sunny")
        # The owner's own interested resource hears it too (XEP-0163 §4.3.2).
        await expect(alice, lambda s: event_item_ids(s, MOOD) == ["m1"], "alice's own notification",
                     start=marks[alice])
        for c in (bob_quiet, carol):
            await round_trip(c)
        await round_trip(alice)
        await asyncio.sleep(0.3)
        self.assertFalse([s for s in bob_quiet.received[marks[bob_quiet]:] if event_items(s) is not None],
                         "a resource without +notify got a notification")
        self.assertFalse([s for s in carol.received[marks[carol]:] if event_items(s) is not None],
                         "a non-contact got a presence-model notification")

    async def test_presence_access_refuses_a_stranger_open_serves_anyone(self):
        alice = await self.connect_with_interests("alice", "desk")
        bob = await self.connect_with_interests("bob", "desk")
        carol = await self.connect_with_interests("carol", "desk")
        await befriend(alice, bob)
        await call(alice, "set", publish_xml(MOOD, "p", mood("private-ish")))   # presence by default
        await call(alice, "set", publish_xml(TUNE, "t", f"<tune xmlns='{TUNE}'>song</tune>",
                                             {"pubsub#access_model": "open"}))
        items = f"<pubsub xmlns='{PUBSUB_NS}'><items node='{MOOD}'/></pubsub>"
        # XEP-0060 §6.5.9: not-authorized + presence-subscription-required.
        self.assertEqual(await call(carol, "get", items, to=ALICE),
                         ("error", ("not-authorized", "presence-subscription-required")))
        kind, result = await call(bob, "get", items, to=ALICE)
        self.assertEqual(kind, "result")
        self.assertEqual([i.get("id") for i in result.iter(f"{{{PUBSUB_NS}}}item")], ["p"])
        got = await carol["xep_0060"].get_items(ALICE, TUNE, timeout=10)
        self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["t"])
        # Roster and whitelist models.
        await call(alice, "set", publish_xml("urn:test:r", "r", mood("roster"),
                                             {"pubsub#access_model": "roster",
                                              "pubsub#roster_groups_allowed": "Friends"}))
        await call(alice, "set", publish_xml("urn:test:w", "w", mood("mine"), {"pubsub#access_model": "whitelist"}))
        self.assertEqual(await call(bob, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='urn:test:r'/></pubsub>",
                                    to=ALICE), ("error", ("not-authorized", "not-in-roster-group")))
        self.assertEqual(await call(bob, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='urn:test:w'/></pubsub>",
                                    to=ALICE), ("error", ("not-allowed", "closed-node")))
        kind, _ = await call(alice, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='urn:test:w'/></pubsub>")
        self.assertEqual(kind, "result")
        # XEP-0060 §5.2: disco#items lists the nodes each requester may read.
        listed = await carol["xep_0030"].get_items(jid=ALICE, timeout=10)
        self.assertEqual({i[1] for i in listed["disco_items"]["items"]}, {TUNE})
        listed = await bob["xep_0030"].get_items(jid=ALICE, timeout=10)
        self.assertEqual({i[1] for i in listed["disco_items"]["items"]}, {TUNE, MOOD})
        listed = await alice["xep_0030"].get_items(jid=ALICE, timeout=10)
        self.assertEqual({i[1] for i in listed["disco_items"]["items"]}, {TUNE, MOOD, "urn:test:r", "urn:test:w"})
        # Nobody but the owner publishes to a PEP service.
        self.assertEqual(await call(bob, "set", publish_xml(MOOD, "x", mood("intruder")), to=ALICE),
                         ("error", ("forbidden", None)))

    async def test_last_item_when_a_contact_becomes_available(self):
        alice = await self.connect_with_interests("alice", "desk")
        bob = await self.connect_with_interests("bob", "desk")
        await befriend(alice, bob)
        await call(alice, "set", publish_xml(MOOD, "old", mood("first")))
        await call(alice, "set", publish_xml(MOOD, "new", mood("latest")))
        await bob.offline()
        phone = await self.connect_with_interests("bob", "phone", [MOOD], available=False)
        mark = len(phone.received)
        phone.send_presence()
        got = await expect(phone, lambda s: event_item_ids(s, MOOD) != [], "the last item", start=mark)
        self.assertEqual(event_item_ids(got, MOOD), ["new"])
        # A resource without the interest gets nothing on becoming available.
        quiet = await self.connect_with_interests("bob", "quiet", [], available=True)
        await round_trip(quiet)
        await asyncio.sleep(0.3)
        self.assertFalse([s for s in quiet.received if event_items(s) is not None])

    async def test_items_retract_purge_delete_and_configuration(self):
        alice = await self.connect_with_interests("alice", "desk", [MOOD])
        opts = {"pubsub#max_items": "max"}
        for i in range(5):
            kind, _ = await call(alice, "set", publish_xml(MOOD, f"i{i}", mood(str(i)), opts))
            self.assertEqual(kind, "result")
        got = await alice["xep_0060"].get_items(ALICE, MOOD, max_items=2, timeout=10)
        self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["i4", "i3"])
        got = await alice["xep_0060"].get_items(ALICE, MOOD, item_ids=["i1"], timeout=10)
        self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["i1"])
        # Retract, with its notification (notify_retract defaults to true).
        mark = len(alice.received)
        await alice["xep_0060"].retract(ALICE, MOOD, "i1", timeout=10)
        retracted = await expect(alice, lambda s: event_items(s, MOOD) is not None
                                 and event_items(s, MOOD).find("{http://jabber.org/protocol/pubsub#event}retract") is not None,
                                 "retract notification", start=mark)
        self.assertIsNotNone(retracted)
        self.assertEqual(await call(alice, "set", f"<pubsub xmlns='{PUBSUB_NS}'><retract node='{MOOD}'><item id='i1'/></retract></pubsub>"),
                         ("error", ("item-not-found", None)))
        # Configuration: read, change, and the change holds as a precondition.
        kind, result = await call(alice, "get", f"<pubsub xmlns='{OWNER_NS}'><configure node='{MOOD}'/></pubsub>")
        self.assertEqual(kind, "result")
        fields = {f.get("var"): [v.text for v in f.findall(f"{{{DATA_NS}}}value")]
                  for f in result.iter(f"{{{DATA_NS}}}field")}
        self.assertEqual(fields["pubsub#access_model"], ["presence"])
        self.assertEqual(fields["pubsub#max_items"], ["max"])
        new = form(PUBSUB_NS + "#node_config", {"pubsub#access_model": "open", "pubsub#max_items": "2"})
        kind, _ = await call(alice, "set", f"<pubsub xmlns='{OWNER_NS}'><configure node='{MOOD}'>{new}</configure></pubsub>")
        self.assertEqual(kind, "result")
        got = await alice["xep_0060"].get_items(ALICE, MOOD, timeout=10)
        self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["i4", "i3"])   # trimmed to 2
        bad = form(PUBSUB_NS + "#node_config", {"pubsub#access_model": "everyone"})
        self.assertEqual(await call(alice, "set", f"<pubsub xmlns='{OWNER_NS}'><configure node='{MOOD}'>{bad}</configure></pubsub>"),
                         ("error", ("not-acceptable", None)))
        kind, _ = await call(alice, "set", publish_xml(MOOD, "i5", mood("5"), {"pubsub#access_model": "open"}))
        self.assertEqual(kind, "result")
        # Purge, then delete.
        await call(alice, "set", f"<pubsub xmlns='{OWNER_NS}'><purge node='{MOOD}'/></pubsub>")
        got = await alice["xep_0060"].get_items(ALICE, MOOD, timeout=10)
        self.assertEqual(list(got["pubsub"]["items"]), [])
        mark = len(alice.received)
        await alice["xep_0060"].delete_node(ALICE, MOOD, timeout=10)
        await expect(alice, lambda s: s.xml.find(".//{http://jabber.org/protocol/pubsub#event}delete") is not None,
                     "delete notification", start=mark)
        self.assertEqual(await call(alice, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='{MOOD}'/></pubsub>"),
                         ("error", ("item-not-found", None)))

    async def test_items_survive_a_restart(self):
        alice = await self.connect_with_interests("alice", "desk")
        await call(alice, "set", publish_xml(MOOD, "kept", mood("durable"), {"pubsub#access_model": "open"}))
        await alice.offline()
        self.server.stop()
        data_dir = self.server.data_dir
        self.server = Server(data_dir=data_dir).start()
        self.addCleanup(self.server.cleanup)
        carol = await self.connect_with_interests("carol", "desk")
        got = await carol["xep_0060"].get_items(ALICE, MOOD, timeout=10)
        self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["kept"])

    async def test_aioxmpp_publishes_and_is_notified(self):
        """A second library: aioxmpp's PEPClient claims the tune node (its caps carry +notify,
        its disco answers the server's query), a slixmpp contact publishes, aioxmpp gets the
        event; aioxmpp publishes with publish-options through PubSubClient and slixmpp reads it."""
        bob = await self.connect_with_interests("bob", "desk", [TUNE])
        alice_slix = await self.connect_with_interests("alice", "desk")
        await befriend(alice_slix, bob)
        client = aioxmpp.PresenceManagedClient(
            aioxmpp.JID.fromstr(f"{ALICE}/aio"), aioxmpp.make_security_layer(self.users["alice"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        pep = client.summon(aioxmpp.pep.PEPClient)
        pubsub = client.summon(aioxmpp.PubSubClient)
        claimed = pep.claim_pep_node(TUNE, notify=True)
        published = asyncio.get_running_loop().create_future()

        def on_publish(jid, node, item, message=None):
            if not published.done():
                published.set_result((str(jid), item.id_))
        claimed.on_item_publish.connect(on_publish)
        client.presence = aioxmpp.PresenceState(True)
        async with client.connected():
            # bob publishes; alice's aioxmpp resource asked for tune notifications via caps.
            await asyncio.sleep(0.5)
            mark = len(bob.received)
            kind, _ = await call(bob, "set", publish_xml(TUNE, "b1", f"<tune xmlns='{TUNE}'>from bob</tune>"))
            self.assertEqual(kind, "result")
            self.assertEqual(await asyncio.wait_for(published, 10), (BOB, "b1"))
            # aioxmpp publishes with publish-options (open); bob's interested resource is notified.
            tune = AioTune()
            tune.text = "from aioxmpp"
            await asyncio.wait_for(pubsub.publish(aioxmpp.JID.fromstr(ALICE), TUNE, tune, id_="a1",
                                                  publish_options=aio_options("open")), 10)
            await expect(bob, lambda s: event_item_ids(s, TUNE) == ["a1"], "aioxmpp's item at bob", start=mark)
            # Mismatching preconditions are refused to aioxmpp as well.
            with self.assertRaises(aioxmpp.errors.XMPPCancelError) as refused:
                await asyncio.wait_for(pubsub.publish(aioxmpp.JID.fromstr(ALICE), TUNE, tune, id_="a2",
                                                      publish_options=aio_options("presence")), 10)
            self.assertEqual(refused.exception.condition, aioxmpp.ErrorCondition.CONFLICT)
            got = await bob["xep_0060"].get_items(ALICE, TUNE, timeout=10)
            self.assertEqual([i["id"] for i in got["pubsub"]["items"]], ["a1"])
        claimed.close()


if __name__ == "__main__":
    import im_support
    im_support.main()
