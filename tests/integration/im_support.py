"""Helpers for the instant messaging tests (issue 3): a fresh server and data directory for every
test, clients that become available and interested, and bounded waits on what a client got."""

import asyncio
import time

import harness
from harness import DOMAIN, Server, ServerTestCase

ROSTER_NS = "jabber:iq:roster"
DELAY_NS = "urn:xmpp:delay"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"


def bare(user):
    return f"{user}@{DOMAIN}"


def local(tag):
    return tag.split("}")[-1]


class ImTestCase(ServerTestCase):
    """Like ServerTestCase, but every test gets its own server and data directory."""

    server_config = None

    @classmethod
    def setUpClass(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        pass

    async def asyncSetUp(self):
        await super().asyncSetUp()
        self.server = Server(config_text=self.server_config).start()
        self.addCleanup(self.server.cleanup)
        for user, password in self.users.items():
            self.server.add_user(user, password)

    async def connect(self, user, resource, *, available=True, priority=0, show=None, status=None,
                      roster=True):
        """Logs in; optionally gets the roster (interested) and sends presence (available)."""
        client = self.client(user, resource=resource)
        await client.online()
        if roster:
            await fetch_roster(client)
        if available:
            client.send_presence(pshow=show, pstatus=status, ppriority=priority)
            # Our own presence comes back (RFC 6121 §4.2.2): then the server has processed it.
            await expect(client, lambda s: is_presence(s, frm=str(client.boundjid)), "own presence")
        return client


async def fetch_roster(client, ver=None, timeout=10):
    """A roster get; returns {jid: item element} of the result, or None for an empty result."""
    iq = client.Iq()
    iq["type"] = "get"
    query = iq.xml.makeelement(f"{{{ROSTER_NS}}}query", {})
    if ver is not None:
        query.set("ver", ver)
    iq.xml.append(query)
    result = await iq.send(timeout=timeout)
    found = result.xml.find(f"{{{ROSTER_NS}}}query")
    if found is None:
        return None
    return {item.get("jid"): item for item in found.findall(f"{{{ROSTER_NS}}}item")}


async def roster_set(client, jid, *, name=None, groups=(), remove=False, timeout=10):
    iq = client.Iq()
    iq["type"] = "set"
    query = iq.xml.makeelement(f"{{{ROSTER_NS}}}query", {})
    attrs = {"jid": jid}
    if name is not None:
        attrs["name"] = name
    if remove:
        attrs["subscription"] = "remove"
    item = query.makeelement(f"{{{ROSTER_NS}}}item", attrs)
    for group in groups:
        g = item.makeelement(f"{{{ROSTER_NS}}}group", {})
        g.text = group
        item.append(g)
    query.append(item)
    iq.xml.append(query)
    return await iq.send(timeout=timeout)


def is_presence(stanza, *, frm=None, ptype=None):
    xml = stanza.xml
    if local(xml.tag) != "presence":
        return False
    if frm is not None and xml.get("from") != frm:
        return False
    if ptype is not None and (xml.get("type") or "available") != ptype:
        return False
    return True


def is_message(stanza, *, body=None):
    xml = stanza.xml
    if local(xml.tag) != "message":
        return False
    if body is not None:
        b = xml.find("{jabber:client}body")
        return b is not None and b.text == body
    return True


def roster_pushes(client, jid):
    """The items of every roster push the client got for `jid`, in order."""
    items = []
    for stanza in client.received:
        xml = stanza.xml
        if local(xml.tag) != "iq" or xml.get("type") != "set":
            continue
        query = xml.find(f"{{{ROSTER_NS}}}query")
        if query is None:
            continue
        for item in query.findall(f"{{{ROSTER_NS}}}item"):
            if item.get("jid") == jid:
                items.append(item)
    return items


async def expect(client, predicate, what, timeout=10, start=0):
    """Waits (bounded) until the client has received a stanza matching predicate; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        for stanza in client.received[start:]:
            if predicate(stanza):
                return stanza
        if time.monotonic() >= deadline:
            got = "\n".join(str(s) for s in client.received[-15:])
            raise AssertionError(f"{client.boundjid} timed out after {timeout}s waiting for {what}; last got:\n{got}")
        await asyncio.sleep(0.05)


async def round_trip(client, timeout=10):
    """A ping to the server: everything the client sent before has been processed once it returns."""
    await client.plugin["xep_0199"].ping(jid=DOMAIN, timeout=timeout)


async def befriend(a, b):
    """The full RFC 6121 §3 handshake both ways; both end with subscription 'both'."""
    a_jid, b_jid = a.boundjid.bare, b.boundjid.bare
    a.send_presence(pto=b_jid, ptype="subscribe")
    await expect(b, lambda s: is_presence(s, frm=a_jid, ptype="subscribe"), "subscribe from " + a_jid)
    b.send_presence(pto=a_jid, ptype="subscribed")
    await expect(a, lambda s: is_presence(s, frm=b_jid, ptype="subscribed"), "subscribed from " + b_jid)
    b.send_presence(pto=a_jid, ptype="subscribe")
    await expect(a, lambda s: is_presence(s, frm=b_jid, ptype="subscribe"), "subscribe from " + b_jid)
    a.send_presence(pto=b_jid, ptype="subscribed")
    await expect(b, lambda s: is_presence(s, frm=a_jid, ptype="subscribed"), "subscribed from " + a_jid)
    await round_trip(a)
    await round_trip(b)


def main():
    harness.main()
