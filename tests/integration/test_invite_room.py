"""An invitation that names a room (XEP-0401 with a room): `switchboard invite create --room` makes
the link as before; a slixmpp client redeems it through XEP-0077 with the XEP-0445 token; the new
account is then a member of the room (the owner's XEP-0045 §9.5 member list says so) and gets a
XEP-0249 direct invitation to it with its first login, which clients take as join-and-bookmark.
An invitation without a room does neither."""

import asyncio
import os
import sqlite3
import xml.etree.ElementTree as ET

from im_support import ImTestCase, bare, expect, local
from test_invites import Registrant, invite

ROOM = "lobby@conference.localhost"
MUC_NS = "http://jabber.org/protocol/muc"
ADMIN_NS = "http://jabber.org/protocol/muc#admin"
OWNER_NS = "http://jabber.org/protocol/muc#owner"
CONFERENCE_NS = "jabber:x:conference"


def invitation(stanza, room=ROOM):
    if local(stanza.xml.tag) != "message":
        return False
    x = stanza.xml.find(f"{{{CONFERENCE_NS}}}x")
    return x is not None and x.get("jid") == room


class InviteRoomTest(ImTestCase):
    users = {"alice": "wonderland"}

    async def register(self, user, password, token):
        client = Registrant(bare(user), password, self.server.c2s_port, token)
        self.clients.append(client)
        client.start()
        await asyncio.wait_for(client.registered.wait(), 20)
        return client

    async def create_room(self, owner):
        """alice creates the room and accepts the default configuration (§10.1.2)."""
        presence = owner.Presence()
        presence["to"] = f"{ROOM}/alice"
        presence.xml.append(ET.Element(f"{{{MUC_NS}}}x"))
        presence.send()
        await expect(owner, lambda s: local(s.xml.tag) == "presence" and s["from"] == f"{ROOM}/alice"
                     and 'code="110"' in str(s).replace("'", '"'), "alice's own room presence", timeout=15)
        iq = owner.Iq()
        iq["type"] = "set"
        iq["to"] = ROOM
        query = ET.SubElement(iq.xml, f"{{{OWNER_NS}}}query")
        ET.SubElement(query, "{jabber:x:data}x", type="submit")
        await iq.send(timeout=10)

    async def members(self, owner):
        iq = owner.Iq()
        iq["type"] = "get"
        iq["to"] = ROOM
        query = ET.SubElement(iq.xml, f"{{{ADMIN_NS}}}query")
        ET.SubElement(query, f"{{{ADMIN_NS}}}item", affiliation="member")
        answer = await iq.send(timeout=10)
        return {item.get("jid") for item in answer.xml.iter(f"{{{ADMIN_NS}}}item")}

    def audit(self):
        db = sqlite3.connect(os.path.join(self.server.data_dir, "switchboard.sqlite"))
        try:
            return db.execute("SELECT action, target, reason FROM audit_log ORDER BY id").fetchall()
        finally:
            db.close()

    async def test_invite_with_room_makes_a_member_and_invites(self):
        alice = await self.connect("alice", "desk")
        await self.create_room(alice)
        self.assertNotIn(bare("dave"), await self.members(alice))

        uri, token, lines = invite(self.server, "--room", ROOM)
        self.assertEqual(uri, f"xmpp:localhost?register;preauth={token}")
        self.assertIn(f"{token}  valid  0/1", self.server.run("invite", "list").stdout)

        dave = await self.register("dave", "dave's secret", token)
        self.assertEqual(dave.register_answer["type"], "result", dave.register_answer)
        await asyncio.wait_for(dave.session_started.wait(), 20)
        # The first login brings the direct invitation (it waited offline).
        dave.send_presence()
        got = await expect(dave, invitation, "the XEP-0249 invitation", timeout=15)
        self.assertEqual(got["to"].bare, bare("dave"))
        self.assertIn(ROOM, got.xml.find(f"{{{CONFERENCE_NS}}}x").get("reason", ""))

        self.assertIn(bare("dave"), await self.members(alice))
        self.assertTrue(any(a == "invite room" and t == ROOM and bare("dave") in r for a, t, r in self.audit()),
                        self.audit())

    async def test_invite_without_room_changes_no_room(self):
        alice = await self.connect("alice", "desk")
        await self.create_room(alice)
        _, token, _ = invite(self.server)
        erin = await self.register("erin", "erin's secret", token)
        self.assertEqual(erin.register_answer["type"], "result", erin.register_answer)
        await asyncio.wait_for(erin.session_started.wait(), 20)
        erin.send_presence()
        await asyncio.sleep(1.0)
        self.assertFalse(any(invitation(s) for s in erin.received))
        self.assertNotIn(bare("erin"), await self.members(alice))


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
