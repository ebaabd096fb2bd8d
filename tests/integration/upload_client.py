"""Uploads one file as a user (XEP-0363) and prints the GET URL: the console tests' client.
Usage: upload_client.py --jid J --password P --port C2S_PORT --name NAME --size BYTES [--type T]
Logs in with slixmpp on 127.0.0.1, asks upload.DOMAIN for a slot, PUTs random bytes over HTTPS
(the self-signed certificate is not checked here), prints the GET URL, exits 0; 1 on any failure."""

import argparse
import asyncio
import http.client
import os
import ssl
import sys
import urllib.parse

from harness import Client


async def main(args):
    client = Client(args.jid, args.password, args.port, plugins=("xep_0030", "xep_0363"))
    await asyncio.wait_for(client.online(), 30)
    try:
        domain = args.jid.split("@")[1].split("/")[0]
        iq = await client.plugin["xep_0363"].request_slot(f"upload.{domain}", args.name, args.size, args.type,
                                                          timeout=15)
        put, get = iq["http_upload_slot"]["put"]["url"], iq["http_upload_slot"]["get"]["url"]
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE

        def upload():
            parts = urllib.parse.urlsplit(put)
            conn = http.client.HTTPSConnection("127.0.0.1", parts.port, timeout=30, context=ctx)
            conn.request("PUT", parts.path, os.urandom(args.size), {"Content-Type": args.type})
            return conn.getresponse().status
        status = await asyncio.to_thread(upload)
        if status != 201:
            print(f"PUT answered {status}", file=sys.stderr)
            return 1
        print(get, flush=True)
        return 0
    finally:
        await client.offline()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--type", default="application/octet-stream")
    sys.exit(asyncio.run(main(parser.parse_args())))
