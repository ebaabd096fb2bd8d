"""The installed files say what the program does: the manual page lists every option of
--help, and the packaged config file, with every key uncommented, is accepted as it stands."""

import os
import re
import subprocess
import tempfile
import unittest

import harness
from harness import Server

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGED_INI = os.path.join(SOURCE, "packaging", "switchboard.ini")


class ManPageTest(unittest.TestCase):

    def test_every_option_of_help_is_in_the_manual(self):
        help_text = subprocess.run([harness.BIN, "--help"], capture_output=True, text=True, timeout=30).stdout
        man = subprocess.run([harness.BIN, "--help-man"], capture_output=True, text=True, timeout=30)
        self.assertEqual(man.returncode, 0, man.stderr)
        self.assertTrue(man.stdout.startswith(".TH SWITCHBOARD 1"), man.stdout[:80])
        options = set(re.findall(r"^\s+(?:-\w, )?--([\w-]+)", help_text, re.M))
        self.assertIn("system", options)
        self.assertNotIn("help-man", options)   # hidden from --help
        for option in options:
            self.assertIn("\\-\\-" + option.replace("-", "\\-"), man.stdout, option)
        for command in ("user add|passwd JID", "sessions [\\-\\-json]", "lag [\\-\\-reset] [\\-\\-json]"):
            self.assertIn(command, man.stdout)
        for section in ("NAME", "SYNOPSIS", "OPTIONS", "CONFIGURATION", "FILES"):
            self.assertIn(".SH " + section, man.stdout)


class PackagedConfigTest(unittest.TestCase):

    def test_uncommented_defaults_are_accepted(self):
        keys = []
        lines = []
        with open(PACKAGED_INI) as f:
            for line in f:
                m = re.match(r"^;([a-z_]+) = ?(.*)$", line.rstrip("\n"))
                if m:
                    keys.append(m.group(1))
                    lines.append(f"{m.group(1)} = {m.group(2)}")
                else:
                    lines.append(line.rstrip("\n"))
        self.assertGreater(len(keys), 20)
        man = subprocess.run([harness.BIN, "--help-man"], capture_output=True, text=True, timeout=30).stdout
        for key in keys:   # every packaged key is one the program knows (the manual's table)
            self.assertIn("\\fB" + key.replace("-", "\\-") + "\\fR", man, key)
        server = Server(config_text="\n".join(lines) + "\n")
        self.addCleanup(server.cleanup)
        server.start()   # the test's own ports and data directory win over the file
        self.assertEqual(server.add_user("alice", "pw"), "alice@localhost")


if __name__ == "__main__":
    harness.main()
