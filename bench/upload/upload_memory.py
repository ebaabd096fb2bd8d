"""One large upload and download through XEP-0363 on loopback: throughput and the server's memory.
Usage: SWITCHBOARD_BIN=build/app/switchboard PYTHONPATH=tests/integration \
       /usr/bin/python3 bench/upload/upload_memory.py [MiB]   (default 100)
Prints the server's RSS before, its peak (VmHWM) during the PUT and the GET, and MiB/s of each
(slot request included in the upload; the client streams the body from a file in 1 MiB chunks)."""

import asyncio
import http.client
import os
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse

from harness import DOMAIN, Client, Server
from upload_support import https_port


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024   # MiB
    return -1


def reset_peak(pid):
    # Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM to the current RSS.
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def transfer(method, url, body_path=None, size=0):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPSConnection("127.0.0.1", parts.port, timeout=600, context=ctx)
    if body_path:
        conn.putrequest(method, parts.path)
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        with open(body_path, "rb") as f:
            while chunk := f.read(1 << 20):
                conn.send(chunk)
    else:
        conn.request(method, parts.path)
    resp = conn.getresponse()
    n = 0
    while chunk := resp.read(1 << 20):
        n += len(chunk)
    return resp.status, n


async def main(mib):
    size = mib * 1024 * 1024
    server = Server(config_text=f"upload_max_size = {size}\nupload_quota = {2 * size}\n").start()
    try:
        server.add_user("alice", "pw")
        port = https_port(server)
        pid = server.proc.pid
        body = tempfile.NamedTemporaryFile(delete=False)
        body.write(os.urandom(size))
        body.close()
        client = Client(f"alice@{DOMAIN}", "pw", server.c2s_port, plugins=("xep_0030", "xep_0363"))
        await client.online()
        await asyncio.sleep(0.5)
        before = status(pid, "VmRSS")
        reset_peak(pid)
        started = time.monotonic()
        iq = await client.plugin["xep_0363"].request_slot(f"upload.{DOMAIN}", "big.bin", size,
                                                          "application/octet-stream", timeout=30)
        put, get = iq["http_upload_slot"]["put"]["url"], iq["http_upload_slot"]["get"]["url"]
        code, _ = await asyncio.to_thread(transfer, "PUT", put, body.name, size)
        put_s = time.monotonic() - started
        put_peak = status(pid, "VmHWM")
        after_put = status(pid, "VmRSS")
        assert code == 201, code
        reset_peak(pid)
        started = time.monotonic()
        code, n = await asyncio.to_thread(transfer, "GET", get)
        get_s = time.monotonic() - started
        get_peak = status(pid, "VmHWM")
        assert code == 200 and n == size, (code, n)
        print(f"{mib} MiB on loopback HTTPS (port {port}): PUT {mib / put_s:.0f} MiB/s, GET {mib / get_s:.0f} MiB/s")
        print(f"server RSS: {before} MiB before; peak {put_peak} MiB during the PUT, {after_put} MiB after it; "
              f"peak {get_peak} MiB during the GET")
        await client.offline()
        os.unlink(body.name)
    finally:
        server.cleanup()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
