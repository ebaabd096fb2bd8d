"""Issue 2: a real client (slixmpp) logs in over STARTTLS and direct TLS with SCRAM, binds a
resource, and the server refuses what it must refuse."""

import asyncio

import harness
from harness import ServerTestCase, wait_for


class LoginTest(ServerTestCase):

    async def test_starttls_scram_sha256_login_is_encrypted(self):
        alice = self.client("alice", resource="desk", mechanism="SCRAM-SHA-256")
        await alice.online()
        self.assertEqual(str(alice.boundjid), "alice@localhost/desk")
        sessions = self.server.sessions()
        mine = [s for s in sessions if s["jid"] == "alice@localhost/desk"]
        self.assertEqual(len(mine), 1, sessions)
        self.assertTrue(mine[0]["encrypted"], mine[0])
        self.assertFalse(mine[0]["direct_tls"])
        self.assertIn("TLS", mine[0]["tls_protocol"])
        self.assertEqual(mine[0]["sasl_mechanism"], "SCRAM-SHA-256")

    async def test_scram_sha1_login(self):
        bob = self.client("bob", resource="sha1", mechanism="SCRAM-SHA-1")
        await bob.online()
        mine = [s for s in self.server.sessions() if s["jid"] == "bob@localhost/sha1"]
        self.assertEqual(mine[0]["sasl_mechanism"], "SCRAM-SHA-1")

    async def test_plain_over_tls_login(self):
        carol = self.client("carol", resource="plain", mechanism="PLAIN")
        await carol.online()
        mine = [s for s in self.server.sessions() if s["jid"] == "carol@localhost/plain"]
        self.assertEqual(mine[0]["sasl_mechanism"], "PLAIN")

    async def test_direct_tls_login(self):
        alice = self.client("alice", resource="tls", direct_tls=True)
        await alice.online()
        mine = [s for s in self.server.sessions() if s["jid"] == "alice@localhost/tls"]
        self.assertTrue(mine[0]["direct_tls"])
        self.assertTrue(mine[0]["encrypted"])

    async def test_wrong_password_is_refused(self):
        alice = self.client("alice", password="not-her-password", resource="x")
        with self.assertRaises(AssertionError):
            await alice.online(timeout=15)
        self.assertIn("not-authorized", alice.sasl_failures)

    async def test_unknown_user_is_refused_like_a_wrong_password(self):
        mallory = harness.Client("mallory@localhost", "whatever", self.server.c2s_port)
        self.clients.append(mallory)
        with self.assertRaises(AssertionError):
            await mallory.online(timeout=15)
        self.assertIn("not-authorized", mallory.sasl_failures)

    async def test_server_generated_resource(self):
        bob = harness.Client("bob@localhost", "builder", self.server.c2s_port)
        self.clients.append(bob)
        await bob.online()
        self.assertTrue(bob.boundjid.resource)
        self.assertEqual(bob.boundjid.bare, "bob@localhost")

    async def test_second_login_to_same_resource_kicks_the_old_one(self):
        first = self.client("carol", resource="phone")
        await first.online()
        second = self.client("carol", resource="phone")
        await second.online()
        await asyncio.wait_for(first.was_disconnected.wait(), 10)
        self.assertIn("conflict", first.stream_errors)
        self.assertFalse(second.was_disconnected.is_set())
        ping = await second["xep_0199"].ping(jid="localhost", timeout=10)
        self.assertIsNotNone(ping)

    async def test_ping_disco_and_version(self):
        alice = self.client("alice", resource="basics")
        await alice.online()
        rtt = await alice["xep_0199"].ping(jid="localhost", timeout=10)
        self.assertGreaterEqual(rtt, 0)
        info = await alice["xep_0030"].get_info(jid="localhost", timeout=10)
        features = info["disco_info"]["features"]
        self.assertIn("urn:xmpp:ping", features)
        self.assertIn("http://jabber.org/protocol/disco#info", features)
        identities = info["disco_info"]["identities"]
        self.assertIn(("server", "im"), [(i[0], i[1]) for i in identities])
        items = await alice["xep_0030"].get_items(jid="localhost", timeout=10)
        self.assertIsNotNone(items["disco_items"])
        version = await alice["xep_0092"].get_version("localhost", timeout=10)
        self.assertEqual(version["software_version"]["name"], "Switchboard")

    async def test_unhandled_iq_gets_service_unavailable(self):
        alice = self.client("alice", resource="unhandled")
        await alice.online()
        iq = alice.make_iq_get(queryxmlns="urn:example:nothing", ito="localhost")
        try:
            await iq.send(timeout=10)
            self.fail("expected an error")
        except Exception as e:  # slixmpp raises IqError carrying the stanza
            self.assertEqual(e.iq["error"]["condition"], "service-unavailable")

    async def test_disco_of_a_missing_account_is_service_unavailable(self):
        alice = self.client("alice", resource="disco")
        await alice.online()
        info = await alice["xep_0030"].get_info(jid="bob@localhost", timeout=10)
        self.assertIn(("account", "registered"), [(i[0], i[1]) for i in info["disco_info"]["identities"]])
        try:
            await alice["xep_0030"].get_info(jid="nobody@localhost", timeout=10)
            self.fail("expected an error")
        except Exception as e:
            self.assertEqual(e.iq["error"]["condition"], "service-unavailable")


if __name__ == "__main__":
    harness.main()
