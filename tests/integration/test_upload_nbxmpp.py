"""XEP-0363 with a second, independent library: nbxmpp (Gajim's) requests the slot through its
HTTPUpload module; http.client puts and gets the bytes. Also its error path: a request over the
limit raises nbxmpp's HTTPUploadStanzaError carrying not-acceptable."""

import hashlib
import os
import unittest

from nbxmpp.errors import HTTPUploadStanzaError

from harness import DOMAIN, ServerTestCase
from nbxmpp_support import NbClient
from upload_support import arequest, https_port

MAX_SIZE = 1024 * 1024


class NbxmppUploadTest(ServerTestCase):
    server_config = f"upload_max_size = {MAX_SIZE}\n"

    async def test_slot_upload_download(self):
        port = https_port(self.server)
        nb = NbClient("alice", self.users["alice"], self.server.c2s_port)
        try:
            await nb.online()
            upload = nb.client.get_module("HTTPUpload")
            data = os.urandom(300 * 1024)
            slot = await nb.call(lambda cb: upload.request_slot(f"upload.{DOMAIN}", "scan 1.pdf", len(data),
                                                                "application/pdf", callback=cb))
            self.assertIn(f":{port}/upload/", slot.put_uri)
            self.assertNotEqual(slot.put_uri, slot.get_uri)
            r = await arequest(self.server, "PUT", slot.put_uri, data, {"Content-Type": "application/pdf", **slot.headers})
            self.assertEqual(r.status, 201)
            r = await arequest(self.server, "GET", slot.get_uri)
            self.assertEqual(r.status, 200)
            self.assertEqual(hashlib.sha256(r.body).digest(), hashlib.sha256(data).digest())
            self.assertEqual(r.headers["content-type"], "application/pdf")
            self.assertTrue(r.headers["content-disposition"].startswith("attachment"))

            with self.assertRaises(HTTPUploadStanzaError) as caught:
                await nb.call(lambda cb: upload.request_slot(f"upload.{DOMAIN}", "big.bin", MAX_SIZE + 1,
                                                             "application/octet-stream", callback=cb))
            self.assertEqual(caught.exception.condition, "not-acceptable")
        finally:
            await nb.close()


if __name__ == "__main__":
    unittest.main()
