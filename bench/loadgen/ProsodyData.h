#pragma once

#include <QString>

// Writes accounts (internal_hashed: salt, iteration_count, stored_key and server_key in hex,
// SCRAM-SHA-1) and rosters straight into a Prosody data_path, from the same files that
// `switchboard user import` and `user import-roster` read. Returns an exit code.
int writeProsodyData(const QString &dataPath, const QString &domain, const QString &usersFile,
                     const QString &rosterFile, int iterations);
