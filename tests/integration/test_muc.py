"""XEP-0045 Multi-User Chat with real clients: slixmpp's xep_0045 for three users (create and
configure a persistent members-only room, talk, private messages, subject, nickname change,
history for a late joiner, kick 307, ban 301, an outcast refused, a bad nickname refused), the
room, its configuration and affiliations surviving a restart, and nbxmpp (Gajim's library) as
a second, independent client in the same room."""

import asyncio
import sys

from slixmpp.exceptions import IqError, PresenceError
from slixmpp.jid import JID

from harness import Server
from im_support import ImTestCase, bare, expect, is_message, is_presence, local

ROOM = "lounge@conference.localhost"
MUC_USER = "http://jabber.org/protocol/muc#user"
MUC = "http://jabber.org/protocol/muc"
OCCUPANT_ID = "urn:xmpp:occupant-id:0"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
STANZAS = "urn:ietf:params:xml:ns:xmpp-stanzas"
PLUGINS = ("xep_0030", "xep_0199", "xep_0092", "xep_0045", "xep_0004", "xep_0203")


def codes(stanza):
    x = stanza.xml.find(f"{{{MUC_USER}}}x")
    if x is None:
        return set()
    return {int(s.get("code")) for s in x.findall(f"{{{MUC_USER}}}status")}


def item(stanza):
    x = stanza.xml.find(f"{{{MUC_USER}}}x")
    return None if x is None else x.find(f"{{{MUC_USER}}}item")


def error_condition(stanza):
    error = stanza.xml.find("{jabber:client}error")
    if error is None:
        return None
    return next((local(c.tag) for c in error if c.tag.startswith("{%s}" % STANZAS) and local(c.tag) != "text"), None)


async def room_archive(client, room=ROOM):
    """The bodies of a MAM query to the room JID (one page of up to 100), oldest first."""
    iq = client.make_iq_set(ito=room)
    query = iq.xml.makeelement("{urn:xmpp:mam:2}query", {"queryid": "rq"})
    rsm = query.makeelement("{http://jabber.org/protocol/rsm}set", {})
    limit = rsm.makeelement("{http://jabber.org/protocol/rsm}max", {})
    limit.text = "100"
    rsm.append(limit)
    query.append(rsm)
    iq.xml.append(query)
    mark = len(client.received)
    await iq.send(timeout=10)
    bodies = []
    for s in client.received[mark:]:
        result = s.xml.find("{urn:xmpp:mam:2}result")
        if result is not None and result.get("queryid") == "rq" and s.xml.get("from") == room:
            message = result.find("{urn:xmpp:forward:0}forwarded/{jabber:client}message")
            bodies.append(message.findtext("{jabber:client}body"))
    return bodies


def groupchat_bodies(client, start=0):
    out = []
    for s in client.received[start:]:
        xml = s.xml
        if local(xml.tag) == "message" and xml.get("type") == "groupchat":
            body = xml.find("{jabber:client}body")
            if body is not None and xml.find("{urn:xmpp:delay}delay") is None:
                out.append((JID(xml.get("from")).resource, body.text))
    return out


class MucTest(ImTestCase):
    users = {"alice": "wonderland", "bob": "builder", "carol": "singer", "dave": "diver"}

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", PLUGINS)
        return super().client(user, password, resource, **kwargs)

    async def join(self, client, nick, room=ROOM, **kwargs):
        return await client.plugin["xep_0045"].join_muc_wait(JID(room), nick, timeout=10, **kwargs)

    async def join_refused(self, client, nick, room=ROOM, **kwargs):
        try:
            await self.join(client, nick, room, **kwargs)
        except PresenceError as error:
            return error.condition
        self.fail(f"{client.boundjid} joined {room} as {nick}")

    async def disco_info(self, client, jid):
        iq = client.make_iq_get(DISCO_INFO, ito=jid)
        result = await iq.send(timeout=10)
        query = result.xml.find(f"{{{DISCO_INFO}}}query")
        features = {f.get("var") for f in query.findall(f"{{{DISCO_INFO}}}feature")}
        fields = {}
        for field in query.iter("{jabber:x:data}field"):
            value = field.find("{jabber:x:data}value")
            fields[field.get("var")] = value.text if value is not None else None
        return features, fields

    async def create_members_only_room(self, alice):
        own, subject, occupants, history = await self.join(alice, "Alice")
        self.assertTrue({110, 201} <= codes(own), codes(own))
        self.assertEqual(item(own).get("affiliation"), "owner")
        self.assertEqual(item(own).get("role"), "moderator")
        self.assertIsNotNone(own.xml.find(f"{{{OCCUPANT_ID}}}occupant-id"))
        muc = alice.plugin["xep_0045"]
        form = await muc.get_room_config(JID(ROOM), timeout=10)
        values = {
            "muc#roomconfig_roomname": "The Lounge",
            "muc#roomconfig_persistentroom": True,
            "muc#roomconfig_membersonly": True,
            "muc#roomconfig_historylength": "50",
            "muc#roomconfig_whois": "moderators",
        }
        submit = alice.plugin["xep_0004"].make_form(ftype="submit")
        for var, value in values.items():
            self.assertIn(var, form.get_fields(), "the config form lacks " + var)
            submit.add_field(var=var, value=value)
        await muc.set_room_config(JID(ROOM), submit, timeout=10)
        return muc

    async def test_members_only_room_conversation_and_restart(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        carol = await self.connect("carol", "desk")
        muc = await self.create_members_only_room(alice)

        # Not yet a member: registration-required (§7.2.7).
        self.assertEqual(await self.join_refused(bob, "Bob"), "registration-required")
        for user in ("bob", "carol"):
            await muc.set_affiliation(JID(ROOM), "member", jid=JID(bare(user)), timeout=10)
        members = await muc.get_affiliation_list(JID(ROOM), "member", timeout=10)
        self.assertEqual({str(j) for j in members}, {bare("bob"), bare("carol")})

        own_bob = (await self.join(bob, "Bob"))[0]
        self.assertIn(110, codes(own_bob))
        self.assertEqual(item(own_bob).get("affiliation"), "member")
        await self.join(carol, "Carol")
        # Semi-anonymous: the moderator sees bob's real JID, carol does not.
        p = await expect(alice, lambda s: is_presence(s, frm=ROOM + "/Carol"), "carol's presence at alice")
        self.assertEqual(JID(item(p).get("jid")).bare, bare("carol"))
        p = await expect(carol, lambda s: is_presence(s, frm=ROOM + "/Bob"), "bob's presence at carol")
        self.assertIsNone(item(p).get("jid"))

        # 20 groupchat messages, each reflected to every occupant, sender included.
        marks = {c: len(c.received) for c in (alice, bob, carol)}
        sent = []
        for i in range(20):
            sender, nick = (alice, "Alice") if i % 2 == 0 else (bob, "Bob")
            body = f"message {i}"
            sender.send_message(mto=ROOM, mbody=body, mtype="groupchat")
            sent.append((nick, body))
            await expect(sender, lambda s, b=body: is_message(s, body=b), f"{body} reflected", start=marks[sender])
        for c in (alice, bob, carol):
            await expect(c, lambda s: is_message(s, body="message 19"), "the last message", start=marks[c])
            self.assertEqual(groupchat_bodies(c, marks[c]), sent, f"what {c.boundjid} saw")
        m = await expect(carol, lambda s: is_message(s, body="message 3"), "message 3", start=marks[carol])
        self.assertIsNotNone(m.xml.find(f"{{{OCCUPANT_ID}}}occupant-id"))
        sid = m.xml.find("{urn:xmpp:sid:0}stanza-id")
        self.assertEqual(sid.get("by"), ROOM)
        self.assertEqual(await room_archive(carol), [b for _, b in sent])

        # A private message through the room (§7.5).
        bob.send_message(mto=ROOM + "/Carol", mbody="psst", mtype="chat")
        pm = await expect(carol, lambda s: is_message(s, body="psst"), "the private message")
        self.assertEqual(pm.xml.get("from"), ROOM + "/Bob")
        self.assertEqual(pm.xml.get("type"), "chat")
        self.assertIsNotNone(pm.xml.find(f"{{{MUC_USER}}}x"))
        self.assertFalse(any(is_message(s, body="psst") for s in alice.received))

        # The subject (§8.1): a member may not, the moderator may.
        mark = len(bob.received)
        muc_bob = bob.plugin["xep_0045"]
        muc_bob.set_subject(JID(ROOM), "bob's subject")
        err = await expect(bob, lambda s: local(s.xml.tag) == "message" and s.xml.get("type") == "error",
                           "subject refused", start=mark)
        self.assertEqual(error_condition(err), "forbidden")
        muc.set_subject(JID(ROOM), "Tea at five")
        for c in (alice, bob, carol):
            await expect(c, lambda s: local(s.xml.tag) == "message"
                         and s.xml.findtext("{jabber:client}subject") == "Tea at five", "the subject")

        # Nickname change (§7.6): 303 with the new nick, then presence from the new nick.
        marks = {c: len(c.received) for c in (alice, carol, bob)}
        bob.send_presence(pto=ROOM + "/Robert")
        gone = await expect(carol, lambda s: is_presence(s, frm=ROOM + "/Bob", ptype="unavailable"),
                            "bob's 303", start=marks[carol])
        self.assertIn(303, codes(gone))
        self.assertEqual(item(gone).get("nick"), "Robert")
        await expect(carol, lambda s: is_presence(s, frm=ROOM + "/Robert", ptype="available"), "Robert",
                     start=marks[carol])
        own = await expect(bob, lambda s: is_presence(s, frm=ROOM + "/Bob", ptype="unavailable"), "own 303",
                           start=marks[bob])
        self.assertTrue({110, 303} <= codes(own))
        # A nick in use: conflict.
        mark = len(bob.received)
        bob.send_presence(pto=ROOM + "/Carol")
        err = await expect(bob, lambda s: is_presence(s, frm=ROOM + "/Carol", ptype="error"), "conflict", start=mark)
        self.assertEqual(error_condition(err), "conflict")

        # A late joiner gets history (the last 5 asked), each with a delay from the room.
        carol.plugin["xep_0045"].leave_muc(JID(ROOM), "Carol")
        await expect(alice, lambda s: is_presence(s, frm=ROOM + "/Carol", ptype="unavailable"), "carol left")
        mark = len(carol.received)
        await self.join(carol, "Carol", maxstanzas=5)
        history = [s for s in carol.received[mark:] if local(s.xml.tag) == "message"
                   and s.xml.find("{urn:xmpp:delay}delay") is not None]
        self.assertEqual([s.xml.findtext("{jabber:client}body") for s in history], [b for _, b in sent[15:]])
        self.assertEqual(history[0].xml.find("{urn:xmpp:delay}delay").get("from"), ROOM)

        # Kick (§8.2): 307 to the kicked occupant and everyone else.
        marks = {c: len(c.received) for c in (alice, bob, carol)}
        await muc.set_role(JID(ROOM), "Robert", "none", reason="too loud", timeout=10)
        kicked = await expect(bob, lambda s: is_presence(s, frm=ROOM + "/Robert", ptype="unavailable"), "kicked",
                              start=marks[bob])
        self.assertTrue({307, 110} <= codes(kicked))
        self.assertEqual(item(kicked).findtext(f"{{{MUC_USER}}}reason"), "too loud")
        seen = await expect(carol, lambda s: is_presence(s, frm=ROOM + "/Robert", ptype="unavailable"),
                            "the kick at carol", start=marks[carol])
        self.assertIn(307, codes(seen))

        # Ban (§9.1): 301, and the outcast cannot come back (forbidden).
        await muc.set_affiliation(JID(ROOM), "outcast", jid=JID(bare("carol")), reason="spam", timeout=10)
        banned = await expect(carol, lambda s: is_presence(s, frm=ROOM + "/Carol", ptype="unavailable"), "banned",
                              start=marks[carol])
        self.assertTrue({301, 110} <= codes(banned))
        self.assertEqual(await self.join_refused(carol, "Carol"), "forbidden")

        # A nickname Resourceprep refuses (a private-use code point, RFC 3454 C.3) is jid-malformed.
        mark = len(bob.received)
        bob.send_raw(f"<presence to='{ROOM}/bad\ue000nick' id='bad1'><x xmlns='{MUC}'/></presence>")
        err = await expect(bob, lambda s: local(s.xml.tag) == "presence" and s.xml.get("id") == "bad1",
                           "the bad nick's error", start=mark)
        self.assertEqual(error_condition(err), "jid-malformed")

        # XEP-0410 self-ping answered by the service; a non-occupant gets not-acceptable.
        def ping(client, to):
            iq = client.make_iq_get(ito=to)
            iq.enable("ping")
            return iq.send(timeout=10)
        result = await ping(alice, ROOM + "/Alice")
        self.assertEqual(result.xml.get("from"), ROOM + "/Alice")
        with self.assertRaises(IqError) as refused:
            await ping(carol, ROOM + "/Carol")
        self.assertEqual(refused.exception.condition, "not-acceptable")

        # Restart: room, configuration, subject and affiliations are still there.
        for c in (alice, bob, carol):
            await c.offline()
        self.clients.clear()
        data_dir = self.server.data_dir
        self.server.stop()
        self.server = Server(data_dir=data_dir).start()
        self.addCleanup(self.server.stop)
        alice = await self.connect("alice", "again")
        features, fields = await self.disco_info(alice, ROOM)
        self.assertTrue({"muc_persistent", "muc_membersonly", "muc_semianonymous", "muc_unmoderated",
                         "muc_unsecured", OCCUPANT_ID, "urn:xmpp:mam:2"} <= features, features)
        self.assertEqual(fields.get("muc#roominfo_subject"), "Tea at five")
        self.assertEqual(fields.get("muc#roomconfig_roomname"), "The Lounge")
        muc = alice.plugin["xep_0045"]
        own = (await self.join(alice, "Alice"))[0]
        self.assertNotIn(201, codes(own))
        self.assertEqual(item(own).get("affiliation"), "owner")
        self.assertEqual({str(j) for j in await muc.get_affiliation_list(JID(ROOM), "member", timeout=10)},
                         {bare("bob")})
        self.assertEqual({str(j) for j in await muc.get_affiliation_list(JID(ROOM), "outcast", timeout=10)},
                         {bare("carol")})
        form = await muc.get_room_config(JID(ROOM), timeout=10)
        self.assertEqual(form.get_fields()["muc#roomconfig_historylength"]["value"], "50")
        carol = await self.connect("carol", "again")
        self.assertEqual(await self.join_refused(carol, "Carol"), "forbidden")
        dave = await self.connect("dave", "desk")
        self.assertEqual(await self.join_refused(dave, "Dave"), "registration-required")
        # The archive survived too; a non-member may not read a members-only room's archive.
        self.assertEqual(await room_archive(alice), [b for _, b in sent])
        with self.assertRaises(IqError) as refused:
            await room_archive(dave)
        self.assertEqual(refused.exception.condition, "forbidden")

    async def test_temporary_room_goes_with_last_occupant_and_session_end_leaves(self):
        alice = await self.connect("alice", "desk")
        bob = await self.connect("bob", "desk")
        room = "tmp@conference.localhost"
        # A groupchat 1.0 join (no <x/>) gets an instant room at once.
        alice.send_presence(pto=room + "/Alice")
        await expect(alice, lambda s: is_presence(s, frm=room + "/Alice") and 201 in codes(s), "instant room")
        await self.join(bob, "Bob", room=room)
        mark = len(alice.received)
        await bob.offline()   # the session ends: bob leaves the room
        await expect(alice, lambda s: is_presence(s, frm=room + "/Bob", ptype="unavailable"), "bob gone", start=mark)
        alice.send_presence(pto=room + "/Alice", ptype="unavailable")
        await expect(alice, lambda s: is_presence(s, frm=room + "/Alice", ptype="unavailable"), "own leave")
        with self.assertRaises(IqError) as refused:
            await alice.make_iq_get(DISCO_INFO, ito=room).send(timeout=10)
        self.assertEqual(refused.exception.condition, "item-not-found")
        # The service is listed in the server's items and answers disco#info.
        features, _ = await self.disco_info(alice, "conference.localhost")
        self.assertIn(MUC, features)

    async def test_nbxmpp_in_the_same_room(self):
        from nbxmpp_support import NbClient
        alice = await self.connect("alice", "desk")
        await self.join(alice, "Alice", room="mixed@conference.localhost")
        await alice.plugin["xep_0045"].set_room_config(
            JID("mixed@conference.localhost"), alice.plugin["xep_0004"].make_form(ftype="submit"), timeout=10)
        nb = NbClient("bob", "builder", self.server.c2s_port)
        await nb.online()
        self.addAsyncCleanup(nb.close)
        presences, messages = [], []
        from nbxmpp.structs import StanzaHandler

        def on_presence(_client, stanza, properties):
            presences.append((stanza, properties))

        def on_message(_client, stanza, properties):
            messages.append((stanza, properties))
        nb._refs += [on_presence, on_message]
        nb.client.register_handler(StanzaHandler(name="presence", callback=on_presence, priority=60))
        nb.client.register_handler(StanzaHandler(name="message", callback=on_message, priority=60))
        nb.send_raw("<presence xmlns='jabber:client'/>")
        nb.send_raw("<presence xmlns='jabber:client' to='mixed@conference.localhost/Bobby'>"
                    "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>")
        await nb.wait(lambda: any(str(s.getFrom()) == "mixed@conference.localhost/Bobby"
                                  and p.muc_user is not None and 110 in [int(getattr(c, 'value', c)) for c in p.muc_status_codes or []]
                                  for s, p in presences), 15, "nbxmpp's own room presence")
        await expect(alice, lambda s: is_presence(s, frm="mixed@conference.localhost/Bobby"), "bobby at alice")
        alice.send_message(mto="mixed@conference.localhost", mbody="hello nbxmpp", mtype="groupchat")
        await nb.wait(lambda: any(p.type.is_groupchat and p.muc_nickname == "Alice" and s.getBody() == "hello nbxmpp"
                                  for s, p in messages), 15, "alice's message at nbxmpp")
        nb.send_raw("<message xmlns='jabber:client' to='mixed@conference.localhost' type='groupchat'>"
                    "<body>hello slixmpp</body></message>")
        m = await expect(alice, lambda s: is_message(s, body="hello slixmpp"), "bobby's message at alice")
        self.assertEqual(m.xml.get("from"), "mixed@conference.localhost/Bobby")
        await nb.wait(lambda: any(p.type.is_groupchat and p.muc_nickname == "Bobby" and s.getBody() == "hello slixmpp"
                                  for s, p in messages), 15, "bobby's own message reflected")


if __name__ == "__main__":
    import unittest
    unittest.main(verbosity=2)
