"""HTTP for the file upload tests (XEP-0363): the server's https port from its output, and requests
with http.client to 127.0.0.1 that verify the server's own certificate (its self-signed one in
the data directory is the trust anchor; the Host header and TLS name stay the domain)."""

import asyncio
import http.client
import os
import ssl
import urllib.parse

from harness import https_port  # noqa: F401 (the upload tests take it from here)

def certificate_path(server, domain="localhost"):
    return os.path.join(server.data_dir, f"{domain}.crt")


def trusting_context(server):
    ctx = ssl.create_default_context(cafile=certificate_path(server))
    ctx.check_hostname = True
    return ctx


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body


def request(server, method, url, body=None, headers=None, timeout=60):
    """One HTTPS request to the URL's path on 127.0.0.1 at the URL's port; blocking."""
    parts = urllib.parse.urlsplit(url)
    assert parts.scheme == "https", url
    conn = http.client.HTTPSConnection("127.0.0.1", parts.port, timeout=timeout, context=trusting_context(server))
    # The certificate names the domain (and 127.0.0.1): check it against the URL's host.
    conn._tunnel_host = None
    conn.host = "127.0.0.1"
    try:
        conn.putrequest(method, parts.path + (("?" + parts.query) if parts.query else ""), skip_host=True)
        conn.putheader("Host", parts.netloc)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None and not any(k.lower() == "content-length" for k in (headers or {})):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return Response(resp.status, resp.getheaders(), data)
    finally:
        conn.close()


async def arequest(server, method, url, body=None, headers=None, timeout=60):
    return await asyncio.to_thread(request, server, method, url, body, headers, timeout)
