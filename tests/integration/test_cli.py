"""Issue 2: the operator's command line: accounts while the server runs, config errors that name
the line, and the documented option forms."""

import asyncio
import os
import sqlite3
import subprocess
import tempfile
import unittest

import harness
from harness import Client, Server


class UserCommandTest(unittest.TestCase):

    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.cleanup)

    def test_add_list_passwd_delete_without_a_running_server(self):
        s = self.server
        self.assertEqual(s.add_user("dave", "secret1"), "dave@localhost")
        result = s.run("user", "add", "Eve@localhost", input_text="pw\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("created eve@localhost", result.stdout)   # localpart is case-folded
        listed = s.run("user", "list")
        self.assertEqual(listed.stdout.split(), ["dave@localhost", "eve@localhost"])
        dup = s.run("user", "add", "dave@localhost", input_text="x\n")
        self.assertNotEqual(dup.returncode, 0)
        self.assertIn("already exists", dup.stderr)
        self.assertEqual(s.run("user", "passwd", "dave@localhost", input_text="secret2\n").returncode, 0)
        self.assertEqual(s.run("user", "delete", "eve@localhost").returncode, 0)
        self.assertEqual(s.run("user", "list").stdout.split(), ["dave@localhost"])
        missing = s.run("user", "delete", "nobody@localhost")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("no account", missing.stderr)

    def test_bad_jids_are_refused_clearly(self):
        for jid in ("bad user@localhost", "a@other.example", "a@localhost/res", ""):
            result = self.server.run("user", "add", jid, input_text="pw\n")
            self.assertNotEqual(result.returncode, 0, jid)
            self.assertTrue(result.stderr.strip(), jid)

    def test_empty_password_is_refused(self):
        result = self.server.run("user", "add", "frank@localhost", input_text="\n")
        self.assertNotEqual(result.returncode, 0)

    def test_database_never_holds_the_password(self):
        self.server.add_user("grace", "very-unusual-password-string")
        with open(os.path.join(self.server.data_dir, "switchboard.sqlite"), "rb") as f:
            self.assertNotIn(b"very-unusual-password-string", f.read())


class UserDeleteWhileRunningTest(unittest.IsolatedAsyncioTestCase):
    """`user delete` while the server runs goes through it: the account's sessions end with a
    stream error at once, the deletion is audited as the command line's, and a deletion the
    server refuses changes nothing."""

    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.cleanup)
        self.server.add_user("dave", "dave-pass")
        self.server.add_user("erin", "erin-pass")
        self.server.start()

    async def test_delete_ends_the_sessions_of_the_account(self):
        s = self.server
        dave = await Client("dave@localhost/desk", "dave-pass", s.c2s_port).online()
        erin = await Client("erin@localhost/desk", "erin-pass", s.c2s_port).online()
        try:
            result = await asyncio.to_thread(s.run, "user", "delete", "Dave@localhost")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(result.stdout.strip(), "deleted dave@localhost")
            await asyncio.wait_for(dave.was_disconnected.wait(), 10)
            self.assertIn("not-authorized", dave.stream_errors)
            self.assertEqual(s.run("user", "list").stdout.split(), ["erin@localhost"])
            self.assertFalse(erin.was_disconnected.is_set())
            db = sqlite3.connect(os.path.join(s.data_dir, "switchboard.sqlite"))
            try:
                audit = db.execute("SELECT action, target, reason FROM audit_log").fetchall()
            finally:
                db.close()
            self.assertIn(("delete account", "dave@localhost"), [(a, t) for a, t, _ in audit])
            self.assertTrue(any(a == "delete account" and "cli" in r for a, _, r in audit), audit)

            missing = await asyncio.to_thread(s.run, "user", "delete", "dave@localhost")
            self.assertNotEqual(missing.returncode, 0)
            self.assertIn("no account", missing.stderr)
        finally:
            for client in (dave, erin):
                client.abort()


class ConfigFileTest(unittest.TestCase):

    def run_with_config(self, text):
        d = tempfile.mkdtemp(prefix="sb-cfg-")
        path = os.path.join(d, "bad.ini")
        with open(path, "w") as f:
            f.write(text)
        return subprocess.run([harness.BIN, "--headless", "--data-dir", d, "--config", path, "--c2s-port", "0",
                               "--c2s-tls-port", "0"], capture_output=True, text=True, timeout=30), path

    def test_unknown_key_names_the_line(self):
        result, path = self.run_with_config("[server]\ndomain = localhost\nc2s_prot = 5222\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{path}:3:", result.stderr)
        self.assertIn("c2s_prot", result.stderr)

    def test_bad_value_names_the_line(self):
        result, path = self.run_with_config("; comment\nrequire_encryption = maybe\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{path}:2:", result.stderr)
        self.assertIn("boolean", result.stderr)

    def test_line_without_equals(self):
        result, path = self.run_with_config("domain localhost\n")
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"{path}:1:", result.stderr)

    def test_config_is_applied_and_options_win(self):
        d = tempfile.mkdtemp(prefix="sb-cfg-")
        path = os.path.join(d, "ok.ini")
        with open(path, "w") as f:
            f.write("domain = office.example\nc2s_port = 1\n")
        server = Server(extra_args=["--config", path])
        server.data_dir = d
        server.start()   # --c2s-port 0 on the command line wins over the file's 1
        try:
            self.assertGreater(server.c2s_port, 1)
            result = server.run("--domain", "office.example", "user", "add", "zed@office.example", input_text="pw\n")
            self.assertEqual(result.returncode, 0, result.stderr)
        finally:
            server.cleanup()

    def test_help_lists_the_documented_options(self):
        result = subprocess.run([harness.BIN, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0)
        for option in ("--headless", "--config", "--data-dir", "--domain", "--bind", "--c2s-port", "--c2s-tls-port"):
            self.assertIn(option, result.stdout)


if __name__ == "__main__":
    harness.main()
