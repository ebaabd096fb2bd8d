#!/usr/bin/env python3
"""Logs one account in to a running Switchboard on 127.0.0.1 over STARTTLS (RFC 6120 §5) with
slixmpp, and exits 0 only when the session started on an encrypted stream. Used by
scripts/check-fresh-machine.sh --package against the installed package; the server's
certificate is self-signed, so it is not verified here (this checks the login, not the PKI).

  fresh-login-check.py --jid alice@localhost/fresh --password secret [--port 5222]"""

import argparse
import asyncio
import ssl
import sys

import slixmpp


class LoginCheck(slixmpp.ClientXMPP):
    def __init__(self, jid, password, port):
        super().__init__(jid, password)
        self.port = port
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.ssl_context = ctx
        self.encrypted = False
        self.result = None
        self.done = asyncio.Event()
        self.closed = asyncio.Event()
        self.add_event_handler("disconnected", lambda _: self.closed.set())
        self.add_event_handler("tls_success", lambda _: setattr(self, "encrypted", True))
        self.add_event_handler("session_start", self.on_session)
        self.add_event_handler("failed_all_auth", lambda _: self.finish("authentication failed"))
        self.add_event_handler("connection_failed", lambda e: self.finish(f"connection failed: {e}"))
        self.add_event_handler("disconnected", lambda _: self.finish("disconnected before the session"))

    async def get_dns_records(self, domain, port=None):
        return [(domain, "127.0.0.1", self.port)]   # loopback only, whatever the domain says

    def finish(self, result):
        if self.result is None:
            self.result = result
        self.done.set()

    def on_session(self, _):
        self.finish("ok" if self.encrypted else "session started without TLS")
        self.disconnect()


async def run(args):
    client = LoginCheck(args.jid, args.password, args.port)
    client.connect(("127.0.0.1", args.port), force_starttls=True)
    try:
        await asyncio.wait_for(client.done.wait(), args.timeout)
    except asyncio.TimeoutError:
        client.finish(f"no session within {args.timeout} s")
    if not client.closed.is_set():   # a clean close, not tasks cut off at exit
        client.disconnect()
        try:
            await asyncio.wait_for(client.closed.wait(), 5)
        except asyncio.TimeoutError:
            pass
    return client.result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, default=5222)
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    result = asyncio.new_event_loop().run_until_complete(run(args))
    print(f"login {args.jid} over STARTTLS: {result}")
    return 0 if result == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
