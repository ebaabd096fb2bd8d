"""Private XML storage (XEP-0049) and bookmarks kept as one (XEP-0048 in private storage, XEP-0402
in PEP, feature urn:xmpp:bookmarks:1#compat) with real clients: slixmpp for both kinds of
client, and aioxmpp's BookmarkClient (XEP-0048 through private storage) as a second library."""

import asyncio

import aioxmpp
import aioxmpp.bookmarks
import aioxmpp.connector

from harness import Server
from im_support import bare, expect
from pep_support import PUBSUB_NS, PepTestCase, call, event_items, publish_xml

ALICE, BOB = bare("alice"), bare("bob")
PRIVATE_NS = "jabber:iq:private"
LEGACY_NS = "storage:bookmarks"
BOOKMARKS_NS = "urn:xmpp:bookmarks:1"
OPTIONS = {"pubsub#persist_items": "true", "pubsub#max_items": "max",
           "pubsub#send_last_published_item": "never", "pubsub#access_model": "whitelist"}
ROOM1, ROOM2, ROOM3 = "tea@conference.localhost", "garden@conference.localhost", "court@conference.localhost"


def conference_402(name, autojoin, nick):
    return (f"<conference xmlns='{BOOKMARKS_NS}' name='{name}' autojoin='{autojoin}'><nick>{nick}</nick>"
            "</conference>")


def legacy_storage(*rooms):
    body = "".join(f"<conference jid='{jid}' name='{name}' autojoin='{str(autojoin).lower()}'><nick>{nick}</nick></conference>"
                   for jid, name, autojoin, nick in rooms)
    return f"<query xmlns='{PRIVATE_NS}'><storage xmlns='{LEGACY_NS}'>{body}</storage></query>"


def legacy_rooms(result):
    storage = result.find(f"{{{PRIVATE_NS}}}query/{{{LEGACY_NS}}}storage")
    return {c.get("jid"): (c.get("name"), c.get("autojoin"), c.findtext(f"{{{LEGACY_NS}}}nick"))
            for c in storage.findall(f"{{{LEGACY_NS}}}conference")}


async def pep_rooms(client):
    kind, result = await call(client, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='{BOOKMARKS_NS}'/></pubsub>")
    assert kind == "result", result
    return {i.get("id"): (i[0].get("name"), i[0].get("autojoin"), i[0].findtext(f"{{{BOOKMARKS_NS}}}nick"))
            for i in result.iter(f"{{{PUBSUB_NS}}}item")}


class BookmarksTest(PepTestCase):

    async def test_private_storage(self):
        alice = await self.connect_with_interests("alice", "desk")
        bob = await self.connect_with_interests("bob", "desk")
        prefs = f"<query xmlns='{PRIVATE_NS}'><prefs xmlns='urn:test:prefs'><colour>green</colour></prefs></query>"
        self.assertEqual((await call(alice, "set", prefs))[0], "result")
        kind, result = await call(alice, "get", f"<query xmlns='{PRIVATE_NS}'><prefs xmlns='urn:test:prefs'/></query>")
        self.assertEqual(result.findtext(f".//{{urn:test:prefs}}colour"), "green")
        # Nothing stored: the empty element comes back (XEP-0049 §3.2).
        kind, result = await call(bob, "get", f"<query xmlns='{PRIVATE_NS}'><prefs xmlns='urn:test:prefs'/></query>")
        self.assertEqual(kind, "result")
        self.assertEqual(len(result.find(f".//{{urn:test:prefs}}prefs")), 0)
        # Another account's storage, and reserved namespaces, are refused.
        self.assertEqual(await call(bob, "get", f"<query xmlns='{PRIVATE_NS}'><prefs xmlns='urn:test:prefs'/></query>",
                                    to=ALICE), ("error", ("forbidden", None)))
        self.assertEqual(await call(alice, "set", f"<query xmlns='{PRIVATE_NS}'><body xmlns='jabber:client'>x</body></query>"),
                         ("error", ("not-acceptable", None)))
        # It survives a restart.
        await alice.offline()
        await bob.offline()
        self.server.stop()
        self.server = Server(data_dir=self.server.data_dir).start()
        self.addCleanup(self.server.cleanup)
        alice = await self.connect_with_interests("alice", "again")
        kind, result = await call(alice, "get", f"<query xmlns='{PRIVATE_NS}'><prefs xmlns='urn:test:prefs'/></query>")
        self.assertEqual(result.findtext(f".//{{urn:test:prefs}}colour"), "green")

    async def test_402_bookmarks_are_visible_through_0048(self):
        alice = await self.connect_with_interests("alice", "desk")
        info = await alice["xep_0030"].get_info(jid=ALICE, timeout=10)
        self.assertIn(BOOKMARKS_NS + "#compat", set(info["disco_info"]["features"]))
        for jid, name in ((ROOM1, "Tea party"), (ROOM2, "Garden")):
            kind, _ = await call(alice, "set", publish_xml(BOOKMARKS_NS, jid, conference_402(name, "true", "alice"),
                                                           OPTIONS))
            self.assertEqual(kind, "result")
        kind, result = await call(alice, "get", f"<query xmlns='{PRIVATE_NS}'><storage xmlns='{LEGACY_NS}'/></query>")
        self.assertEqual(kind, "result")
        self.assertEqual(legacy_rooms(result), {ROOM1: ("Tea party", "true", "alice"), ROOM2: ("Garden", "true", "alice")})
        # Retracting in PEP removes it from the old view too.
        kind, _ = await call(alice, "set", f"<pubsub xmlns='{PUBSUB_NS}'><retract node='{BOOKMARKS_NS}' notify='true'><item id='{ROOM2}'/></retract></pubsub>")
        self.assertEqual(kind, "result")
        kind, result = await call(alice, "get", f"<query xmlns='{PRIVATE_NS}'><storage xmlns='{LEGACY_NS}'/></query>")
        self.assertEqual(set(legacy_rooms(result)), {ROOM1})

    async def test_0048_bookmarks_are_visible_through_402(self):
        new_client = await self.connect_with_interests("alice", "new", [BOOKMARKS_NS])
        old_client = await self.connect_with_interests("alice", "old")
        mark = len(new_client.received)
        kind, _ = await call(old_client, "set", legacy_storage((ROOM1, "Tea", True, "al"), (ROOM3, "Court", False, "al")))
        self.assertEqual(kind, "result")
        # The XEP-0402 client hears of each room (+notify) and finds them on the node.
        await expect(new_client, lambda s: ROOM3 in [i.get("id") for i in (event_items(s, BOOKMARKS_NS) or [])],
                     "bookmark notification", start=mark)
        self.assertEqual(await pep_rooms(new_client), {ROOM1: ("Tea", "true", "al"), ROOM3: ("Court", None, "al")})
        # The node has XEP-0402's configuration, so a new client's preconditions hold.
        kind, _ = await call(new_client, "set", publish_xml(BOOKMARKS_NS, ROOM2, conference_402("Garden", "false", "al"),
                                                            OPTIONS))
        self.assertEqual(kind, "result")
        # Nobody else reads the whitelist node.
        bob = await self.connect_with_interests("bob", "desk")
        self.assertEqual(await call(bob, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='{BOOKMARKS_NS}'/></pubsub>",
                                    to=ALICE), ("error", ("not-allowed", "closed-node")))
        # An old client's set without ROOM1 removes it from PEP.
        kind, result = await call(old_client, "get", f"<query xmlns='{PRIVATE_NS}'><storage xmlns='{LEGACY_NS}'/></query>")
        self.assertEqual(set(legacy_rooms(result)), {ROOM1, ROOM2, ROOM3})
        kind, _ = await call(old_client, "set", legacy_storage((ROOM2, "Garden", False, "al"), (ROOM3, "Court", False, "al")))
        self.assertEqual(set(await pep_rooms(new_client)), {ROOM2, ROOM3})

    async def test_aioxmpp_bookmark_client_sees_402_bookmarks(self):
        """A second library: aioxmpp's BookmarkClient (XEP-0048 in private storage) reads what a
        XEP-0402 client published, and what it adds reaches the PEP node."""
        alice = await self.connect_with_interests("alice", "desk")
        await call(alice, "set", publish_xml(BOOKMARKS_NS, ROOM1, conference_402("Tea party", "true", "alice"), OPTIONS))
        client = aioxmpp.PresenceManagedClient(
            aioxmpp.JID.fromstr(f"{ALICE}/aio"), aioxmpp.make_security_layer(self.users["alice"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        bookmarks = client.summon(aioxmpp.bookmarks.BookmarkClient)
        async with client.connected():
            got = await asyncio.wait_for(bookmarks.get_bookmarks(), 10)
            self.assertEqual([(str(b.jid), b.name, b.autojoin, b.nick) for b in got],
                             [(ROOM1, "Tea party", True, "alice")])
            await asyncio.wait_for(bookmarks.add_bookmark(aioxmpp.bookmarks.Conference(
                "Court", aioxmpp.JID.fromstr(ROOM3), autojoin=False, nick="al")), 10)
        self.assertEqual(await pep_rooms(alice), {ROOM1: ("Tea party", "true", "alice"), ROOM3: ("Court", None, "al")})


if __name__ == "__main__":
    import im_support
    im_support.main()
