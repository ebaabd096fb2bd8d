"""Hostile use of personal eventing by an authenticated client: ten thousand nodes, payloads
over the PEP cap and over the stanza cap, configuration forms too deep or too wide, and a node
name with bad UTF-8. Each is refused with its error, nothing partial is kept, and the
bystanders (bob and carol) keep talking and publishing."""

import asyncio
import time
import xml.etree.ElementTree as ET

from harness import ServerTestCase, main
from hostile import bystanders_talk
from pep_support import OWNER_NS, PLUGINS, PUBSUB_NS, call, form, publish_xml

ALICE = "alice@localhost"


class PepHostile(ServerTestCase):
    server_config = "pep_max_payload_bytes = 16384\n"
    users = {"alice": "wonderland", "bob": "builder", "carol": "singer", "mallory": "nodes"}

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.bob = await self.client("bob", plugins=PLUGINS).online()
        self.carol = await self.client("carol", plugins=PLUGINS).online()

    async def bystanders_fine(self):
        await bystanders_talk(self, self.bob, self.carol)
        token = f"t{time.monotonic_ns()}"
        kind, _ = await call(self.bob, "set", publish_xml("urn:test:alive", token, f"<alive xmlns='urn:test:alive'/>",
                                                          {"pubsub#access_model": "open"}))
        self.assertEqual(kind, "result")
        got = await self.carol["xep_0060"].get_items("bob@localhost", "urn:test:alive", timeout=10)
        self.assertEqual([i["id"] for i in got["pubsub"]["items"]], [token])

    async def attacker(self, resource, user="alice"):
        return await self.client(user, resource=resource, plugins=PLUGINS).online()

    async def test_ten_thousand_nodes(self):
        alice = await self.attacker("nodes", "mallory")   # an account of its own: the count starts at 0
        results = {}

        async def one(i):
            iq = alice.Iq()
            iq["type"] = "set"
            iq.xml.append(ET.fromstring(publish_xml(f"urn:test:n{i}", "x", "<x xmlns='urn:test:x'/>")))
            try:
                await iq.send(timeout=120)
                results[i] = "result"
            except Exception as e:   # IqError: the condition is what the test counts
                results[i] = getattr(e, "condition", repr(e))

        started = time.monotonic()
        for start in range(0, 10000, 500):
            await asyncio.gather(*(one(i) for i in range(start, start + 500)))
        counts = {}
        for outcome in results.values():
            counts[outcome] = counts.get(outcome, 0) + 1
        # The default cap is 512 nodes per account; the rest are refused, none half-made.
        self.assertEqual(counts, {"result": 512, "resource-constraint": 10000 - 512}, counts)
        self.assertLess(time.monotonic() - started, 180)
        self.assertEqual(await call(alice, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='urn:test:n9999'/></pubsub>"),
                         ("error", ("item-not-found", None)))
        await self.bystanders_fine()

    async def test_payload_over_the_pep_cap(self):
        alice = await self.attacker("big")
        payload = "<blob xmlns='urn:test:blob'>" + "x" * 20000 + "</blob>"
        self.assertEqual(await call(alice, "set", publish_xml("urn:test:blob", "b", payload)),
                         ("error", ("not-acceptable", "payload-too-big")))
        self.assertEqual(await call(alice, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='urn:test:blob'/></pubsub>"),
                         ("error", ("item-not-found", None)))
        await self.bystanders_fine()

    async def test_one_mib_payload_is_a_stream_error(self):
        alice = await self.attacker("mib")
        alice.send_raw(f"<iq type='set' id='big'><pubsub xmlns='{PUBSUB_NS}'><publish node='urn:test:mib'><item id='m'>"
                       f"<blob xmlns='urn:test:blob'>" + "x" * (1024 * 1024) + "</blob></item></publish></pubsub></iq>")
        await asyncio.wait_for(alice.was_disconnected.wait(), 20)
        self.assertEqual(alice.stream_errors, ["policy-violation"])
        await self.bystanders_fine()
        alice = await self.attacker("after")
        self.assertEqual(await call(alice, "get", f"<pubsub xmlns='{PUBSUB_NS}'><items node='urn:test:mib'/></pubsub>"),
                         ("error", ("item-not-found", None)))

    async def test_deep_and_wide_configuration_forms(self):
        alice = await self.attacker("forms")
        await call(alice, "set", publish_xml("urn:test:cfg", "c", "<c xmlns='urn:test:cfg'/>"))
        # Too wide: more fields than any configuration has.
        wide = form(PUBSUB_NS + "#node_config", {f"pubsub#f{i}": "v" for i in range(2000)})
        self.assertEqual(await call(alice, "set", f"<pubsub xmlns='{OWNER_NS}'><configure node='urn:test:cfg'>{wide}</configure></pubsub>"),
                         ("error", ("not-acceptable", None)))
        self.assertEqual(await call(alice, "set", publish_xml("urn:test:cfg", "d", "<c xmlns='urn:test:cfg'/>",
                                                              {f"pubsub#f{i}": "v" for i in range(2000)})),
                         ("error", ("conflict", "precondition-not-met")))
        # Too deep: the parser's depth limit ends the stream before any module sees it.
        deep = "<value>" * 5000 + "open" + "</value>" * 5000
        alice.send_raw(f"<iq type='set' id='deep'><pubsub xmlns='{OWNER_NS}'><configure node='urn:test:cfg'>"
                       f"<x xmlns='jabber:x:data' type='submit'><field var='pubsub#access_model'>{deep}</field></x>"
                       "</configure></pubsub></iq>")
        await asyncio.wait_for(alice.was_disconnected.wait(), 20)
        self.assertEqual(alice.stream_errors, ["policy-violation"])
        await self.bystanders_fine()
        # The node kept its configuration.
        alice = await self.attacker("again")
        kind, result = await call(alice, "get", f"<pubsub xmlns='{OWNER_NS}'><configure node='urn:test:cfg'/></pubsub>")
        self.assertEqual(kind, "result")
        access = [f for f in result.iter("{jabber:x:data}field") if f.get("var") == "pubsub#access_model"][0]
        self.assertEqual(access.findtext("{jabber:x:data}value"), "presence")

    async def test_node_name_with_bad_utf8(self):
        alice = await self.attacker("utf8")
        alice.transport.write(f"<iq type='set' id='u'><pubsub xmlns='{PUBSUB_NS}'><publish node='urn:test:".encode()
                              + b"\xff\xfe" + f"'><item id='i'><x xmlns='urn:test:x'/></item></publish></pubsub></iq>".encode())
        await asyncio.wait_for(alice.was_disconnected.wait(), 20)
        self.assertEqual(alice.stream_errors, ["not-well-formed"])
        await self.bystanders_fine()
        # An over-long (valid) node name is refused as a stanza error.
        alice = await self.attacker("long")
        self.assertEqual(await call(alice, "set", publish_xml("n" * 5000, "i", "<x xmlns='urn:test:x'/>")),
                         ("error", ("not-acceptable", None)))


if __name__ == "__main__":
    main()
