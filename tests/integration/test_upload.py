"""XEP-0363 HTTP File Upload with slixmpp's xep_0363 plugin and aiohttp (trusting the server's own
certificate), and http.client for what a library would not send: a 5 MiB file goes up and comes
back byte for byte; ranges, HEAD, CORS preflight; oversized requests get file-too-large with the
limit; wrong lengths and types, reused, expired and unknown slots, path-traversal names, the quota
and expired files are all refused or removed as the spec and the config say."""

import asyncio
import hashlib
import io
import os
import time
import unittest
import urllib.parse

from slixmpp.exceptions import IqError

from harness import DOMAIN, Server, ServerTestCase, wait_for
from upload_support import arequest, certificate_path, https_port

UPLOAD_NS = "urn:xmpp:http:upload:0"
STANZAS_NS = "urn:ietf:params:xml:ns:xmpp-stanzas"
MAX_SIZE = 8 * 1024 * 1024
QUOTA = 12 * 1024 * 1024
SLOT_LIFETIME = 4
PLUGINS = ("xep_0030", "xep_0199", "xep_0363")
UPLOAD_JID = f"upload.{DOMAIN}"


def error_condition(iq):
    error = iq.xml.find("{jabber:client}error")
    for child in error:
        if child.tag.startswith("{%s}" % STANZAS_NS) and not child.tag.endswith("}text"):
            return child.tag.split("}")[1]
    return None


class UploadTest(ServerTestCase):
    server_config = (f"upload_max_size = {MAX_SIZE}\nupload_quota = {QUOTA}\n"
                     f"upload_slot_lifetime = {SLOT_LIFETIME}s\n")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.port = https_port(cls.server)
        # aiohttp (slixmpp's uploads) trusts what OpenSSL's default paths say.
        os.environ["SSL_CERT_FILE"] = certificate_path(cls.server)

    def client(self, user, **kwargs):
        kwargs.setdefault("plugins", PLUGINS)
        return super().client(user, **kwargs)

    async def discover(self, client):
        """The upload service through disco, as find_upload_service does (whose asyncio.wait of
        bare coroutines Python 3.11 refuses): the domain's items, then each item's info.
        Tells the plugin what it found, as upload_file would have."""
        items = await client.plugin["xep_0030"].get_items(jid=DOMAIN, timeout=10)
        for jid, _node, _name in items["disco_items"]["items"]:
            info = await client.plugin["xep_0030"].get_info(jid=jid, timeout=10)
            identities = info["disco_info"]["identities"]
            if any(i[0] == "store" and i[1] == "file" for i in identities) \
                    and UPLOAD_NS in info["disco_info"]["features"]:
                form = info["disco_info"].xml.find("{jabber:x:data}x")
                fields = {f.get("var"): f.findtext("{jabber:x:data}value") for f in form}
                client.plugin["xep_0363"].upload_service = info["from"]
                client.plugin["xep_0363"].max_file_size = int(fields["max-file-size"])
                return info, fields
        return None, None

    async def slot(self, client, filename, size, content_type="application/octet-stream"):
        iq = await client.plugin["xep_0363"].request_slot(UPLOAD_JID, filename, size, content_type, timeout=10)
        slot = iq["http_upload_slot"]
        return slot["put"]["url"], slot["get"]["url"]

    async def test_disco_lists_the_component_with_its_limit(self):
        alice = await self.client("alice").online()
        info, fields = await self.discover(alice)
        self.assertIsNotNone(info, "no upload service found through disco")
        self.assertEqual(str(info["from"]), UPLOAD_JID)
        self.assertEqual(fields["FORM_TYPE"], UPLOAD_NS)
        self.assertEqual(int(fields["max-file-size"]), MAX_SIZE)

    async def test_upload_and_download_five_mebibytes(self):
        alice = await self.client("alice").online()
        await self.discover(alice)
        data = os.urandom(5 * 1024 * 1024)
        started = time.monotonic()
        get_url = await alice.plugin["xep_0363"].upload_file("holiday photo.bin", size=len(data),
                                                              content_type="image/png", input_file=io.BytesIO(data),
                                                              timeout=60)
        upload_s = time.monotonic() - started
        self.assertTrue(get_url.startswith(f"https://{DOMAIN}:{self.port}/upload/"), get_url)
        self.assertTrue(get_url.endswith("/holiday%20photo.bin"), get_url)
        started = time.monotonic()
        r = await arequest(self.server, "GET", get_url)
        download_s = time.monotonic() - started
        self.assertEqual(r.status, 200)
        self.assertEqual(hashlib.sha256(r.body).hexdigest(), hashlib.sha256(data).hexdigest())
        self.assertEqual(r.headers["content-type"], "image/png")
        self.assertEqual(int(r.headers["content-length"]), len(data))
        self.assertEqual(r.headers["access-control-allow-origin"], "*")
        self.assertIn("inline", r.headers["content-disposition"])
        print(f"5 MiB over loopback HTTPS: upload {5 / upload_s:.1f} MiB/s (with the slot request), "
              f"download {5 / download_s:.1f} MiB/s")

        # Ranges (RFC 9110 §14): a middle slice, a suffix, and one past the end.
        r = await arequest(self.server, "GET", get_url, headers={"Range": "bytes=1000-1999"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, data[1000:2000])
        self.assertEqual(r.headers["content-range"], f"bytes 1000-1999/{len(data)}")
        r = await arequest(self.server, "GET", get_url, headers={"Range": "bytes=-10"})
        self.assertEqual(r.status, 206)
        self.assertEqual(r.body, data[-10:])
        r = await arequest(self.server, "GET", get_url, headers={"Range": f"bytes={len(data)}-"})
        self.assertEqual(r.status, 416)
        self.assertEqual(r.headers["content-range"], f"bytes */{len(data)}")

        r = await arequest(self.server, "HEAD", get_url)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")
        self.assertEqual(int(r.headers["content-length"]), len(data))

        # A browser's preflight before a cross-origin PUT.
        r = await arequest(self.server, "OPTIONS", get_url, headers={
            "Origin": "https://web.example", "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"})
        self.assertIn(r.status, (200, 204))
        self.assertEqual(r.headers["access-control-allow-origin"], "*")
        self.assertIn("PUT", r.headers["access-control-allow-methods"])
        self.assertIn("content-type", r.headers["access-control-allow-headers"].lower())

        # Another random id of the same shape is nobody's file.
        path = urllib.parse.urlsplit(get_url).path.split("/")
        other = "0123456789abcdef" * 2 if path[2] != "0123456789abcdef" * 2 else "f" * 32
        r = await arequest(self.server, "GET", get_url.replace(path[2], other))
        self.assertEqual(r.status, 404)
        r = await arequest(self.server, "GET", f"https://{DOMAIN}:{self.port}/upload/../switchboard.sqlite")
        self.assertEqual(r.status, 404)

    async def test_put_is_checked_against_its_slot(self):
        bob = await self.client("bob").online()
        body = b"x" * 1000
        put, get = await self.slot(bob, "notes.txt", len(body), "text/plain")
        # Shorter than announced: 400; longer: 413; another content type: 400 — and each leaves
        # the slot usable.
        r = await arequest(self.server, "PUT", put, body[:999], {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 400)
        r = await arequest(self.server, "PUT", put, body + b"y", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 413)
        r = await arequest(self.server, "PUT", put, body, {"Content-Type": "text/html"})
        self.assertEqual(r.status, 400)
        r = await arequest(self.server, "GET", get)
        self.assertEqual(r.status, 404, "nothing is stored before a valid PUT")
        # The GET URL is not a PUT URL.
        r = await arequest(self.server, "PUT", get, body, {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 403)
        r = await arequest(self.server, "PUT", put, body, {"Content-Type": "text/plain; charset=utf-8"})
        self.assertEqual(r.status, 201)
        r = await arequest(self.server, "PUT", put, body, {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 409, "a slot is good for one upload")
        r = await arequest(self.server, "GET", get)
        self.assertEqual((r.status, r.body), (200, body))

    async def test_expired_slot_is_refused(self):
        bob = await self.client("bob").online()
        put, get = await self.slot(bob, "late.bin", 10)
        await asyncio.sleep(SLOT_LIFETIME + 1)
        r = await arequest(self.server, "PUT", put, b"0123456789", {"Content-Type": "application/octet-stream"})
        self.assertIn(r.status, (403, 410))
        r = await arequest(self.server, "GET", get)
        self.assertEqual(r.status, 404)

    async def test_path_traversal_names_stay_names(self):
        bob = await self.client("bob").online()
        before = set(os.listdir(self.server.data_dir))
        for name in ("../../../etc/passwd", "..", "a/../../b\\..\\c.txt", "/absolute"):
            put, get = await self.slot(bob, name, 3)
            for url in (put, get):
                parts = urllib.parse.urlsplit(url).path.split("/")
                self.assertEqual(len(parts), 4, url)   # "", "upload", id, name
                self.assertNotIn(urllib.parse.unquote(parts[3]), ("", ".", ".."), url)
                self.assertNotIn("/", urllib.parse.unquote(parts[3]), url)
            r = await arequest(self.server, "PUT", put, b"abc", {"Content-Type": "application/octet-stream"})
            self.assertEqual(r.status, 201)
            r = await arequest(self.server, "GET", get)
            self.assertEqual((r.status, r.body), (200, b"abc"))
        self.assertEqual(set(os.listdir(self.server.data_dir)), before)
        stored = os.listdir(os.path.join(self.server.data_dir, "uploads"))
        self.assertTrue(all(len(n) == 32 and all(c in "0123456789abcdef" for c in n) for n in stored), stored)

    async def test_oversized_bodies_are_refused_unread(self):
        """A PUT is judged by its head: a Content-Length above the slot (or for no slot) is
        refused before the body is read, and a client that keeps sending anyway is cut off
        after a little, wherever it is sent; the server reads and keeps none of it."""
        import socket
        import ssl

        bob = await self.client("bob").online()
        put, _get = await self.slot(bob, "small.bin", 1000)

        def flood(path):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sent = 0
            with socket.create_connection(("127.0.0.1", self.port), timeout=30) as raw:
                with ctx.wrap_socket(raw, server_hostname=DOMAIN) as tls:
                    tls.sendall(f"PUT {path} HTTP/1.1\r\nHost: {DOMAIN}\r\n"
                                f"Content-Type: application/octet-stream\r\n"
                                f"Content-Length: {8 * MAX_SIZE}\r\n\r\n".encode())
                    chunk = b"z" * 65536
                    try:
                        while sent < 8 * MAX_SIZE:
                            tls.sendall(chunk)
                            sent += len(chunk)
                        tls.recv(1024)
                    except (ConnectionError, ssl.SSLError, socket.timeout):
                        pass
            return sent
        for path in (urllib.parse.urlsplit(put).path, f"/upload/{'a' * 32}/x"):
            sent = await asyncio.to_thread(flood, path)
            print(f"refused PUT: the client got {sent // 1024} KiB out before it was cut off")
            # The kernel's socket buffers on both sides take several MiB more than the server read.
            self.assertLess(sent, 3 * MAX_SIZE, "the server read the body")
        await wait_for(lambda: any("connection closed" in line for line in self.server.output), timeout=10,
                       what="the server's note that it cut the connection off")
        self.assertEqual(os.listdir(os.path.join(self.server.data_dir, "uploads")), [])
        self.assertTrue(self.server.alive())
        # The slot was never used.
        r = await arequest(self.server, "PUT", put, b"x" * 1000, {"Content-Type": "application/octet-stream"})
        self.assertEqual(r.status, 201)

    async def test_too_large_and_malformed_requests(self):
        bob = await self.client("bob").online()
        with self.assertRaises(IqError) as caught:
            await self.slot(bob, "huge.iso", MAX_SIZE + 1)
        iq = caught.exception.iq
        self.assertEqual(error_condition(iq), "not-acceptable")
        self.assertEqual(iq.xml.find("{jabber:client}error").get("type"), "modify")
        too_large = iq.xml.find("{jabber:client}error").find(f"{{{UPLOAD_NS}}}file-too-large")
        self.assertIsNotNone(too_large, "§5: <file-too-large/> names the limit")
        self.assertEqual(int(too_large.findtext(f"{{{UPLOAD_NS}}}max-file-size")), MAX_SIZE)
        with self.assertRaises(IqError) as caught:
            await self.slot(bob, "empty", 0)
        self.assertEqual(error_condition(caught.exception.iq), "bad-request")

    async def test_quota_counts_open_slots(self):
        carol = await self.client("carol").online()
        await self.slot(carol, "big.bin", MAX_SIZE)   # within the quota, not yet uploaded
        with self.assertRaises(IqError) as caught:
            await self.slot(carol, "more.bin", QUOTA - MAX_SIZE + 1)
        self.assertEqual(error_condition(caught.exception.iq), "resource-constraint")
        self.assertIn("quota", caught.exception.iq["error"]["text"].lower())
        await self.slot(carol, "fits.bin", QUOTA - MAX_SIZE)


class InvitePageTest(ServerTestCase):
    """The invitation landing page (XEP-0401 §5) on the same HTTPS listener, and the link that
    `switchboard invite create` prints under the xmpp: URI."""

    async def test_invite_create_prints_the_page_and_it_is_served(self):
        port = https_port(self.server)
        result = self.server.run("--upload-port", "5281", "invite", "create")
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertTrue(lines[0].startswith(f"xmpp:{DOMAIN}?register;preauth="), lines[0])
        token = lines[0].split("preauth=")[1]
        self.assertEqual(lines[1], f"https://{DOMAIN}:5281/invite?{token}")
        # The same page on the port this server actually has.
        r = await arequest(self.server, "GET", f"https://{DOMAIN}:{port}/invite?{token}")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.headers["content-type"])
        page = r.body.decode()
        self.assertIn(lines[0].replace("&", "&amp;").split(";")[0], page)
        self.assertIn(token, page)
        r = await arequest(self.server, "GET", f"https://{DOMAIN}:{port}/invite/{token}")
        self.assertEqual(r.status, 200)
        r = await arequest(self.server, "GET", f"https://{DOMAIN}:{port}/invite?{'A' * 24}")
        self.assertEqual(r.status, 404)
        revoked = self.server.run("invite", "revoke", token)
        self.assertEqual(revoked.returncode, 0, revoked.stderr)
        r = await arequest(self.server, "GET", f"https://{DOMAIN}:{port}/invite?{token}")
        self.assertEqual(r.status, 404)
        # Upload off and no invite_page_url: nothing serves a page, so none is printed.
        result = self.server.run("--upload-port", "5281", "--config", self.off_config(), "invite", "create")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertFalse(any(line.startswith("https://") for line in result.stdout.splitlines()))

    def off_config(self):
        path = os.path.join(self.server.data_dir, "off.ini")
        with open(path, "w") as f:
            f.write("upload = false\n")
        return path


class UploadExpiryTest(ServerTestCase):
    server_config = "upload_expires_after = 3s\n"

    async def test_expired_files_are_deleted(self):
        port = https_port(self.server)
        alice = self.client("alice", plugins=PLUGINS)
        await alice.online()
        iq = await alice.plugin["xep_0363"].request_slot(UPLOAD_JID, "short-lived.txt", 5, "text/plain", timeout=10)
        put, get = iq["http_upload_slot"]["put"]["url"], iq["http_upload_slot"]["get"]["url"]
        self.assertIn(f":{port}/", put)
        r = await arequest(self.server, "PUT", put, b"hello", {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 201)
        uploads = os.path.join(self.server.data_dir, "uploads")
        self.assertEqual(len(os.listdir(uploads)), 1)
        r = await arequest(self.server, "GET", get)
        self.assertEqual(r.status, 200)

        async def gone():
            return (await arequest(self.server, "GET", get)).status == 404
        deadline = time.monotonic() + 20
        while not await gone():
            self.assertLess(time.monotonic(), deadline, "the expired file is still served")
            await asyncio.sleep(0.5)
        await wait_for(lambda: not os.listdir(uploads), timeout=5, what="the file to leave the disk")


class UploadDisabledTest(ServerTestCase):
    # Nothing else on the HTTPS listener either (XMPP over WebSocket is on by default).
    server_config = "upload = false\nwebsocket = false\n"

    async def test_no_component_and_no_https(self):
        alice = self.client("alice", plugins=PLUGINS)
        await alice.online()
        items = await alice.plugin["xep_0030"].get_items(jid=DOMAIN, timeout=10)
        self.assertNotIn(UPLOAD_JID, [item[0] for item in items["disco_items"]["items"]])
        await asyncio.sleep(0.5)
        self.assertFalse(any(line.startswith("listening https") for line in self.server.output))


if __name__ == "__main__":
    unittest.main()
