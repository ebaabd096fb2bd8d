"""A data directory knows its domain: the first program to open it (server or `user` command)
records the domain, `user` commands use it without --domain, and nobody serves it under
another domain."""

import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

import harness
from harness import Server

DOMAIN = "example.test"


class DataDirDomainTest(unittest.IsolatedAsyncioTestCase):

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="sb-domain-")
        self.addCleanup(shutil.rmtree, self.data_dir, True)

    def server(self, domain):
        s = Server(["--domain", domain], data_dir=self.data_dir)
        self.addCleanup(s.cleanup)
        return s

    def user(self, *args, input_text=None):
        """switchboard --data-dir D user ARGS..., without --domain."""
        return subprocess.run([harness.BIN, "--data-dir", self.data_dir, "user", *args], input=input_text,
                              capture_output=True, text=True, timeout=60)

    async def login(self, server, jid, password):
        client = harness.Client(jid, password, server.c2s_port)
        try:
            await client.online()
            self.assertEqual(client.boundjid.bare, jid)
        finally:
            try:
                await client.offline(timeout=5)
            except Exception:
                client.abort()

    async def test_user_command_uses_the_running_servers_domain(self):
        server = self.server(DOMAIN).start()
        added = self.user("add", f"alice@{DOMAIN}", input_text="wonderland\n")
        self.assertEqual(added.returncode, 0, added.stderr)
        self.assertEqual(added.stdout.strip(), f"created alice@{DOMAIN}")
        bare = self.user("add", "zed", input_text="zebra\n")
        self.assertEqual(bare.stdout.strip(), f"created zed@{DOMAIN}", bare.stderr)
        self.assertEqual(self.user("passwd", f"zed@{DOMAIN}", input_text="zebra2\n").returncode, 0)
        listed = self.user("list")
        self.assertEqual(listed.stdout.split(), [f"alice@{DOMAIN}", f"zed@{DOMAIN}"])
        await self.login(server, f"alice@{DOMAIN}", "wonderland")
        await self.login(server, f"zed@{DOMAIN}", "zebra2")
        self.assertEqual(self.user("delete", f"zed@{DOMAIN}").returncode, 0)
        self.assertEqual(self.user("list").stdout.split(), [f"alice@{DOMAIN}"])

    def test_a_jid_of_another_domain_is_refused_naming_both(self):
        self.server(DOMAIN).start()
        for jid in ("zed@localhost", "bob@other.test"):
            result = self.user("add", jid, input_text="pw\n")
            self.assertNotEqual(result.returncode, 0, result.stdout)
            self.assertIn(jid.split("@")[1], result.stderr)
            self.assertIn(DOMAIN, result.stderr)
        # An explicit --domain that disagrees with the record is refused too, and changes nothing.
        explicit = subprocess.run([harness.BIN, "--data-dir", self.data_dir, "--domain", "other.test", "user", "list"],
                                  capture_output=True, text=True, timeout=60)
        self.assertNotEqual(explicit.returncode, 0)
        self.assertIn("other.test", explicit.stderr)
        self.assertIn(DOMAIN, explicit.stderr)
        self.assertEqual(self.user("list").stdout.split(), [])

    def test_restart_with_another_domain_is_refused(self):
        first = self.server(DOMAIN).start()
        self.assertEqual(self.user("add", f"alice@{DOMAIN}", input_text="pw\n").returncode, 0)
        first.stop()
        result = subprocess.run([harness.BIN, "--headless", "--data-dir", self.data_dir, "--domain", "other.test",
                                 "--bind", "127.0.0.1", "--c2s-port", "0", "--c2s-tls-port", "0"],
                                capture_output=True, text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("other.test", result.stderr)
        self.assertIn(DOMAIN, result.stderr)
        self.assertNotIn("listening", result.stdout)
        # Nothing was rewritten: the record and the account are as they were.
        self.assertEqual(self.recorded_domain(), DOMAIN)
        self.assertEqual(self.user("list").stdout.split(), [f"alice@{DOMAIN}"])

    def test_first_user_command_records_the_default_domain(self):
        self.assertEqual(self.user("add", "alice", input_text="pw\n").stdout.strip(), "created alice@localhost")
        self.assertEqual(self.recorded_domain(), "localhost")
        result = subprocess.run([harness.BIN, "--headless", "--data-dir", self.data_dir, "--domain", DOMAIN,
                                 "--bind", "127.0.0.1", "--c2s-port", "0", "--c2s-tls-port", "0"],
                                capture_output=True, text=True, timeout=30)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("localhost", result.stderr)
        self.assertIn(DOMAIN, result.stderr)

    async def test_a_data_directory_without_a_record_is_upgraded_on_first_start(self):
        # Today's schema: version 3, no server_domain table, accounts by name only.
        self.assertEqual(self.user("add", "alice", input_text="wonderland\n").returncode, 0)
        db = sqlite3.connect(os.path.join(self.data_dir, "switchboard.sqlite"))
        db.execute("DROP TABLE server_domain")
        db.execute("PRAGMA user_version = 3")
        db.commit()
        db.close()
        self.assertIsNone(self.recorded_domain())
        server = self.server(DOMAIN).start()
        self.assertEqual(self.recorded_domain(), DOMAIN)
        self.assertEqual(self.user("list").stdout.split(), [f"alice@{DOMAIN}"])
        await self.login(server, f"alice@{DOMAIN}", "wonderland")

    def recorded_domain(self):
        db = sqlite3.connect(os.path.join(self.data_dir, "switchboard.sqlite"))
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] < 4:
                return None
            row = db.execute("SELECT domain FROM server_domain").fetchone()
            return row[0] if row else None
        finally:
            db.close()


if __name__ == "__main__":
    harness.main()
