"""OMEMO (XEP-0384) between two users' independent devices, in both versions clients speak:
OMEMO 2 (python3-twomemo) and the legacy eu.siacs.conversations.axolotl of Conversations, Dino,
Gajim and Profanity (python3-oldmemo; a bundle node per device), through Debian's python3-omemo,, with nothing but PEP on the server: every device publishes its
bundle and the device list with publish-options (access model open, as the XEP asks), learns its
contacts' device lists from +notify notifications, downloads their bundles and encrypts.
A message from alice is decrypted by both of bob's devices and by nobody else (carol's device
cannot); a third device of bob added later appears in alice's device list through PEP and reads
the next message."""

import asyncio
import xml.etree.ElementTree as ET

import oldmemo
import oldmemo.etree
import oldmemo.oldmemo
import omemo
import twomemo
import twomemo.twomemo
import twomemo.etree
from slixmpp.exceptions import IqError

from im_support import bare, befriend, expect, local
from pep_support import DATA_NS, PUBSUB_NS, PepTestCase, event_items

ALICE, BOB, CAROL = bare("alice"), bare("bob"), bare("carol")


class Twomemo:
    """OMEMO 2: one bundles node, an item per device; the device list at item 'current'."""
    ns = twomemo.twomemo.NAMESPACE
    devices = ns + ":devices"
    etree = twomemo.etree
    backend = twomemo.Twomemo

    @staticmethod
    def bundle_node(device_id):
        return Twomemo.ns + ":bundles", str(device_id)

    @staticmethod
    async def parse_message(element, sender, manager):
        return twomemo.etree.parse_message(element, sender)

    @staticmethod
    def recipients(element):
        """The device ids the message key was encrypted for."""
        return {int(key.get("rid")) for keys in element.iter(f"{{{Twomemo.ns}}}keys")
                for key in keys.iter(f"{{{Twomemo.ns}}}key")}


class Oldmemo:
    """Legacy OMEMO: a bundle node per device, the device list at item 'current'."""
    ns = oldmemo.oldmemo.NAMESPACE
    devices = ns + ".devicelist"
    etree = oldmemo.etree
    backend = oldmemo.Oldmemo

    @staticmethod
    def bundle_node(device_id):
        return f"{Oldmemo.ns}.bundles:{device_id}", "current"

    @staticmethod
    async def parse_message(element, sender, manager):
        return await oldmemo.etree.parse_message(element, sender, manager.own_jid, manager)

    @staticmethod
    def recipients(element):
        return {int(key.get("rid")) for key in element.iter(f"{{{Oldmemo.ns}}}key")}


class MemoryStorage(omemo.Storage):
    def __init__(self):
        super().__init__()
        self.data = {}

    async def _load(self, key):
        return omemo.Just(self.data[key]) if key in self.data else omemo.Nothing()

    async def _store(self, key, value):
        self.data[key] = value

    async def _delete(self, key):
        self.data.pop(key, None)


def options_form(fields):
    x = ET.Element(f"{{{DATA_NS}}}x", {"type": "submit"})
    for var, value in {"FORM_TYPE": PUBSUB_NS + "#publish-options", **fields}.items():
        f = ET.SubElement(x, f"{{{DATA_NS}}}field", {"var": var})
        ET.SubElement(f, f"{{{DATA_NS}}}value").text = value
    return x


async def pubsub_iq(client, itype, child, to=None):
    iq = client.Iq()
    iq["type"] = itype
    if to:
        iq["to"] = to
    pubsub = ET.SubElement(iq.xml, f"{{{PUBSUB_NS}}}pubsub")
    for c in child if isinstance(child, list) else [child]:
        pubsub.append(c)
    return (await iq.send(timeout=10)).xml


async def publish(client, node, item_id, payload, options):
    publish_el = ET.Element(f"{{{PUBSUB_NS}}}publish", {"node": node})
    item = ET.SubElement(publish_el, f"{{{PUBSUB_NS}}}item", {"id": item_id})
    item.append(payload)
    opts = ET.Element(f"{{{PUBSUB_NS}}}publish-options")
    opts.append(options_form(options))
    await pubsub_iq(client, "set", [publish_el, opts])


async def fetch_items(client, jid, node, ids=()):
    items = ET.Element(f"{{{PUBSUB_NS}}}items", {"node": node})
    for i in ids:
        ET.SubElement(items, f"{{{PUBSUB_NS}}}item", {"id": i})
    result = await pubsub_iq(client, "get", items, to=jid)
    return result.findall(f".//{{{PUBSUB_NS}}}item")


def session_manager_class(client, flavour):
    """python-omemo wants its XMPP operations as static methods: a class per device."""

    class Manager(omemo.SessionManager):
        @staticmethod
        async def _upload_bundle(bundle):
            node, item = flavour.bundle_node(bundle.device_id)
            await publish(client, node, item, flavour.etree.serialize_bundle(bundle),
                          {"pubsub#access_model": "open", "pubsub#max_items": "max"})

        @staticmethod
        async def _download_bundle(namespace, bare_jid, device_id):
            node, item = flavour.bundle_node(device_id)
            try:
                items = await fetch_items(client, bare_jid, node, [item])
            except IqError as e:
                raise omemo.BundleDownloadFailed(str(e)) from e
            if not items or len(items[0]) == 0:
                raise omemo.BundleDownloadFailed(f"no bundle {device_id} of {bare_jid}")
            return flavour.etree.parse_bundle(items[0][0], bare_jid, device_id)

        @staticmethod
        async def _delete_bundle(namespace, device_id):
            node, item = flavour.bundle_node(device_id)
            retract = ET.Element(f"{{{PUBSUB_NS}}}retract", {"node": node})
            ET.SubElement(retract, f"{{{PUBSUB_NS}}}item", {"id": item})
            await pubsub_iq(client, "set", retract)

        @staticmethod
        async def _upload_device_list(namespace, device_list):
            await publish(client, flavour.devices, "current", flavour.etree.serialize_device_list(device_list),
                          {"pubsub#access_model": "open"})

        @staticmethod
        async def _download_device_list(namespace, bare_jid):
            try:
                items = await fetch_items(client, bare_jid, flavour.devices)
            except IqError as e:
                if e.iq["error"]["condition"] == "item-not-found":
                    return {}
                raise omemo.DeviceListDownloadFailed(str(e)) from e
            if not items or len(items[0]) == 0:
                return {}
            return flavour.etree.parse_device_list(items[0][0])

        async def _evaluate_custom_trust_level(self, device):
            return omemo.TrustLevel.TRUSTED   # blind trust: the test is about transport, not trust

        async def _make_trust_decision(self, undecided, identifier):
            pass

        @staticmethod
        async def _send_message(message, bare_jid):
            stanza = client.make_message(mto=bare_jid, mtype="chat")
            stanza.xml.append(flavour.etree.serialize_message(message))
            stanza.send()

    return Manager


class Device:
    """One OMEMO device: a slixmpp resource announcing +notify for the device list, and its
    python-omemo session manager."""

    def __init__(self, client, manager, flavour):
        self.client = client
        self.manager = manager
        self.flavour = flavour
        manager.own_jid = client.boundjid.bare
        self.plaintexts = []
        self.failures = []
        self.updates = 0
        client.add_event_handler("message", self._on_message)
        # slixmpp's pubsub plugin takes event messages away from "message".
        client.add_event_handler("pubsub_publish", self._on_message)

    async def device_id(self):
        own, _ = await self.manager.get_own_device_information()
        return own.device_id

    @property
    def jid(self):
        return self.client.boundjid.bare

    def _on_message(self, msg):
        asyncio.ensure_future(self._handle(msg))

    async def _handle(self, msg):
        f = self.flavour
        items = event_items(msg, f.devices)
        if items is not None:
            for item in items:
                if len(item):
                    await self.manager.update_device_list(f.ns, msg["from"].bare, f.etree.parse_device_list(item[0]))
                    self.updates += 1
            return
        encrypted = msg.xml.find(f"{{{f.ns}}}encrypted")
        if encrypted is None:
            return
        try:
            message = await f.parse_message(encrypted, msg["from"].bare, self.manager)
            plaintext, _, _ = await self.manager.decrypt(message)
            if plaintext is not None:
                self.plaintexts.append(plaintext)
        except Exception as e:   # recorded: the test decides whether it was expected
            self.failures.append(e)

    async def send(self, to, plaintext):
        messages, errors = await self.manager.encrypt(frozenset([to]), {self.flavour.ns: plaintext})
        self.assert_no_errors(errors)
        for message in messages:
            stanza = self.client.make_message(mto=to, mtype="chat", mbody="[OMEMO encrypted]")
            element = self.flavour.etree.serialize_message(message)
            stanza.xml.append(element)
            stanza.send()
            return element

    @staticmethod
    def assert_no_errors(errors):
        if errors:
            raise AssertionError(f"encryption errors: {errors}")


class OmemoTest(PepTestCase):
    flavour = Twomemo

    async def device(self, user, resource):
        f = self.flavour
        client = await self.connect_with_interests(user, resource, [f.devices])
        manager = await session_manager_class(client, f).create(
            [f.backend(storage := MemoryStorage())], storage, client.boundjid.bare, None, "BLIND")
        return Device(client, manager, f)

    async def test_omemo_between_two_users_and_a_late_device(self):
        alice_phone = await self.device("alice", "phone")
        bob_phone = await self.device("bob", "phone")
        await befriend(alice_phone.client, bob_phone.client)
        bob_laptop = await self.device("bob", "laptop")
        carol = await self.device("carol", "desk")

        # Both of bob's devices are in his list on the server, readable by anyone (open model).
        listed = self.flavour.etree.parse_device_list(
            (await fetch_items(carol.client, BOB, self.flavour.devices))[0][0])
        self.assertEqual(len(listed), 2)
        # alice learnt bob's list through the PEP notification (+notify in her caps).
        await self.wait_until(lambda: alice_phone.updates > 0, "alice's device list update")

        element = await alice_phone.send(BOB, b"only for bob")
        await self.wait_until(lambda: b"only for bob" in bob_phone.plaintexts, "bob's phone decrypting")
        await self.wait_until(lambda: b"only for bob" in bob_laptop.plaintexts, "bob's laptop decrypting")
        # Key material for bob's two devices alone (alice has no other device; carol none).
        self.assertEqual(self.flavour.recipients(element), {await bob_phone.device_id(), await bob_laptop.device_id()})
        # carol has the ciphertext and cannot read it.
        with self.assertRaises(Exception):
            await carol.manager.decrypt(await self.flavour.parse_message(element, ALICE, carol.manager))
        self.assertEqual(bob_phone.failures + bob_laptop.failures, [])

        # A third device of bob: it publishes itself into his device list, alice is notified
        # through PEP and encrypts the next message for it too.
        before = alice_phone.updates
        bob_tablet = await self.device("bob", "tablet")
        await self.wait_until(lambda: alice_phone.updates > before, "alice hearing of bob's tablet")
        listed = self.flavour.etree.parse_device_list(
            (await fetch_items(carol.client, BOB, self.flavour.devices))[0][0])
        self.assertEqual(len(listed), 3)
        element = await alice_phone.send(BOB, b"the tablet reads this")
        for device in (bob_phone, bob_laptop, bob_tablet):
            await self.wait_until(lambda d=device: b"the tablet reads this" in d.plaintexts,
                                  f"{device.client.boundjid} decrypting the second message")
        self.assertEqual(self.flavour.recipients(element),
                         {await d.device_id() for d in (bob_phone, bob_laptop, bob_tablet)})
        self.assertEqual(bob_tablet.failures, [])

    async def wait_until(self, predicate, what, timeout=20):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError("timed out waiting for " + what)
            await asyncio.sleep(0.05)


class LegacyOmemoTest(OmemoTest):
    """The same with the OMEMO version today's clients publish (a bundle node per device)."""
    flavour = Oldmemo


if __name__ == "__main__":
    import im_support
    im_support.main()
