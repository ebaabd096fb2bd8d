"""vcard-temp (XEP-0054) and avatars kept as one (XEP-0084, XEP-0153, XEP-0398) with real
clients: slixmpp for three users and aioxmpp's vCard and avatar services as a second library.
An avatar published through XEP-0084 reaches a contact as the XEP-0153 hash in presence and as
the vCard's PHOTO; a vCard PHOTO set through XEP-0054 appears as XEP-0084 metadata and data."""

import asyncio
import base64
import hashlib

import aioxmpp
import aioxmpp.avatar
import aioxmpp.connector
import aioxmpp.vcard

from im_support import bare, befriend, expect, is_presence, round_trip
from pep_support import PUBSUB_NS, PepTestCase, call, event_items, publish_xml

ALICE, BOB, CAROL = bare("alice"), bare("bob"), bare("carol")
VCARD_NS = "vcard-temp"
UPDATE_NS = "vcard-temp:x:update"
DATA_NS = "urn:xmpp:avatar:data"
METADATA_NS = "urn:xmpp:avatar:metadata"
# A real 1x1 PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
PNG_HASH = hashlib.sha1(PNG).hexdigest()
OTHER = PNG + b"\x00"   # another picture (trailing bytes), another hash
OTHER_HASH = hashlib.sha1(OTHER).hexdigest()


def vcard_xml(fn, nick=None, photo=None):
    parts = [f"<vCard xmlns='{VCARD_NS}'><FN>{fn}</FN>"]
    if nick:
        parts.append(f"<NICKNAME>{nick}</NICKNAME>")
    if photo:
        parts.append(f"<PHOTO><TYPE>image/png</TYPE><BINVAL>{base64.b64encode(photo).decode()}</BINVAL></PHOTO>")
    parts.append("</vCard>")
    return "".join(parts)


def photo_of_presence(stanza):
    x = stanza.xml.find(f"{{{UPDATE_NS}}}x")
    return None if x is None else x.findtext(f"{{{UPDATE_NS}}}photo")


class VCardTest(PepTestCase):

    async def get_vcard(self, client, jid=None):
        kind, result = await call(client, "get", f"<vCard xmlns='{VCARD_NS}'/>", to=jid)
        self.assertEqual(kind, "result", result)
        return result.find(f"{{{VCARD_NS}}}vCard")

    async def test_get_and_set(self):
        alice = await self.connect_with_interests("alice", "desk")
        bob = await self.connect_with_interests("bob", "desk")
        kind, _ = await call(alice, "set", vcard_xml("Alice Liddell", "alice"))
        self.assertEqual(kind, "result")
        own = await self.get_vcard(alice)
        self.assertEqual(own.findtext(f"{{{VCARD_NS}}}FN"), "Alice Liddell")
        # Anyone may read another account's vCard (§3.2); nobody writes it.
        other = await self.get_vcard(bob, ALICE)
        self.assertEqual(other.findtext(f"{{{VCARD_NS}}}NICKNAME"), "alice")
        empty = await self.get_vcard(alice, CAROL)
        self.assertEqual(len(empty), 0)
        self.assertEqual(await call(bob, "set", vcard_xml("Mallory"), to=ALICE), ("error", ("forbidden", None)))
        self.assertEqual((await self.get_vcard(bob, ALICE)).findtext(f"{{{VCARD_NS}}}FN"), "Alice Liddell")
        self.assertEqual(await call(alice, "get", f"<vCard xmlns='{VCARD_NS}'/>", to="nobody@localhost"),
                         ("error", ("service-unavailable", None)))

    async def test_pep_avatar_becomes_presence_hash_and_vcard_photo(self):
        alice = await self.connect_with_interests("alice", "desk")
        bob = await self.connect_with_interests("bob", "desk")
        await befriend(alice, bob)
        await call(alice, "set", vcard_xml("Alice", "alice"))
        # XEP-0084 §4.1, §4.2: data first, then metadata.
        data = f"<data xmlns='{DATA_NS}'>{base64.b64encode(PNG).decode()}</data>"
        self.assertEqual((await call(alice, "set", publish_xml(DATA_NS, PNG_HASH, data)))[0], "result")
        metadata = f"<metadata xmlns='{METADATA_NS}'><info id='{PNG_HASH}' bytes='{len(PNG)}' type='image/png'/></metadata>"
        self.assertEqual((await call(alice, "set", publish_xml(METADATA_NS, PNG_HASH, metadata)))[0], "result")
        # A client that knows nothing of XEP-0153 sends plain presence; bob sees the hash.
        mark = len(bob.received)
        alice.send_presence(pstatus="new picture")
        got = await expect(bob, lambda s: is_presence(s, frm=str(alice.boundjid)) and photo_of_presence(s) is not None,
                           "presence with the photo hash", start=mark)
        self.assertEqual(photo_of_presence(got), PNG_HASH)
        # XEP-0398: the vCard's PHOTO is the same picture, for clients that read vCards only.
        card = await self.get_vcard(bob, ALICE)
        self.assertEqual(base64.b64decode(card.findtext(f"{{{VCARD_NS}}}PHOTO/{{{VCARD_NS}}}BINVAL")), PNG)
        self.assertEqual(card.findtext(f"{{{VCARD_NS}}}NICKNAME"), "alice")   # the rest kept
        # An empty <metadata/> disables the avatar (XEP-0084 §4.5): presence carries an empty photo.
        await call(alice, "set", publish_xml(METADATA_NS, "none", f"<metadata xmlns='{METADATA_NS}'/>"))
        mark = len(bob.received)
        alice.send_presence(pstatus="no picture")
        got = await expect(bob, lambda s: is_presence(s, frm=str(alice.boundjid)) and photo_of_presence(s) is not None
                           or (is_presence(s, frm=str(alice.boundjid)) and s.xml.find(f"{{{UPDATE_NS}}}x") is not None),
                           "presence with an empty photo", start=mark)
        self.assertIn(photo_of_presence(got), ("", None))
        card = await self.get_vcard(bob, ALICE)
        self.assertIsNone(card.find(f"{{{VCARD_NS}}}PHOTO"))

    async def test_vcard_photo_becomes_pep_avatar(self):
        alice = await self.connect_with_interests("alice", "desk")
        bob = await self.connect_with_interests("bob", "desk", [METADATA_NS])
        await befriend(alice, bob)
        mark = len(bob.received)
        kind, _ = await call(alice, "set", vcard_xml("Alice", photo=OTHER))
        self.assertEqual(kind, "result")
        # bob asked for avatar metadata notifications (+notify): the converted avatar arrives.
        got = await expect(bob, lambda s: event_items(s, METADATA_NS) is not None, "metadata notification", start=mark)
        info = event_items(got, METADATA_NS).find(f".//{{{METADATA_NS}}}info")
        self.assertEqual(info.get("id"), OTHER_HASH)
        self.assertEqual(int(info.get("bytes")), len(OTHER))
        kind, result = await call(bob, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='{DATA_NS}'><item id='{OTHER_HASH}'/></items></pubsub>",
                                  to=ALICE)
        self.assertEqual(kind, "result")
        self.assertEqual(base64.b64decode(result.findtext(f".//{{{DATA_NS}}}data")), OTHER)
        # And the presence hash follows the vCard (an old client's <x/> without <photo/> is filled).
        mark = len(bob.received)
        presence = alice.make_presence()
        presence.xml.append(presence.xml.makeelement(f"{{{UPDATE_NS}}}x", {}))
        presence.send()
        got = await expect(bob, lambda s: is_presence(s, frm=str(alice.boundjid)), "alice's presence", start=mark)
        self.assertEqual(photo_of_presence(got), OTHER_HASH)

    async def test_aioxmpp_reads_vcard_and_avatar(self):
        """A second library: aioxmpp's VCardService reads the PHOTO and its AvatarService the
        XEP-0084 metadata of an avatar that slixmpp set through the vCard."""
        alice = await self.connect_with_interests("alice", "desk")
        await call(alice, "set", vcard_xml("Alice", photo=PNG))
        client = aioxmpp.PresenceManagedClient(
            aioxmpp.JID.fromstr(f"{CAROL}/aio"), aioxmpp.make_security_layer(self.users["carol"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        vcards = client.summon(aioxmpp.vcard.VCardService)
        avatars = client.summon(aioxmpp.avatar.AvatarService)
        async with client.connected():
            card = await asyncio.wait_for(vcards.get_vcard(aioxmpp.JID.fromstr(ALICE)), 10)
            self.assertEqual(card.get_photo_data(), PNG)
            metadata = await asyncio.wait_for(avatars.get_avatar_metadata(aioxmpp.JID.fromstr(ALICE), require_fresh=True), 10)
            self.assertTrue(metadata, "no avatar metadata")
            self.assertEqual(metadata[0].normalized_id, PNG_HASH)
            self.assertEqual(await asyncio.wait_for(metadata[0].get_image_bytes(), 10), PNG)


if __name__ == "__main__":
    import im_support
    im_support.main()
