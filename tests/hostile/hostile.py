"""Helpers for the hostile-input tests: raw connections from a chosen loopback address (the
whole of 127/8 is ours, so an attacker and the bystanders can be told apart by address), a
STARTTLS upgrade for raw clients, and the bystander check every test ends with."""

import asyncio
import re
import ssl
import time

from harness import DOMAIN, STREAM_HEADER, insecure_context, wait_for  # noqa: F401

STREAM_ERROR_RE = re.compile(rb"<stream:error>\s*<([a-z-]+) xmlns=[\"']urn:ietf:params:xml:ns:xmpp-streams[\"']")


class Raw:
    """One raw client connection; reads keep everything received, even across a reset."""

    def __init__(self, port, source="127.0.0.1"):
        self.port = port
        self.source = source
        self.reader = None
        self.writer = None
        self.buffer = b""
        self.closed = False

    async def connect(self, timeout=10):
        self.reader, self.writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self.port, local_addr=(self.source, 0)), timeout)
        return self

    async def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        try:
            self.writer.write(data)
            await self.writer.drain()
            return True
        except (ConnectionError, OSError):
            return False   # the server hung up: what it said before is in the buffer

    async def _read_some(self, timeout):
        try:
            chunk = await asyncio.wait_for(self.reader.read(65536), timeout)
        except asyncio.TimeoutError:
            raise   # a subclass of OSError since Python 3.11: not a closed connection
        except (ConnectionError, OSError):
            chunk = b""
        if not chunk:
            self.closed = True
        self.buffer += chunk
        return chunk

    async def read_until(self, needle, timeout=10):
        if isinstance(needle, str):
            needle = needle.encode()
        deadline = time.monotonic() + timeout
        while needle not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed:
                raise AssertionError(f"no {needle!r} from the server; got {self.buffer[-2000:]!r}")
            try:
                await self._read_some(remaining)
            except asyncio.TimeoutError:
                pass
        return self.buffer

    async def read_to_eof(self, timeout=10):
        deadline = time.monotonic() + timeout
        while not self.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"connection still open after {timeout}s; got {self.buffer[-2000:]!r}")
            try:
                await self._read_some(remaining)
            except asyncio.TimeoutError:
                pass
        return self.buffer

    def stream_error(self):
        m = STREAM_ERROR_RE.search(self.buffer)
        return m.group(1).decode() if m else None

    async def starttls(self, timeout=10):
        """Stream header, <starttls/>, TLS; leaves the TLS stream's features in the buffer."""
        await self.send(STREAM_HEADER)
        await self.read_until(b"</stream:features>", timeout)
        await self.send(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
        await self.read_until(b"<proceed", timeout)
        await asyncio.wait_for(self.writer.start_tls(insecure_context(), server_hostname=DOMAIN), timeout)
        self.buffer = b""
        await self.send(STREAM_HEADER)
        await self.read_until(b"</stream:features>", timeout)
        return self

    def close(self):
        if self.writer:
            try:
                self.writer.close()
            except Exception:
                pass


async def bystanders_talk(test, a, b, timeout=10):
    """Two logged-in clients still exchange a message each way, within the timeout."""
    for sender, receiver in ((a, b), (b, a)):
        token = f"still-here-{time.monotonic_ns()}"
        got = asyncio.get_running_loop().create_future()

        def on_message(msg, token=token, got=got):
            if msg["body"] == token and not got.done():
                got.set_result(msg["from"].bare)

        receiver.add_event_handler("message", on_message)
        try:
            sender.send_message(mto=receiver.boundjid.full, mbody=token, mtype="chat")
            frm = await asyncio.wait_for(got, timeout)
        finally:
            receiver.del_event_handler("message", on_message)
        test.assertEqual(frm, sender.boundjid.bare)
