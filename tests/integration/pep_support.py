"""Helpers for the personal eventing tests: clients that announce +notify interests through
XEP-0115 caps, raw pubsub requests, and the error of a refused iq as (condition, pubsub#errors
condition)."""

import asyncio
import xml.etree.ElementTree as ET

from slixmpp.exceptions import IqError, IqTimeout

from im_support import ImTestCase, expect, fetch_roster, is_presence, local

PUBSUB_NS = "http://jabber.org/protocol/pubsub"
OWNER_NS = "http://jabber.org/protocol/pubsub#owner"
EVENT_NS = "http://jabber.org/protocol/pubsub#event"
ERRORS_NS = "http://jabber.org/protocol/pubsub#errors"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
DATA_NS = "jabber:x:data"
PLUGINS = ("xep_0030", "xep_0199", "xep_0092", "xep_0004", "xep_0060", "xep_0115", "xep_0163")


def form(form_type, fields, ftype="submit"):
    """A jabber:x:data form as XML text."""
    out = [f"<x xmlns='{DATA_NS}' type='{ftype}'><field var='FORM_TYPE' type='hidden'><value>{form_type}</value></field>"]
    for var, value in fields.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        out.append(f"<field var='{var}'>" + "".join(f"<value>{v}</value>" for v in values) + "</field>")
    out.append("</x>")
    return "".join(out)


def publish_options(fields):
    return f"<publish-options>{form(PUBSUB_NS + '#publish-options', fields)}</publish-options>"


def publish_xml(node, item_id, payload, options=None):
    item = f"<item id='{item_id}'>{payload}</item>" if item_id else f"<item>{payload}</item>"
    return (f"<pubsub xmlns='{PUBSUB_NS}'><publish node='{node}'>{item}</publish>"
            + (publish_options(options) if options else "") + "</pubsub>")


def error_of(iq_xml):
    """(stanza condition, pubsub#errors condition or None) of an error iq."""
    error = iq_xml.find("{jabber:client}error")
    if error is None:
        return None
    condition = next((local(c.tag) for c in error if c.tag.startswith("{%s}" % STANZAS_NS) and local(c.tag) != "text"),
                     None)
    app = next((local(c.tag) for c in error if c.tag.startswith("{%s}" % ERRORS_NS)), None)
    return condition, app


async def call(client, itype, payload_xml, to=None, timeout=10):
    """Sends an iq with the payload; returns ("result", xml) or ("error", (condition, app))."""
    iq = client.Iq()
    iq["type"] = itype
    if to:
        iq["to"] = to
    iq.xml.append(ET.fromstring(payload_xml))
    try:
        result = await iq.send(timeout=timeout)
        return "result", result.xml
    except IqError as e:
        return "error", error_of(e.iq.xml)
    except IqTimeout:
        raise AssertionError("no answer to " + payload_xml[:200])


def event_items(stanza, node=None):
    """The <items/> of a pubsub event message, or None."""
    xml = stanza.xml
    if local(xml.tag) != "message":
        return None
    event = xml.find(f"{{{EVENT_NS}}}event")
    if event is None:
        return None
    items = event.find(f"{{{EVENT_NS}}}items")
    if items is None or (node is not None and items.get("node") != node):
        return None
    return items


def event_item_ids(stanza, node=None):
    items = event_items(stanza, node)
    return [] if items is None else [i.get("id") for i in items.findall(f"{{{EVENT_NS}}}item")]


class PepTestCase(ImTestCase):

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", PLUGINS)
        return super().client(user, password, resource, **kwargs)

    async def connect_with_interests(self, user, resource, interests=(), *, available=True):
        """Logs in, announces `<node>+notify` for each interest in its caps, then (optionally)
        sends the initial presence carrying those caps."""
        client = self.client(user, resource=resource)
        await client.online()
        await fetch_roster(client)
        for node in interests:
            client["xep_0030"].add_feature(node + "+notify")
        await client["xep_0115"].update_caps(broadcast=False)
        if available:
            client.send_presence()
            await expect(client, lambda s: is_presence(s, frm=str(client.boundjid)), "own presence")
        return client


async def wait_quiet(client, seconds=0.5):
    await asyncio.sleep(seconds)
