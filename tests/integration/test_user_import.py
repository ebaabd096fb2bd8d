"""Issue 5: the bulk account path. `user import FILE` creates many accounts in one transaction
(all or nothing), and the imported accounts log in with SCRAM-SHA-1 and SCRAM-SHA-256;
`user import-roster FILE` gives pairs of them mutual subscriptions that a client sees."""

import asyncio
import os
import tempfile
import unittest

import harness
from harness import Client, Server


def write(lines):
    fd, path = tempfile.mkstemp(prefix="sb-import-", suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class ImportTest(unittest.TestCase):

    def setUp(self):
        self.server = Server()
        self.addCleanup(self.server.cleanup)

    def test_import_creates_every_account_in_one_go(self):
        lines = ["# a comment, then a blank line", ""] + [f"user{i}:pw {i}:x" for i in range(1, 201)]
        lines.append("Zoe@localhost:zoe-pass")
        path = write(lines)
        self.addCleanup(os.unlink, path)
        result = self.server.run("user", "import", path, timeout=120)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("imported 201 accounts", result.stdout)
        listed = self.server.run("user", "list").stdout.split()
        self.assertEqual(len(listed), 201)
        self.assertIn("zoe@localhost", listed)          # the localpart is prepared
        self.assertIn("user200@localhost", listed)

    def test_a_bad_line_or_an_existing_account_imports_nothing(self):
        self.server.add_user("taken", "pw")
        for lines, expected in ((["ok1:pw", "no password here"], "expected user:password"),
                                (["ok1:pw", "bad user:pw"], "bad user"),
                                (["ok1:pw", "ok1:again"], "listed twice"),
                                (["ok1:pw", "x@elsewhere.example:pw"], "domain"),
                                (["ok1:pw", "taken:pw"], "account exists: taken")):
            path = write(lines)
            self.addCleanup(os.unlink, path)
            result = self.server.run("user", "import", path)
            self.assertNotEqual(result.returncode, 0, lines)
            self.assertIn(expected, result.stderr, lines)
            self.assertIn(":", result.stderr)
            self.assertEqual(self.server.run("user", "list").stdout.split(), ["taken@localhost"], lines)

    def test_import_reads_standard_input(self):
        result = self.server.run("user", "import", "-", input_text="a1:p1\na2:p2\n")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.server.run("user", "list").stdout.split(), ["a1@localhost", "a2@localhost"])

    def test_roster_import_needs_existing_accounts(self):
        self.server.run("user", "import", "-", input_text="r1:p\nr2:p\n")
        path = write(["r1 r2", "r1 ghost"])
        self.addCleanup(os.unlink, path)
        result = self.server.run("user", "import-roster", path)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no account ghost", result.stderr)


class ImportedAccountsLogInTest(unittest.IsolatedAsyncioTestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        users = write(["ann:ann-password", "ben:ben password with spaces", "cid:cid-pw"])
        roster = write(["ann ben", "ben ann", "ann cid"])
        try:
            for command, path in (("import", users), ("import-roster", roster)):
                result = cls.server.run("user", command, path)
                if result.returncode != 0:
                    raise RuntimeError(result.stderr)
        finally:
            os.unlink(users)
            os.unlink(roster)
        cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    async def asyncSetUp(self):
        self.clients = []

    async def asyncTearDown(self):
        for c in self.clients:
            try:
                await c.offline(timeout=5)
            except Exception:
                c.abort()

    def client(self, user, password, **kwargs):
        c = Client(f"{user}@localhost/r", password, self.server.c2s_port, plugins=(), **kwargs)
        self.clients.append(c)
        return c

    async def test_scram_login_with_imported_credentials(self):
        for mech in ("SCRAM-SHA-1", "SCRAM-SHA-256"):
            c = self.client("ben", "ben password with spaces", mechanism=mech)
            await c.online()
            await c.offline()

    async def test_wrong_password_is_refused(self):
        c = self.client("ann", "not-the-password")
        c.start()
        await asyncio.wait_for(c.auth_failed.wait(), 20)

    async def test_imported_roster_is_mutual(self):
        ann = self.client("ann", "ann-password")
        await ann.online()
        iq = await ann.get_roster()
        subs = {str(jid): item["subscription"] for jid, item in iq["roster"]["items"].items()}
        self.assertEqual(subs, {"ben@localhost": "both", "cid@localhost": "both"})
        cid = self.client("cid", "cid-pw")
        await cid.online()
        cid.send_presence()
        ann.send_presence()
        await harness.wait_for(lambda: any(
            s.xml.tag.endswith("presence") and s.xml.get("from", "").startswith("cid@localhost")
            for s in ann.received), timeout=10, what="cid's presence at ann")


if __name__ == "__main__":
    harness.main()
