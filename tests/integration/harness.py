"""Shared pieces for the integration tests: the real switchboard binary on free loopback ports,
account creation through its command line, a slixmpp client that never leaves loopback, and a
raw-socket client for input no library would send. Every wait here is bounded."""

import asyncio
import json
import os
import queue
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import slixmpp

BIN = os.environ.get("SWITCHBOARD_BIN", "switchboard")
DOMAIN = "localhost"
LISTEN_RE = re.compile(r"^listening (c2s|c2s-tls) 127\.0\.0\.1:(\d+)$")


class Server:
    """One switchboard --headless process with its own data directory."""

    def __init__(self, extra_args=(), config_text=None, data_dir=None):
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="sb-test-")
        self.extra_args = list(extra_args)
        self.config_text = config_text
        self.proc = None
        self.ports = {}
        self.output = []

    def command(self, *args):
        return [BIN, "--data-dir", self.data_dir, *args]

    def start(self, timeout=30):
        args = self.command("--headless", "--bind", "127.0.0.1", "--c2s-port", "0", "--c2s-tls-port", "0")
        if self.config_text is not None:
            path = os.path.join(self.data_dir, "test.ini")
            with open(path, "w") as f:
                f.write(self.config_text)
            args += ["--config", path]
        args += self.extra_args
        env = dict(os.environ, QT_LOGGING_RULES="switchboard.*.debug=true")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        lines = queue.Queue()

        def pump():
            for line in self.proc.stdout:
                self.output.append(line)
                lines.put(line.rstrip("\n"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + timeout
        while len(self.ports) < 2:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("server did not report its ports:\n" + "".join(self.output))
            try:
                line = lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise RuntimeError("server exited early:\n" + "".join(self.output))
            m = LISTEN_RE.match(line)
            if m:
                self.ports[m.group(1)] = int(m.group(2))
        return self

    @property
    def c2s_port(self):
        return self.ports["c2s"]

    @property
    def tls_port(self):
        return self.ports["c2s-tls"]

    def run(self, *args, input_text=None, timeout=60):
        """switchboard --data-dir DIR ARGS..., as the operator would type it."""
        return subprocess.run(self.command(*args), input=input_text, capture_output=True, text=True,
                              timeout=timeout)

    def add_user(self, user, password):
        jid = user if "@" in user else f"{user}@{DOMAIN}"
        result = self.run("user", "add", jid, input_text=password + "\n")
        if result.returncode != 0:
            raise RuntimeError(f"user add {jid} failed: {result.stderr}")
        return jid

    def sessions(self):
        result = self.run("sessions", "--json", timeout=20)
        if result.returncode != 0:
            raise RuntimeError("sessions failed: " + result.stderr)
        return json.loads(result.stdout)

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cleanup(self):
        self.stop()
        if self.owns_data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


HTTPS_RE = re.compile(r"^listening https 127\.0\.0\.1:(\d+)$")


def https_port(server, timeout=20):
    """The port of the server's `listening https 127.0.0.1:PORT` line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(server.output):
            m = HTTPS_RE.match(line.rstrip("\n"))
            if m:
                return int(m.group(1))
        time.sleep(0.05)
    raise AssertionError("no 'listening https' line:\n" + "".join(server.output))


def insecure_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Client(slixmpp.ClientXMPP):
    """A slixmpp client pinned to the test server's port on 127.0.0.1."""

    def __init__(self, jid, password, port, *, direct_tls=False, plugins=("xep_0030", "xep_0199", "xep_0092"),
                 mechanism=None):
        super().__init__(jid, password)
        self.port = port
        self.direct_tls = direct_tls
        self.ssl_context = insecure_context()
        if mechanism:
            self["feature_mechanisms"].use_mech = mechanism
        for plugin in plugins:
            self.register_plugin(plugin)
        # Tests that check the subscription handshake answer it themselves.
        self.roster.auto_authorize = None
        self.roster.auto_subscribe = None
        self.received = []            # every incoming top-level element, raw
        self.stream_errors = []       # condition names of <stream:error/>
        self.sasl_failures = []
        self.session_started = asyncio.Event()
        self.auth_failed = asyncio.Event()
        self.was_disconnected = asyncio.Event()
        self.failed_connect = asyncio.Event()
        self.add_event_handler("session_start", lambda _: self.session_started.set())
        self.add_event_handler("failed_auth", self._on_failed_auth)
        self.add_event_handler("failed_all_auth", lambda _: self.auth_failed.set())
        self.add_event_handler("disconnected", lambda _: self.was_disconnected.set())
        self.add_event_handler("connection_failed", self._on_connection_failed)
        self.add_filter("in", self._record)

    async def get_dns_records(self, domain, port=None):
        # Never resolve: the test server is on loopback whatever the domain says.
        return [(domain, "127.0.0.1", self.port)]

    def _on_connection_failed(self, _):
        self.failed_connect.set()
        self.cancel_connection_attempt()

    def _on_failed_auth(self, stanza):
        failure = stanza.xml if hasattr(stanza, "xml") else stanza
        for child in list(failure):
            self.sasl_failures.append(child.tag.split("}")[-1])

    def _record(self, stanza):
        self.received.append(stanza)
        xml = stanza.xml
        if xml.tag == "{http://etherx.jabber.org/streams}error":
            for child in xml:
                tag = child.tag.split("}")[-1]
                if tag != "text":
                    self.stream_errors.append(tag)
        return stanza

    def stream_error_text(self):
        for stanza in self.received:
            xml = stanza.xml
            if xml.tag == "{http://etherx.jabber.org/streams}error":
                for child in xml:
                    if child.tag.endswith("}text"):
                        return child.text
        return None

    def start(self, timeout=20):
        self.connect(("127.0.0.1", self.port), use_ssl=self.direct_tls, force_starttls=not self.direct_tls)
        return self

    async def online(self, timeout=20):
        """Connects and waits for session_start; raises with the reason otherwise."""
        self.start()
        done, _ = await asyncio.wait(
            [asyncio.ensure_future(e.wait()) for e in
             (self.session_started, self.auth_failed, self.was_disconnected, self.failed_connect)],
            timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if not self.session_started.is_set():
            raise AssertionError(f"{self.boundjid} did not come online (auth failures: {self.sasl_failures}, "
                                 f"stream errors: {self.stream_errors})")
        return self

    async def offline(self, timeout=10):
        if not self.was_disconnected.is_set():
            self.disconnect()
            await asyncio.wait_for(self.was_disconnected.wait(), timeout)


async def wait_for(predicate, timeout=10, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RawClient:
    """Bytes in, bytes out over a plain TCP connection, for input no XMPP library would send."""

    def __init__(self, port):
        self.port = port
        self.reader = None
        self.writer = None
        self.buffer = b""

    async def connect(self):
        self.reader, self.writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.port), 10)
        return self

    async def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.writer.write(data)
        await self.writer.drain()

    async def read_until(self, needle, timeout=10):
        if isinstance(needle, str):
            needle = needle.encode()
        deadline = time.monotonic() + timeout
        while needle not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting for {needle!r}; got {self.buffer!r}")
            chunk = await asyncio.wait_for(self.reader.read(65536), remaining)
            if not chunk:
                raise AssertionError(f"connection closed before {needle!r}; got {self.buffer!r}")
            self.buffer += chunk
        return self.buffer

    async def read_to_eof(self, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"connection still open after {timeout}s; got {self.buffer!r}")
            chunk = await asyncio.wait_for(self.reader.read(65536), remaining)
            if not chunk:
                return self.buffer
            self.buffer += chunk

    def close(self):
        if self.writer:
            self.writer.close()


STREAM_HEADER = ("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                 "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>")


class ServerTestCase(unittest.IsolatedAsyncioTestCase):
    """Starts one server per test class with accounts alice, bob and carol."""

    server_args = ()
    server_config = None
    users = {"alice": "wonderland", "bob": "builder", "carol": "singer"}

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.server_args, cls.server_config).start()
        for user, password in cls.users.items():
            cls.server.add_user(user, password)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for client in self.clients:
            try:
                await client.offline(timeout=5)
            except Exception:
                client.abort()

    def client(self, user, password=None, resource=None, **kwargs):
        jid = f"{user}@{DOMAIN}" + (f"/{resource}" if resource else "")
        c = Client(jid, password if password is not None else self.users[user],
                   kwargs.pop("port", None) or (self.server.tls_port if kwargs.get("direct_tls") else self.server.c2s_port),
                   **kwargs)
        self.clients.append(c)
        return c


def main():
    unittest.main(verbosity=2)
