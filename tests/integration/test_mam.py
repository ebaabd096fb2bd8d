"""XEP-0313 Message Archive Management and XEP-0359 stanza ids with real clients: slixmpp (its
xep_0313 plugin pages through the archive with XEP-0059) for alice's laptop and phone and for bob,
and nbxmpp (Gajim's library, its MAM module) as a second, independent library."""

import asyncio
import datetime
import sqlite3
import uuid
import xml.etree.ElementTree as ET

import harness
from harness import DOMAIN, ServerTestCase
from im_support import local, round_trip

MAM_NS = "urn:xmpp:mam:2"
SID_NS = "urn:xmpp:sid:0"
RSM_NS = "http://jabber.org/protocol/rsm"
FORWARD_NS = "urn:xmpp:forward:0"
CARBONS_NS = "urn:xmpp:carbons:2"
ALICE, BOB, CAROL = f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"carol@{DOMAIN}"


def stanza_ids(message_xml, by):
    return [e.get("id") for e in message_xml.findall(f"{{{SID_NS}}}stanza-id") if e.get("by") == by]


def body_of(message_xml):
    body = message_xml.find("{jabber:client}body")
    return None if body is None else body.text


def forwarded_message(result_message):
    """The archived message inside a slixmpp MAM result (or a raw <message><result/>)."""
    xml = result_message.xml if hasattr(result_message, "xml") else result_message
    return xml.find(f"{{{MAM_NS}}}result/{{{FORWARD_NS}}}forwarded/{{jabber:client}}message")


async def raw_query(client, fields=(), rsm="", timeout=10):
    """A MAM query built by hand (for the #extended fields); returns (iq, [(id, message xml)])."""
    queryid = uuid.uuid4().hex
    form = ""
    if fields:
        form = (f"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
                f"<value>{MAM_NS}</value></field>")
        form += "".join(f"<field var='{var}'><value>{value}</value></field>" for var, value in fields)
        form += "</x>"
    payload = ET.fromstring(f"<query xmlns='{MAM_NS}' queryid='{queryid}'>{form}"
                            f"<set xmlns='{RSM_NS}'>{rsm}</set></query>")
    iq = client.make_iq_set()
    iq.set_payload(payload)
    start = len(client.received)
    try:
        answer = await iq.send(timeout=timeout)
        answer_xml = answer.xml
    except Exception as error:   # IqError: keep the error stanza for the assertion
        answer_xml = error.iq.xml if hasattr(error, "iq") else None
    results = []
    for stanza in client.received[start:]:
        result = stanza.xml.find(f"{{{MAM_NS}}}result")
        if result is not None and result.get("queryid") == queryid:
            results.append((result.get("id"), forwarded_message(stanza.xml)))
    return answer_xml, results


async def set_prefs(client, default, always=(), never=()):
    payload = ET.fromstring(
        f"<prefs xmlns='{MAM_NS}' default='{default}'>"
        f"<always>{''.join(f'<jid>{j}</jid>' for j in always)}</always>"
        f"<never>{''.join(f'<jid>{j}</jid>' for j in never)}</never></prefs>")
    iq = client.make_iq_set()
    iq.set_payload(payload)
    answer = await iq.send(timeout=10)
    return answer.xml.find(f"{{{MAM_NS}}}prefs")


class MamTest(ServerTestCase):

    def client(self, user, password=None, resource=None, **kwargs):
        kwargs.setdefault("plugins", ("xep_0030", "xep_0199", "xep_0297", "xep_0280", "xep_0059", "xep_0313"))
        return super().client(user, password, resource, **kwargs)

    async def conversation(self, tag, n=30):
        """alice's laptop and phone (carbons on) and bob talk; returns the phone and the ids the
        phone saw live, in order: received messages carry alice's stanza-id, sent carbons too.
        self.started: a time (whole seconds) after every earlier message and before these."""
        self.started = (datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
                        + datetime.timedelta(seconds=1))
        await asyncio.sleep(1.2)
        laptop = await self.client("alice", resource=f"laptop-{tag}").online()
        phone = await self.client("alice", resource=f"phone-{tag}").online()
        bob = await self.client("bob", resource=f"home-{tag}").online()
        for c in (laptop, phone, bob):
            c.send_presence()
        for c in (laptop, phone):
            await c.plugin["xep_0280"].enable(timeout=10)
        await round_trip(bob)
        start = len(phone.received)
        for i in range(n):
            if i % 2 == 0:
                bob.send_message(mto=ALICE, mbody=f"{tag}-{i}", mtype="chat")
                await round_trip(bob)
            else:
                laptop.send_message(mto=BOB, mbody=f"{tag}-{i}", mtype="chat")
                await round_trip(laptop)
        await round_trip(phone)
        live = []
        for stanza in phone.received[start:]:
            xml = stanza.xml
            if local(xml.tag) != "message":
                continue
            sent = xml.find(f"{{{CARBONS_NS}}}sent/{{{FORWARD_NS}}}forwarded/{{jabber:client}}message")
            message = sent if sent is not None else xml
            body = body_of(message)
            if body and body.startswith(f"{tag}-"):
                ids = stanza_ids(message, ALICE)
                self.assertEqual(len(ids), 1, ET.tostring(xml))
                live.append((body, ids[0]))
        self.assertEqual([b for b, _ in live], [f"{tag}-{i}" for i in range(n)])
        return laptop, phone, bob, live

    async def test_second_client_pages_through_the_conversation(self):
        laptop, phone, bob, live = await self.conversation("page")
        # A client that was not there fetches the conversation in pages of 10.
        reader = await self.client("alice", resource="reader").online()
        pages = []
        async for page in reader.plugin["xep_0313"].retrieve(with_jid=BOB, start=self.started, iterator=True,
                                                                  rsm={"max": 10}):
            pages.append([(m["mam_result"]["id"], body_of(forwarded_message(m))) for m in page["mam"]["results"]])
        self.assertEqual([len(p) for p in pages], [10, 10, 10])
        fetched = [(body, mid) for p in pages for mid, body in p]
        self.assertEqual(fetched, live)
        # The archived message is the one bob sent (his full JID as from).
        _, results = await raw_query(reader, [("with", BOB), ("after-id", live[-2][1])], "<max>1</max>")
        self.assertEqual(results[0][1].get("from"), f"{ALICE}/laptop-page")   # m29: alice's
        # bob's own archive holds the same conversation under his own ids.
        _, bob_rows = await raw_query(bob, [("with", ALICE), ("start", self.started.strftime("%Y-%m-%dT%H:%M:%SZ"))],
                                      "<max>50</max>")
        self.assertEqual([body_of(m) for _, m in bob_rows], [b for b, _ in live])
        self.assertEqual(len(set(mid for mid, _ in bob_rows) & set(mid for _, mid in live)), 0)

    async def test_before_id_after_id_and_with(self):
        laptop, phone, bob, live = await self.conversation("filters", n=10)
        carol = await self.client("carol", resource="desk").online()
        carol.send_presence()
        await round_trip(carol)
        carol.send_message(mto=ALICE, mbody="from carol", mtype="chat")
        await round_trip(carol)
        await round_trip(phone)

        ids = [mid for _, mid in live]
        answer, rows = await raw_query(phone, [("with", BOB), ("after-id", ids[2]), ("before-id", ids[7])], "<max>50</max>")
        self.assertEqual([mid for mid, _ in rows], ids[3:7])
        self.assertEqual(answer.find(f"{{{MAM_NS}}}fin").get("complete"), "true")
        self.assertEqual(answer.find(f"{{{MAM_NS}}}fin/{{{RSM_NS}}}set/{{{RSM_NS}}}count").text, "4")
        _, rows = await raw_query(phone, [("after-id", ids[-1])])
        self.assertEqual([body_of(m) for _, m in rows], ["from carol"])
        _, rows = await raw_query(phone, [("with", CAROL)])
        self.assertEqual([body_of(m) for _, m in rows], ["from carol"])
        _, rows = await raw_query(phone, [("before-id", ids[1])])
        self.assertEqual([mid for mid, _ in rows], ids[:1])
        # slixmpp's own 'with' filter agrees.
        result = await phone.plugin["xep_0313"].retrieve(with_jid=CAROL, timeout=10)
        self.assertEqual([body_of(forwarded_message(m)) for m in result["mam"]["results"]], ["from carol"])
        answer, _ = await raw_query(phone, [("after-id", "no-such-id")])
        self.assertIsNotNone(answer.find("{jabber:client}error/{urn:ietf:params:xml:ns:xmpp-stanzas}item-not-found"))

    async def test_preference_never_stops_archiving(self):
        alice = await self.client("alice", resource="prefs").online()
        carol = await self.client("carol", resource="prefs").online()
        for c in (alice, carol):
            c.send_presence()
        await round_trip(carol)
        _, earlier = await raw_query(alice, [("with", CAROL)], "<max>250</max>")
        prefs = await set_prefs(alice, "never")
        try:
            self.assertEqual(prefs.get("default"), "never")
            start = len(alice.received)
            carol.send_message(mto=ALICE, mbody="not kept", mtype="chat")
            await round_trip(carol)
            alice.send_message(mto=CAROL, mbody="nor this", mtype="chat")
            await round_trip(alice)
            live = [s.xml for s in alice.received[start:] if body_of(s.xml) == "not kept"]
            self.assertEqual(len(live), 1)
            self.assertEqual(stanza_ids(live[0], ALICE), [])   # nothing archived, nothing to point at
            _, rows = await raw_query(alice, [("with", CAROL)], "<max>250</max>")
            self.assertEqual([mid for mid, _ in rows], [mid for mid, _ in earlier])
            # carol's archive still has both.
            _, carol_rows = await raw_query(carol, [("with", ALICE)], "<max>250</max>")
            self.assertEqual([body_of(m) for _, m in carol_rows][-2:], ["not kept", "nor this"])
        finally:
            await set_prefs(alice, "always")
        # Back to always: archived again.
        carol.send_message(mto=ALICE, mbody="kept", mtype="chat")
        await round_trip(carol)
        await round_trip(alice)
        _, rows = await raw_query(alice, [("with", CAROL)], "<max>250</max>")
        self.assertEqual([body_of(m) for _, m in rows], [body_of(m) for _, m in earlier] + ["kept"])

    async def test_nbxmpp_queries_the_archive(self):
        """A second library: nbxmpp's MAM module pages through alice's archive."""
        import nbxmpp_support
        # nbxmpp 4.2 cannot build a 'with' field (its jid-single field fails without options), so
        # it asks by time: from a second after every earlier test's messages.
        laptop, phone, bob, live = await self.conversation("nb", n=12)
        start = self.started
        nb = nbxmpp_support.NbClient("alice", self.users["alice"], self.server.c2s_port, resource="nb")
        try:
            await nb.online()
            results = []
            nb.on_message(lambda message, properties: results.append((message, properties)))
            after = None
            pages = 0
            while True:
                data = await nb.call(lambda cb: nb.client.get_module("MAM").make_query(
                    ALICE, queryid=f"nb{pages}", start=start, after=after, max_=5, callback=cb))
                pages += 1
                after = data.rsm.last
                if data.complete or pages > 5:
                    break
            await nb.pump(0.3)
            self.assertEqual(pages, 3)   # 5 + 5 + 2
            self.assertEqual(nbxmpp_support.mam_results(results), [(mid, body) for body, mid in live])
        finally:
            await nb.close()


class MamRetentionTest(ServerTestCase):
    """archive_expires_after: rows older than the configured days are purged by the server."""

    server_config = "archive_expires_after = 30\n"

    async def test_expired_rows_are_purged(self):
        alice = await self.client("alice", resource="r", plugins=("xep_0030", "xep_0199")).online()
        bob = await self.client("bob", resource="r", plugins=("xep_0030", "xep_0199")).online()
        for c in (alice, bob):
            c.send_presence()
        await round_trip(bob)
        for body in ("old", "new"):
            bob.send_message(mto=ALICE, mbody=body, mtype="chat")
        await round_trip(bob)
        await round_trip(alice)
        # Age one row by 40 days with the server stopped, then start it again: its first purge
        # pass runs a few seconds after the start.
        for c in (alice, bob):
            await c.offline()
        self.server.stop()
        db = sqlite3.connect(f"{self.server.data_dir}/switchboard.sqlite", timeout=10)
        with db:
            aged = db.execute("UPDATE mam_archive SET stamp = stamp - 40 * 86400000 "
                              "WHERE stanza LIKE '%>old<%'").rowcount
        db.close()
        self.assertEqual(aged, 2)   # alice's row and bob's
        self.server.ports = {}
        self.server.start()
        alice = await self.client("alice", resource="r2", plugins=("xep_0030", "xep_0199")).online()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while True:
            _, rows = await raw_query(alice, [("with", BOB)])
            bodies = [body_of(m) for _, m in rows]
            if bodies == ["new"] or loop.time() > deadline:
                break
            await asyncio.sleep(0.5)
        self.assertEqual(bodies, ["new"])


if __name__ == "__main__":
    harness.main()
