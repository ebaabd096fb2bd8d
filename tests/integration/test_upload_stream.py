"""XEP-0363 PUTs are streamed to disk: a 100 MiB upload barely moves the server's peak memory
(VmHWM) and comes back with the same sha256; a client that sends `Expect: 100-continue` hears
100 Continue (or its refusal) before it sends the body (RFC 9110 §10.1.1); a client that goes
away half-way leaves neither file nor row, and its slot stays usable until it expires (the
upload never happened, XEP-0363 §6 allows one upload per slot); chunked bodies get 411; a
Content-Length above the slot is refused from the head without reading the body. A PUT is taken
only as a connection's first request, so every other answer on the upload paths says
`Connection: close`: a pooled client (one connection object for a download, a CORS preflight and
an upload) still gets its 201."""

import asyncio
import hashlib
import http.client
import os
import socket
import ssl
import unittest

from harness import DOMAIN, ServerTestCase, wait_for
from upload_support import https_port

UPLOAD_NS = "urn:xmpp:http:upload:0"
MiB = 1024 * 1024
BIG = 100 * MiB
PLUGINS = ("xep_0030", "xep_0199", "xep_0363")
UPLOAD_JID = f"upload.{DOMAIN}"


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


class Conn:
    """One raw TLS connection to the HTTPS port, for heads no library would send as we want."""

    def __init__(self, port):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.tls = ctx.wrap_socket(raw, server_hostname=DOMAIN)
        self.buffer = b""

    def head(self, method, path, fields):
        lines = [f"{method} {path} HTTP/1.1", f"Host: {DOMAIN}"] + [f"{k}: {v}" for k, v in fields.items()]
        self.tls.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def response(self):
        """(status, headers, body) of the next response; the body by its Content-Length."""
        while b"\r\n\r\n" not in self.buffer:
            data = self.tls.recv(65536)
            if not data:
                raise ConnectionError("closed before a response: %r" % self.buffer)
            self.buffer += data
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            data = self.tls.recv(65536)
            if not data:
                break
            self.buffer += data
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def close(self):
        self.tls.close()


def path_of(url):
    return "/" + url.split("/", 3)[3]


class UploadStreamTest(ServerTestCase):
    server_config = f"upload_max_size = {BIG}\nupload_quota = {4 * BIG}\n"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.port = https_port(cls.server)

    def client(self, user, **kwargs):
        kwargs.setdefault("plugins", PLUGINS)
        return super().client(user, **kwargs)

    async def slot(self, client, filename, size, content_type="application/octet-stream"):
        iq = await client.plugin["xep_0363"].request_slot(UPLOAD_JID, filename, size, content_type, timeout=10)
        return iq["http_upload_slot"]["put"]["url"], iq["http_upload_slot"]["get"]["url"]

    def uploads(self):
        return os.listdir(os.path.join(self.server.data_dir, "uploads"))

    async def test_hundred_mebibytes_are_streamed_with_little_memory(self):
        alice = await self.client("alice").online()
        put, get = await self.slot(alice, "big.bin", BIG)
        block = os.urandom(MiB)   # the file: this block 100 times, each with its index in front
        pid = self.server.proc.pid

        def upload():
            before = vm_hwm_kib(pid)
            digest = hashlib.sha256()
            c = Conn(self.port)
            try:
                c.head("PUT", path_of(put), {"Content-Length": BIG, "Content-Type": "application/octet-stream"})
                for i in range(BIG // MiB):
                    chunk = i.to_bytes(4, "big") + block[4:]
                    digest.update(chunk)
                    c.tls.sendall(chunk)
                status, headers, _ = c.response()
            finally:
                c.close()
            return before, vm_hwm_kib(pid), status, headers, digest.hexdigest()

        before, after, status, headers, sent_digest = await asyncio.to_thread(upload)
        self.assertEqual(status, 201)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertEqual(headers["connection"].lower(), "close")
        grown_mib = (after - before) / 1024
        print(f"100 MiB PUT: server VmHWM {before // 1024} MiB before, {after // 1024} MiB after "
              f"(+{grown_mib:.1f} MiB)")
        self.assertLess(grown_mib, 32, "the server held the body in memory")

        def download():
            c = Conn(self.port)
            try:
                c.head("GET", path_of(get), {})
                while b"\r\n\r\n" not in c.buffer:
                    c.buffer += c.tls.recv(65536)
                head, rest = c.buffer.split(b"\r\n\r\n", 1)
                digest = hashlib.sha256(rest)
                received = len(rest)
                while received < BIG:
                    data = c.tls.recv(1 << 20)
                    if not data:
                        break
                    digest.update(data)
                    received += len(data)
                return int(head.split()[1]), received, digest.hexdigest()
            finally:
                c.close()

        status, received, got_digest = await asyncio.to_thread(download)
        self.assertEqual((status, received), (200, BIG))
        self.assertEqual(got_digest, sent_digest)

    async def test_expect_100_continue(self):
        bob = await self.client("bob").online()
        body = os.urandom(200 * 1024)
        put, get = await self.slot(bob, "expect.bin", len(body))

        def refused_then_accepted():
            # A length the slot does not allow: refused before the body is sent.
            c = Conn(self.port)
            try:
                c.head("PUT", path_of(put), {"Content-Length": len(body) + 1, "Expect": "100-continue"})
                refused = c.response()
            finally:
                c.close()
            c = Conn(self.port)
            try:
                c.head("PUT", path_of(put), {"Content-Length": len(body), "Expect": "100-continue",
                                             "Content-Type": "application/octet-stream"})
                interim = c.response()
                c.tls.sendall(body)
                final = c.response()
            finally:
                c.close()
            return refused, interim, final

        refused, interim, final = await asyncio.to_thread(refused_then_accepted)
        self.assertEqual(refused[0], 413)
        self.assertEqual(refused[1]["access-control-allow-origin"], "*")
        self.assertEqual(interim[0], 100)
        self.assertEqual(final[0], 201)
        self.assertEqual(final[1]["access-control-allow-origin"], "*")

        def fetch():
            c = Conn(self.port)
            try:
                c.head("GET", path_of(get), {})
                return c.response()
            finally:
                c.close()
        status, _, data = await asyncio.to_thread(fetch)
        self.assertEqual((status, hashlib.sha256(data).digest()), (200, hashlib.sha256(body).digest()))

    async def test_client_gone_half_way_leaves_nothing_and_the_slot_usable(self):
        carol = await self.client("carol").online()
        body = os.urandom(4 * MiB)
        put, get = await self.slot(carol, "half.bin", len(body))

        def half():
            c = Conn(self.port)
            c.head("PUT", path_of(put), {"Content-Length": len(body), "Content-Type": "application/octet-stream"})
            c.tls.sendall(body[:len(body) // 2])
            c.close()
        await asyncio.to_thread(half)
        await wait_for(lambda: not self.uploads(), timeout=10, what="the temporary file to go")

        def put_and_get(data):
            c = Conn(self.port)
            try:
                c.head("PUT", path_of(put), {"Content-Length": len(data), "Content-Type": "application/octet-stream"})
                c.tls.sendall(data)
                stored = c.response()[0]
            finally:
                c.close()
            c = Conn(self.port)
            try:
                c.head("GET", path_of(get), {})
                status, _, got = c.response()
            finally:
                c.close()
            return stored, status, got

        stored, status, got = await asyncio.to_thread(put_and_get, body)
        self.assertEqual(stored, 201, "a slot whose upload failed stays usable")
        self.assertEqual((status, got == body), (200, True))
        self.assertEqual(len(self.uploads()), 1)

    async def test_one_client_connection_downloads_preflights_then_uploads(self):
        alice = await self.client("alice").online()
        first = os.urandom(300 * 1024)
        put, get = await self.slot(alice, "first.bin", len(first))
        second = os.urandom(200 * 1024)
        put2, get2 = await self.slot(alice, "second.bin", len(second))

        def pooled():
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=ctx)
            answers = []
            try:
                for method, url, body in (("PUT", put, first), ("GET", get, None), ("OPTIONS", put2, None),
                                          ("PUT", put2, second), ("GET", get2, None)):
                    headers = {"Content-Type": "application/octet-stream"} if body is not None else {}
                    connection.request(method, path_of(url), body=body, headers=headers)
                    response = connection.getresponse()
                    answers.append((method, response.status, response.getheader("Connection"), response.read()))
            finally:
                connection.close()
            return answers

        answers = await asyncio.to_thread(pooled)
        self.assertEqual([(m, s) for m, s, _, _ in answers],
                         [("PUT", 201), ("GET", 200), ("OPTIONS", 204), ("PUT", 201), ("GET", 200)])
        self.assertTrue(all(c == "close" for _, _, c, _ in answers), answers)
        self.assertEqual((answers[1][3], answers[4][3]), (first, second))

    async def test_chunked_and_oversized_heads_are_refused(self):
        bob = await self.client("bob").online()
        put, get = await self.slot(bob, "c.bin", 1000)

        def ask(fields):
            c = Conn(self.port)
            try:
                c.head("PUT", path_of(put), fields)
                return c.response()
            finally:
                c.close()
        status, headers, _ = await asyncio.to_thread(ask, {"Transfer-Encoding": "chunked"})
        self.assertEqual(status, 411)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        status, _, _ = await asyncio.to_thread(ask, {})
        self.assertEqual(status, 411)
        # Answered from the head alone: no body was sent at all.
        status, _, _ = await asyncio.to_thread(ask, {"Content-Length": 10 * BIG})
        self.assertEqual(status, 413)
        status, _, _ = await asyncio.to_thread(ask, {"Content-Length": "ten"})
        self.assertEqual(status, 400)
        self.assertEqual(self.uploads(), [])


if __name__ == "__main__":
    unittest.main()
