"""nbxmpp (Gajim's library, Debian python3-nbxmpp) inside an asyncio test: its GLib main context is
pumped from the asyncio loop, so both libraries run in one thread. nbxmpp holds callbacks weakly,
so this wrapper keeps a reference to each one. Every wait is bounded."""

import asyncio

from gi.repository import GLib
from nbxmpp.client import Client
from nbxmpp.const import ConnectionProtocol, ConnectionType
from nbxmpp.structs import StanzaHandler


class NbClient:

    def __init__(self, user, password, port, resource="nb", domain="localhost"):
        self.client = Client()
        c = self.client
        c.set_domain(domain)
        c.set_username(user)
        c.set_resource(resource)
        c.set_password(password)
        c.set_custom_host(f"127.0.0.1:{port}", ConnectionProtocol.TCP, ConnectionType.START_TLS)
        c.set_ignore_tls_errors(True)
        c.set_sm_disabled(True)
        self.state = None
        self._refs = []
        for signal in ("connected", "connection-failed", "disconnected"):
            handler = self._state_setter(signal)
            self._refs.append(handler)
            c.subscribe(signal, handler)

    def _state_setter(self, signal):
        def handler(*_args):
            self.state = signal
        return handler

    async def pump(self, seconds=0.0):
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        context = GLib.MainContext.default()
        while True:
            while context.pending():
                context.iteration(False)
            if loop.time() >= end:
                return
            await asyncio.sleep(0.005)

    async def wait(self, predicate, timeout=15, what="condition"):
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() > deadline:
                raise AssertionError(f"nbxmpp: timed out waiting for {what} (state {self.state})")
            await self.pump(0.01)

    async def online(self, timeout=20):
        self.client.connect()
        await self.wait(lambda: self.state is not None, timeout, "login")
        if self.state != "connected":
            raise AssertionError(f"nbxmpp did not log in: {self.state}")
        return self

    def on_message(self, callback):
        """callback(message Node, properties) for every incoming <message/>. nbxmpp unwraps a
        MAM result: the Node is the archived message, properties.mam its archive data."""
        def handler(_client, stanza, properties):
            callback(stanza, properties)
        self._refs.append(handler)
        self.client.register_handler(StanzaHandler(name="message", callback=handler, priority=0))

    async def call(self, start, timeout=15):
        """Runs one nbxmpp task: start(callback); returns its result (raises its error). The
        result is read inside the callback: nbxmpp clears a task once its callbacks ran."""
        done = []

        def finished(task):
            try:
                done.append((task.finish(), None))
            except Exception as error:   # the task's own error, re-raised below
                done.append((None, error))
        self._refs.append(finished)
        start(finished)
        await self.wait(lambda: done, timeout, "a task")
        result, error = done[0]
        if error is not None:
            raise error
        return result

    def send_raw(self, text):
        self.client.send_nonza(text)

    async def close(self):
        if self.state == "connected":
            self.client.disconnect()
            try:
                await self.wait(lambda: self.state == "disconnected", 5, "disconnect")
            except AssertionError:
                pass


def mam_results(messages):
    """(archive id, body) of each MAM result among (Node, properties) pairs, in arrival order."""
    return [(properties.mam.id, node.getBody()) for node, properties in messages
            if getattr(properties, "mam", None) is not None]
