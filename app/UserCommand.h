#pragma once

struct CommandLine;

// `switchboard user add|passwd|delete|list`: works on the database directly, so it also works
// while the server runs (SQLite in WAL mode, busy timeout).
int runUserCommand(const CommandLine &commandLine);
