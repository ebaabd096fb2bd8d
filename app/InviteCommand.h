#pragma once

struct CommandLine;

// `switchboard invite create|list|revoke`: like `user`, works on the database directly, so it
// works with the server running or not (SQLite in WAL mode, busy timeout); entries go to the
// same audit log as the console's.
int runInviteCommand(const CommandLine &commandLine);
