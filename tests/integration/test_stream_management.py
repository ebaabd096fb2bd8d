"""XEP-0198 Stream Management with real clients: slixmpp's xep_0198 plugin enables it with
resumption, its TCP connection is cut (no </stream>), a contact writes meanwhile, and the client
resumes with its 'h' (or comes back too late and finds the messages offline). The server is
also killed with -9 while a session hibernates: nothing queued is lost, nothing comes twice."""

import asyncio
import datetime
import os
import socket
import time

import aioxmpp
import aioxmpp.connector

import harness
from harness import DOMAIN, Server, wait_for
from im_support import ImTestCase, befriend, expect, fetch_roster, is_message, is_presence, local, round_trip

SM_NS = "urn:xmpp:sm:3"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"
PLUGINS = ("xep_0030", "xep_0199", "xep_0198")


def bodies_from(client, sender, prefix):
    """Bodies of the chat messages from `sender` whose body starts with `prefix`, in arrival order."""
    result = []
    for stanza in client.received:
        xml = stanza.xml
        if local(xml.tag) != "message" or not xml.get("from", "").startswith(sender):
            continue
        body = xml.find("{jabber:client}body")
        if body is not None and body.text and body.text.startswith(prefix):
            result.append(body.text)
    return result


def nonzas(client, name):
    return [s.xml for s in client.received if s.xml.tag == f"{{{SM_NS}}}{name}"]


def presences_from(client, full_jid, ptype=None):
    return [s for s in client.received if is_presence(s, frm=full_jid, ptype=ptype)]


class SmTestCase(ImTestCase):
    server_config = "[server]\nsm_resume_timeout = 60\n"

    def sm_client(self, user, resource):
        return self.client(user, resource=resource, plugins=PLUGINS)

    async def online_with_sm(self, user, resource):
        c = self.sm_client(user, resource)
        enabled = asyncio.Event()
        c.add_event_handler("sm_enabled", lambda _: enabled.set())
        await c.online()
        await asyncio.wait_for(enabled.wait(), 10)
        self.assertTrue(c.plugin["xep_0198"].sm_id, "the server gave a resumption id")
        return c

    async def alice_and_bob(self):
        """alice (stream management with resumption) and bob, mutual contacts, both available."""
        alice = await self.online_with_sm("alice", "phone")
        await fetch_roster(alice)
        alice.send_presence()
        await expect(alice, lambda s: is_presence(s, frm=str(alice.boundjid)), "own presence")
        bob = await self.connect("bob", "desk")
        await befriend(alice, bob)
        await expect(bob, lambda s: is_presence(s, frm=str(alice.boundjid)), "alice's presence")
        await round_trip(alice)
        return alice, bob

    def session_of(self, full_jid):
        for s in self.server.sessions():
            if s["jid"] == full_jid:
                return s
        return None

    async def wait_session(self, full_jid, predicate, what, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.session_of(full_jid)
            if s is not None and predicate(s):
                return s
            await asyncio.sleep(0.2)
        raise AssertionError(f"timed out waiting for {full_jid}: {what}; sessions: {self.server.sessions()}")

    async def cut(self, client):
        """Kills the client's TCP connection without </stream> and waits until the server
        has the session hibernating."""
        full = str(client.boundjid)
        client.abort()
        await asyncio.wait_for(client.was_disconnected.wait(), 10)
        client.was_disconnected.clear()
        return await self.wait_session(full, lambda s: s["hibernating"], "hibernating")

    async def reconnect(self, client):
        """Connects the same client object again: its plugin resumes with its id and 'h'."""
        resumed, failed = asyncio.Event(), asyncio.Event()
        client.add_event_handler("session_resumed", lambda _: resumed.set())
        client.add_event_handler("sm_failed", lambda _: failed.set())
        client.start()
        done, _ = await asyncio.wait([asyncio.ensure_future(resumed.wait()), asyncio.ensure_future(failed.wait())],
                                     timeout=15, return_when=asyncio.FIRST_COMPLETED)
        return resumed.is_set()


class ResumeTest(SmTestCase):

    async def test_feature_offered_and_enabled_with_max(self):
        alice = await self.online_with_sm("alice", "a")
        enabled = nonzas(alice, "enabled")
        self.assertEqual(len(enabled), 1)
        self.assertIn(enabled[0].get("resume"), ("true", "1"))
        self.assertEqual(enabled[0].get("max"), "60")
        s = self.session_of(str(alice.boundjid))
        self.assertTrue(s["sm"])
        self.assertFalse(s["hibernating"])

    async def test_resume_delivers_queued_messages_once_in_order(self):
        alice, bob = await self.alice_and_bob()
        full = str(alice.boundjid)
        session = await self.cut(alice)
        self.assertEqual(session["state"], "hibernating")
        self.assertTrue(session["available"], "a hibernating session stays available")
        for i in range(5):
            bob.send_message(mto=full, mbody=f"queued {i}", mtype="chat")
        await round_trip(bob)
        await self.wait_session(full, lambda s: s["sm_unacked"] >= 5, "five queued")

        self.assertTrue(await self.reconnect(alice), f"alice resumed; got {nonzas(alice, 'failed')}")
        resumed = nonzas(alice, "resumed")
        self.assertEqual(len(resumed), 1)
        await round_trip(alice)
        await wait_for(lambda: len(bodies_from(alice, BOB, "queued")) >= 5, what="the five messages")
        await asyncio.sleep(0.5)   # a duplicate would arrive by now
        self.assertEqual(bodies_from(alice, BOB, "queued"), [f"queued {i}" for i in range(5)])
        self.assertEqual(str(alice.boundjid), full, "the same resource continues")

        # Contacts never saw alice go away.
        self.assertEqual(presences_from(bob, full, "unavailable"), [])
        s = self.session_of(full)
        self.assertFalse(s["hibernating"])
        # The resumed session works both ways.
        alice.send_message(mto=str(bob.boundjid), mbody="back", mtype="chat")
        await expect(bob, lambda st: is_message(st, body="back"), "alice's message after resuming")
        bob.send_message(mto=full, mbody="queued later", mtype="chat")
        await expect(alice, lambda st: is_message(st, body="queued later"), "bob's message after resuming")

    async def test_bad_resumptions_are_refused_and_bystanders_keep_working(self):
        alice, bob = await self.alice_and_bob()
        carol = await self.online_with_sm("carol", "laptop")
        alice_id = alice.plugin["xep_0198"].sm_id
        full = str(alice.boundjid)
        await self.cut(alice)
        bob.send_message(mto=full, mbody="queued for alice", mtype="chat")
        await round_trip(bob)

        # Another user's id: refused as unknown; alice's session stays resumable.
        await self.cut(carol)
        carol.plugin["xep_0198"].sm_id = alice_id
        self.assertFalse(await self.reconnect(carol))
        failed = nonzas(carol, "failed")
        self.assertTrue(failed and failed[-1].find("{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None,
                        f"carol got item-not-found: {failed}")
        self.assertTrue(self.session_of(full)["hibernating"], "alice's session untouched")

        # A made-up id: the same.
        stranger = self.sm_client("carol", "desk")
        stranger.plugin["xep_0198"].sm_id = "made-up-id"
        self.assertFalse(await self.reconnect(stranger))
        failed = nonzas(stranger, "failed")
        self.assertTrue(failed and failed[-1].find("{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found") is not None)

        # Bystanders work throughout: the refused client binds a fresh session instead, and
        # bob reaches it.
        await asyncio.wait_for(stranger.session_started.wait(), 15)
        bob.send_message(mto=str(stranger.boundjid), mbody="hello carol", mtype="chat")
        await expect(stranger, lambda st: is_message(st, body="hello carol"), "bob's message to carol")
        await round_trip(bob)

        # An 'h' larger than what was sent: undefined-condition + handled-count-too-high.
        alice.plugin["xep_0198"].handled = 1000
        self.assertFalse(await self.reconnect(alice))
        await wait_for(lambda: "undefined-condition" in alice.stream_errors, what="alice's stream error")
        errors = [s.xml for s in alice.received if s.xml.tag == "{http://etherx.jabber.org/streams}error"]
        self.assertTrue(any(e.find(f"{{{SM_NS}}}handled-count-too-high") is not None for e in errors), errors)
        # That ended the hibernating session: its message waits offline, contacts saw it go.
        await expect(bob, lambda s: is_presence(s, frm=full, ptype="unavailable"), "alice unavailable")
        await round_trip(bob)
        later = self.client("alice", resource="later")
        await later.online()
        later.send_presence()
        await expect(later, lambda s: is_message(s, body="queued for alice"), "the message, offline")


class AioxmppResumeTest(SmTestCase):
    """aioxmpp (a second, independent library) enables SM with resumption by itself, and after
    a lost connection reconnects and resumes on its own."""

    async def test_aioxmpp_resumes_and_gets_what_was_queued(self):
        jid = aioxmpp.JID.fromstr(f"alice@{DOMAIN}/aio")
        client = aioxmpp.PresenceManagedClient(
            jid, aioxmpp.make_security_layer(self.users["alice"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        # Time to write while the session hibernates, before aioxmpp reconnects.
        client.backoff_start = datetime.timedelta(seconds=3)
        bodies = []
        resumed = asyncio.Event()
        client.on_stream_resumed.connect(lambda *_: resumed.set())

        def capture(message):
            if message.body:
                bodies.append(message.body.any())
            return message

        connection = client.connected()
        await asyncio.wait_for(connection.__aenter__(), 20)
        try:
            client.stream.app_inbound_message_filter.register(capture, 0)
            self.assertTrue(client.stream.sm_enabled)
            self.assertTrue(client.stream.sm_resumable)
            full = str(client.local_jid)
            bob = await self.client("bob", resource="desk").online()

            # Cut the TCP connection under aioxmpp (no </stream>, no TLS close): it notices,
            # reconnects and resumes by itself.
            sock = client.stream._xmlstream.transport.get_extra_info("socket")
            sock.shutdown(socket.SHUT_RDWR)
            await self.wait_session(full, lambda s: s["hibernating"], "hibernating", timeout=3)
            for i in range(5):
                bob.send_message(mto=full, mbody=f"aio {i}", mtype="chat")
            await round_trip(bob)
            await asyncio.wait_for(resumed.wait(), 20)
            await harness.wait_for(lambda: len([b for b in bodies if b.startswith("aio ")]) >= 5,
                                   what="five messages at aioxmpp")
            await asyncio.sleep(0.5)
            self.assertEqual([b for b in bodies if b.startswith("aio ")], [f"aio {i}" for i in range(5)])
            self.assertEqual(str(client.local_jid), full)
            s = self.session_of(full)
            self.assertTrue(s["sm"])
            self.assertFalse(s["hibernating"])
        finally:
            await asyncio.wait_for(connection.__aexit__(None, None, None), 10)


class ExpiryTest(SmTestCase):
    server_config = "[server]\nsm_resume_timeout = 3\n"

    async def test_timeout_sends_queue_offline_and_contacts_see_unavailable_once(self):
        alice, bob = await self.alice_and_bob()
        full = str(alice.boundjid)
        session = await self.cut(alice)
        self.assertIn("hibernating_until", session)
        for i in range(5):
            bob.send_message(mto=full, mbody=f"late {i}", mtype="chat")
        await round_trip(bob)
        await expect(bob, lambda s: is_presence(s, frm=full, ptype="unavailable"), "alice unavailable", timeout=15)
        await asyncio.sleep(0.5)
        self.assertEqual(len(presences_from(bob, full, "unavailable")), 1)
        self.assertIsNone(self.session_of(full), "the session ended")

        # Too late to resume: refused; the messages come as offline messages.
        self.assertFalse(await self.reconnect(alice))
        self.assertTrue(nonzas(alice, "failed"))
        fresh = self.client("alice", resource="again")
        await fresh.online()
        fresh.send_presence()
        await wait_for(lambda: len(bodies_from(fresh, BOB, "late")) >= 5, what="five offline messages")
        await asyncio.sleep(0.5)
        self.assertEqual(bodies_from(fresh, BOB, "late"), [f"late {i}" for i in range(5)])
        delayed = [s for s in fresh.received if local(s.xml.tag) == "message"
                   and s.xml.find("{urn:xmpp:delay}delay") is not None]
        self.assertGreaterEqual(len(delayed), 5)


class KickTest(SmTestCase):

    async def test_kicked_hibernating_session_cannot_resume(self):
        alice, bob = await self.alice_and_bob()
        full = str(alice.boundjid)
        await self.cut(alice)
        bob.send_message(mto=full, mbody="before the kick", mtype="chat")
        await round_trip(bob)
        result = self.server.run("kick", full)
        self.assertEqual(result.returncode, 0, result.stderr)
        await expect(bob, lambda s: is_presence(s, frm=full, ptype="unavailable"), "alice unavailable")
        self.assertFalse(await self.reconnect(alice))
        self.assertTrue(nonzas(alice, "failed"))
        fresh = self.client("alice", resource="after")
        await fresh.online()
        fresh.send_presence()
        await expect(fresh, lambda s: is_message(s, body="before the kick"), "the message, offline")


class CrashTest(SmTestCase):
    server_config = "[server]\nsm_resume_timeout = 600\n"

    async def test_kill9_while_hibernating_loses_nothing(self):
        alice, bob = await self.alice_and_bob()
        full = str(alice.boundjid)
        await self.cut(alice)
        for i in range(20):
            bob.send_message(mto=full, mbody=f"held {i:02}", mtype="chat")
        await round_trip(bob)
        await self.wait_session(full, lambda s: s["sm_unacked"] >= 20, "twenty queued")
        data_dir = self.server.data_dir
        self.server.kill9()
        for c in (alice, bob):
            c.abort()

        restarted = Server(config_text=self.server_config, data_dir=data_dir).start()
        self.addCleanup(restarted.stop)
        fresh = self.client("alice", resource="after-crash", port=restarted.c2s_port)
        await fresh.online()
        fresh.send_presence()
        await wait_for(lambda: len(bodies_from(fresh, BOB, "held")) >= 20, what="twenty offline messages")
        await asyncio.sleep(0.5)
        self.assertEqual(bodies_from(fresh, BOB, "held"), [f"held {i:02}" for i in range(20)])
        # A second login finds none of them again.
        second = self.client("alice", resource="second", port=restarted.c2s_port)
        await second.online()
        second.send_presence()
        await round_trip(second)
        await asyncio.sleep(0.5)
        self.assertEqual(bodies_from(second, BOB, "held"), [])


class OfflineAckTest(SmTestCase):

    async def test_offline_messages_deleted_only_when_acknowledged(self):
        bob = await self.client("bob", resource="desk").online()
        for i in range(3):
            bob.send_message(mto=ALICE, mbody=f"stored {i}", mtype="chat")
        await round_trip(bob)
        alice = await self.online_with_sm("alice", "phone")
        # The client never acknowledges: the server cannot know they arrived.
        alice.plugin["xep_0198"].send_ack = lambda: None
        alice.send_presence()
        await wait_for(lambda: len(bodies_from(alice, BOB, "stored")) >= 3, what="the offline messages")
        alice.abort()
        await asyncio.wait_for(alice.was_disconnected.wait(), 10)
        # Not acknowledged: they are still there for the next login (the hibernating session
        # is ended first, as an expiry would).
        result = self.server.run("kick", str(alice.boundjid))
        self.assertEqual(result.returncode, 0, result.stderr)
        again = self.client("alice", resource="again")
        await again.online()
        again.send_presence()
        await wait_for(lambda: len(bodies_from(again, BOB, "stored")) >= 3, what="the offline messages again")
        await asyncio.sleep(0.5)
        self.assertEqual(bodies_from(again, BOB, "stored"), [f"stored {i}" for i in range(3)])


if __name__ == "__main__":
    harness.main()
