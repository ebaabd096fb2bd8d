"""Logs in once and publishes what the console's profile view shows: a nickname (XEP-0172), an
avatar (XEP-0084 data and metadata) and an OMEMO device list and bundle (XEP-0384), the OMEMO
ones open to contacts. For tests/unit/tst_userprofileview.cpp; exits 0 when all were accepted.

    pep_publish_client.py --jid alice@localhost --password secret --port 5222 --png FILE
"""

import argparse
import asyncio
import base64
import hashlib
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Client  # noqa: E402
from pep_support import call, publish_xml  # noqa: E402

OMEMO = "eu.siacs.conversations.axolotl"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jid", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--png", required=True)
    args = parser.parse_args()
    png = open(args.png, "rb").read()
    sha = hashlib.sha1(png).hexdigest()
    client = Client(args.jid, args.password, args.port)
    await asyncio.wait_for(client.online(), 30)
    open_model = {"pubsub#access_model": "open"}
    requests = [
        publish_xml("http://jabber.org/protocol/nick", "current",
                    "<nick xmlns='http://jabber.org/protocol/nick'>Wonder Alice</nick>"),
        publish_xml("urn:xmpp:avatar:data", sha, f"<data xmlns='urn:xmpp:avatar:data'>{base64.b64encode(png).decode()}</data>",
                    open_model),
        publish_xml("urn:xmpp:avatar:metadata", sha,
                    f"<metadata xmlns='urn:xmpp:avatar:metadata'><info id='{sha}' bytes='{len(png)}' type='image/png'/></metadata>",
                    open_model),
        publish_xml(OMEMO + ".devicelist", "current", f"<list xmlns='{OMEMO}'><device id='42'/></list>", open_model),
        publish_xml(OMEMO + ".bundles:42", "current", f"<bundle xmlns='{OMEMO}'><identityKey>AAAA</identityKey></bundle>",
                    open_model),
    ]
    failed = 0
    for payload in requests:
        kind, detail = await call(client, "set", payload, timeout=20)
        if kind != "result":
            print("refused:", detail, file=sys.stderr)
            failed += 1
    client.disconnect()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
