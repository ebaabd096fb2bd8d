"""A slixmpp client driven step by step over stdin, for the console's widget tests
(tests/unit/tst_mainwindow.cpp). It reports what happens as JSON lines on stdout.

    console_client.py --jid alice@localhost/desk --password secret --port 5222 [--gated] [--accept] [--caps]

With --gated it stops before SASL and before binding until told "auth" / "bind", so the test
can see each state of the session in the table. Commands, one per line:
    auth | bind | presence [SHOW [STATUS...]] | roster | subscribe JID | quit
    join ROOM/NICK (XEP-0045, no history) | instant ROOM (accept a new room's default configuration)
    subject ROOM TEXT...
With --sm it enables stream management with resumption (XEP-0198), and also takes
    cut (the TCP connection dies, no </stream>) | reconnect (and try to resume)
Events: started, connected, waiting{step}, authenticated, bound{jid}, online, roster{count},
presence{from,type,show,status,codes,destroyed}, subscription{from,type}, disconnected{reason,stream_errors,text},
room_configured{room},
and with --sm: sm_enabled{id}, cut, resumed, sm_failed.
Every wait is bounded: the script exits by itself after --lifetime seconds.
"""

import argparse
import asyncio
import json
import os
import sys
import threading
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client  # noqa: E402  (the lead's loopback-only slixmpp client)


def emit(event, **fields):
    print(json.dumps({"event": event, **fields}), flush=True)


def local_name(tag):
    return tag.split("}")[-1]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gated", action="store_true", help="wait for 'auth' and 'bind'")
    parser.add_argument("--accept", action="store_true", help="answer subscription requests both ways")
    parser.add_argument("--caps", action="store_true", help="advertise an XEP-0115 caps node in presence")
    parser.add_argument("--sm", action="store_true", help="XEP-0198 with resumption; 'cut' and 'reconnect'")
    parser.add_argument("--nick", help="announce this XEP-0172 nickname in presence")
    parser.add_argument("--mechanism", help="the only SASL mechanism to use, e.g. SCRAM-SHA-256")
    parser.add_argument("--lifetime", type=float, default=100.0)
    args = parser.parse_args()

    loop = asyncio.get_running_loop()
    client = Client(args.jid, args.password, args.port, mechanism=args.mechanism)
    if args.caps:
        client.register_plugin("xep_0115")
    cut = {"pending": False}
    if args.sm:
        client.register_plugin("xep_0198")
        client.add_event_handler("sm_enabled", lambda st: emit("sm_enabled", id=st["id"]))
        client.add_event_handler("session_resumed", lambda _: emit("resumed"))
        client.add_event_handler("sm_failed", lambda _: emit("sm_failed"))
    if args.accept:
        client.roster.auto_authorize = True
        client.roster.auto_subscribe = True
    done = asyncio.Event()
    gates = {"auth": asyncio.Event(), "bind": asyncio.Event()}
    if not args.gated:
        for gate in gates.values():
            gate.set()

    # Hold the SASL and bind stream features until the test says go.
    for feature, gate in (("mechanisms", "auth"), ("bind", "bind")):
        handler, restart = client._stream_feature_handlers[feature]

        async def gated(features, handler=handler, gate=gate):
            if not gates[gate].is_set():
                emit("waiting", step=gate)
                await gates[gate].wait()
            result = handler(features)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        client._stream_feature_handlers[feature] = (gated, restart)

    def on_incoming(stanza):
        xml = stanza.xml
        if local_name(xml.tag) == "presence":
            kind = xml.get("type", "available")
            if kind in ("subscribe", "subscribed", "unsubscribe", "unsubscribed"):
                emit("subscription", **{"from": xml.get("from", ""), "type": kind})
            else:
                show = xml.find("{jabber:client}show")
                status = xml.find("{jabber:client}status")
                # XEP-0045 §15.6: the room's status codes, and whether it was destroyed (§10.9).
                muc = xml.find("{http://jabber.org/protocol/muc#user}x")
                codes = [c.get("code", "") for c in muc.findall("{http://jabber.org/protocol/muc#user}status")] \
                    if muc is not None else []
                destroyed = muc is not None and muc.find("{http://jabber.org/protocol/muc#user}destroy") is not None
                emit("presence", **{"from": xml.get("from", ""), "type": kind,
                                    "show": show.text if show is not None else "",
                                    "status": status.text if status is not None else "",
                                    "codes": codes, "destroyed": destroyed})
        return stanza

    client.add_filter("in", on_incoming)
    client.add_event_handler("connected", lambda _: emit("connected"))
    client.add_event_handler("auth_success", lambda _: emit("authenticated"))
    client.add_event_handler("session_bind", lambda jid: emit("bound", jid=str(jid)))
    client.add_event_handler("session_start", lambda _: emit("online"))

    def on_failed_all_auth(_):
        emit("auth_failed", failures=client.sasl_failures)
        client.disconnect()

    client.add_event_handler("failed_all_auth", on_failed_all_auth)

    def on_disconnected(reason):
        if cut["pending"]:
            cut["pending"] = False
            emit("cut")
            return
        emit("disconnected", reason=str(reason), stream_errors=client.stream_errors,
             text=client.stream_error_text() or "")
        done.set()

    client.add_event_handler("disconnected", on_disconnected)
    client.add_event_handler("connection_failed", lambda e: (emit("disconnected", reason=f"connect failed: {e}",
                                                                  stream_errors=[], text=""), done.set()))

    async def command(line):
        words = line.split()
        if not words:
            return
        name, rest = words[0], words[1:]
        if name in gates:
            gates[name].set()
        elif name == "presence":
            show = rest[0] if rest and rest[0] != "-" else None
            status = " ".join(rest[1:]) or None
            if args.caps:
                # slixmpp only adds <c/> once the verification string is computed.
                await client["xep_0115"].update_caps(broadcast=False)
            presence = client.make_presence(pshow=show, pstatus=status)
            if args.nick:
                nick = ET.SubElement(presence.xml, "{http://jabber.org/protocol/nick}nick")
                nick.text = args.nick
            presence.send()
            emit("presence_sent")
        elif name == "roster":
            await client.get_roster(timeout=10)
            emit("roster", count=len(client.client_roster.keys()))
        elif name == "subscribe" and rest:
            client.send_presence_subscription(pto=rest[0])
            emit("subscribe_sent", to=rest[0])
        elif name == "join" and rest:
            presence = client.make_presence(pto=rest[0])
            x = ET.SubElement(presence.xml, "{http://jabber.org/protocol/muc}x")
            ET.SubElement(x, "{http://jabber.org/protocol/muc}history", maxstanzas="0")
            presence.send()
            emit("join_sent", to=rest[0])
        elif name == "instant" and rest:
            iq = client.make_iq_set(ito=rest[0])
            query = ET.SubElement(iq.xml, "{http://jabber.org/protocol/muc#owner}query")
            ET.SubElement(query, "{jabber:x:data}x", type="submit")
            await iq.send(timeout=10)
            emit("room_configured", room=rest[0])
        elif name == "subject" and len(rest) >= 2:
            message = client.make_message(mto=rest[0], mtype="groupchat")
            message["subject"] = " ".join(rest[1:])
            message.send()
            emit("subject_sent", room=rest[0])
        elif name == "cut" and args.sm:
            cut["pending"] = True
            client.abort()
        elif name == "reconnect" and args.sm:
            client.start()
        elif name == "quit":
            client.disconnect()
            await asyncio.sleep(1)
            done.set()
        else:
            emit("error", message=f"unknown command {line!r}")

    def on_command(line):
        async def run():
            try:
                await command(line)
            except Exception as e:  # reported, never fatal: the test decides
                emit("error", message=f"{line!r}: {e!r}")
        asyncio.ensure_future(run())

    def read_stdin():
        for line in sys.stdin:
            loop.call_soon_threadsafe(on_command, line.strip())
        loop.call_soon_threadsafe(done.set)   # the test went away

    threading.Thread(target=read_stdin, daemon=True).start()
    emit("started")
    client.start()
    try:
        await asyncio.wait_for(done.wait(), args.lifetime)
    except asyncio.TimeoutError:
        emit("error", message="lifetime over")
    if client.is_connected():
        client.abort()


if __name__ == "__main__":
    asyncio.run(main())
    os._exit(0)
