"""What the server relays is namespace-well-formed XML that means what the sender wrote
(docs/ARCHITECTURE.md, "XML namespace model"): alice sends bob messages whose payloads use every
namespace form Namespaces in XML 1.0 allows; bob's client (slixmpp, and aioxmpp as a second,
independent library) parses them, stays connected, answers a ping and sees the same names,
namespaces, attributes and text as the sender wrote, live and through offline storage. Payloads
Namespaces in XML forbids cost alice her stream with the RFC 6120 §4.9.3 error and never reach
bob. Payloads go out with send_raw: no library builds them all."""

import asyncio
import logging
import time
import xml.etree.ElementTree as ET

import aioxmpp
import aioxmpp.connector
import aioxmpp.dispatcher
import aioxmpp.ping

from harness import DOMAIN
from im_support import DELAY_NS, ImTestCase, bare, expect, round_trip

BOB = bare("bob")
CLIENT_NS = "jabber:client"

# Accepted payloads: each must arrive meaning exactly this.
PAYLOADS = {
    "xml-prefixed": "<xml:data xmlns:x='urn:example:x' x:kind='v'/>",
    "xml-prefixed-children": "<xml:data><inner>t</inner><y xmlns='urn:y'/></xml:data>",
    "xml-lang": "<subject xml:lang='de'>Betreff</subject><x xmlns='urn:x' xml:lang='fr'><y xml:lang='en'>t</y></x>",
    "rebound-prefix": "<p:a xmlns:p='urn:1' p:x='1'><p:b xmlns:p='urn:2' p:y='2'>t</p:b><p:c p:z='3'/></p:a>",
    "undeclared-default": "<outer xmlns='urn:a'><inner xmlns=''><leaf>t</leaf></inner><back/></outer>",
    "foreign-attributes": "<f:e xmlns:f='urn:f' xmlns:g='urn:g' g:attr='1' f:attr='2' plain='3'>x<g:c/>y</f:e>",
    "one-uri-two-prefixes": "<e xmlns='urn:s' xmlns:a='urn:s' a:t='1'><a:i/></e>",
}

# Refused payloads and the stream error alice gets.
REFUSED = {
    "xmlns-element-prefix": ("<xmlns:e/>", "not-well-formed"),
    "prefix-to-xml-namespace": ("<e xmlns:p='http://www.w3.org/XML/1998/namespace'/>", "not-well-formed"),
    "default-to-xml-namespace": ("<e xmlns='http://www.w3.org/XML/1998/namespace'/>", "not-well-formed"),
    "default-to-xmlns-namespace": ("<e xmlns='http://www.w3.org/2000/xmlns/'/>", "not-well-formed"),
    "xml-prefix-rebound": ("<e xmlns:xml='urn:x'/>", "not-well-formed"),
    "unbound-prefix": ("<q:e/>", "bad-namespace-prefix"),
}


def message_xml(key, to, payload):
    return f"<message to='{to}' type='chat' id='{key}'><body>{key}</body>{payload}</message>"


def expected_children(payload):
    """The payload as an independent parser (Python's expat) reads it inside a jabber:client
    message: what the recipient must see."""
    return list(ET.fromstring(f"<message xmlns='{CLIENT_NS}'>{payload}</message>"))


def payload_children(message):
    """The message's children but its body and the server's delay stamp and archive id
    (XEP-0359 stanza-id by the recipient's account, added by the archive)."""
    return [c for c in message if c.tag not in (f"{{{CLIENT_NS}}}body", f"{{{DELAY_NS}}}delay")
            and not (c.tag == "{urn:xmpp:sid:0}stanza-id" and c.get("by", "").endswith("@localhost"))]


def describe(elements):
    return "".join(ET.tostring(e, encoding="unicode") for e in elements)


def same_tree(a, b, top=True):
    if a.tag != b.tag or dict(a.attrib) != dict(b.attrib) or (a.text or "") != (b.text or ""):
        return False
    if not top and (a.tail or "") != (b.tail or ""):
        return False
    return len(a) == len(b) and all(same_tree(x, y, False) for x, y in zip(a, b))


def same_children(got, want):
    return len(got) == len(want) and all(same_tree(x, y) for x, y in zip(got, want))


async def expect_alive(client, key, what):
    """The message with id key; fails at once, with the reason, if the client lost its stream."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for stanza in client.received:
            if stanza.xml.get("id") == key:
                return stanza
        if client.was_disconnected.is_set():
            raise AssertionError(f"{client.boundjid} lost its stream waiting for {what} "
                                 f"(stream errors {client.stream_errors})")
        await asyncio.sleep(0.05)
    return await expect(client, lambda s: s.xml.get("id") == key, what, timeout=0)


class XmlFidelityTest(ImTestCase):

    def assert_payload(self, key, message_element):
        got = payload_children(message_element)
        want = expected_children(PAYLOADS[key])
        self.assertTrue(same_children(got, want),
                        f"{key}: bob got {describe(got)!r}, alice sent {describe(want)!r}")

    async def test_slixmpp_receiver_gets_every_payload_intact(self):
        bob = await self.connect("bob", "desk")
        alice = await self.connect("alice", "desk", available=False, roster=False)
        for key, payload in PAYLOADS.items():
            alice.send_raw(message_xml(key, str(bob.boundjid), payload))
        for key in PAYLOADS:
            got = await expect_alive(bob, key, f"message {key}")
            self.assert_payload(key, got.xml)
        await round_trip(bob)
        await round_trip(alice)
        self.assertFalse(bob.was_disconnected.is_set())
        self.assertEqual(bob.stream_errors, [])

    async def test_offline_storage_keeps_every_payload_intact(self):
        alice = await self.connect("alice", "desk", available=False, roster=False)
        for key, payload in PAYLOADS.items():
            alice.send_raw(message_xml(key, BOB, payload))
        await round_trip(alice)
        self.assertEqual(alice.stream_errors, [])

        bob = await self.connect("bob", "desk")
        for key in PAYLOADS:
            got = await expect_alive(bob, key, f"stored message {key}")
            self.assertIsNotNone(got.xml.find(f"{{{DELAY_NS}}}delay"), key)
            self.assert_payload(key, got.xml)
        await round_trip(bob)
        self.assertFalse(bob.was_disconnected.is_set())

    async def test_refused_payloads_end_the_senders_stream_and_never_reach_bob(self):
        bob = await self.connect("bob", "desk")
        for key, (payload, condition) in REFUSED.items():
            alice = await self.connect("alice", key, available=False, roster=False)
            alice.send_raw(message_xml(key, str(bob.boundjid), payload))
            await asyncio.wait_for(alice.was_disconnected.wait(), 10)
            self.assertEqual(alice.stream_errors, [condition], key)
        # Everything alice sent before her stream failed was processed before this marker.
        carol = await self.connect("carol", "desk", available=False, roster=False)
        carol.send_raw(message_xml("marker", str(bob.boundjid), ""))
        await expect(bob, lambda s: s.xml.get("id") == "marker", "the marker")
        leaked = [s for s in bob.received if s.xml.get("id") in REFUSED]
        self.assertEqual(leaked, [], "a refused payload reached bob")
        await round_trip(bob)
        self.assertFalse(bob.was_disconnected.is_set())

    async def test_aioxmpp_receiver_parses_every_payload(self):
        """aioxmpp reads the stream with its own SAX pipeline: it must get every message and
        keep its stream; the raw bytes it received carry the payloads intact."""
        raw = []

        class Capture(logging.Handler):
            def emit(self, record):
                if record.msg == "RECV %r":
                    raw.append(record.args[0])

        stream_logger = logging.getLogger("aioxmpp")   # its XMLStream loggers are children
        capture = Capture(logging.DEBUG)
        stream_logger.addHandler(capture)
        old_level = stream_logger.level
        stream_logger.setLevel(logging.DEBUG)
        self.addCleanup(stream_logger.removeHandler, capture)
        self.addCleanup(stream_logger.setLevel, old_level)

        jid = aioxmpp.JID.fromstr(f"bob@{DOMAIN}/aio")
        client = aioxmpp.PresenceManagedClient(
            jid, aioxmpp.make_security_layer(self.users["bob"], no_verify=True),
            override_peer=[("127.0.0.1", self.server.c2s_port, aioxmpp.connector.STARTTLSConnector())])
        destroyed = []
        client.on_stream_destroyed.connect(lambda *args: destroyed.append(args))
        received = {}
        dispatcher = client.summon(aioxmpp.dispatcher.SimpleMessageDispatcher)
        dispatcher.register_callback(aioxmpp.MessageType.CHAT, None,
                                     lambda msg: received.setdefault(msg.id_, msg))
        connection = client.connected()
        await asyncio.wait_for(connection.__aenter__(), 20)
        try:
            alice = await self.connect("alice", "desk", available=False, roster=False)
            for key, payload in PAYLOADS.items():
                alice.send_raw(message_xml(key, str(jid), payload))
            deadline = time.monotonic() + 10
            while set(received) != set(PAYLOADS) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            self.assertEqual(set(received), set(PAYLOADS), "aioxmpp did not get every message")
            await asyncio.wait_for(aioxmpp.ping.ping(client, aioxmpp.JID.fromstr(DOMAIN)), 10)
            self.assertEqual(destroyed, [], "aioxmpp lost its stream")
            self.assertTrue(client.running)
        finally:
            await connection.__aexit__(None, None, None)

        # The bytes after the last stream header (the one after SASL), read independently.
        data = b"".join(raw)
        self.assertIn(b"<?xml", data, f"captured {len(raw)} reads: {data[:300]!r}")
        data = data[data.rindex(b"<?xml"):]
        parser = ET.XMLPullParser(events=("start", "end"))
        parser.feed(data)
        depth, messages = 0, {}
        for event, element in parser.read_events():
            depth += 1 if event == "start" else -1
            if event == "end" and depth == 1 and element.tag == f"{{{CLIENT_NS}}}message":
                messages[element.get("id")] = element
        for key in PAYLOADS:
            self.assertIn(key, messages)
            self.assert_payload(key, messages[key])


if __name__ == "__main__":
    import harness
    harness.main()
