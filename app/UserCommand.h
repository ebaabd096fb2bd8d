#pragma once

#include <QString>

class Database;
class QTextStream;
struct CommandLine;

// Opens the command line's data directory for a command that works on the database directly
// and returns its domain (recorded now if no program opened it before); empty, with the reason
// written to err, when the database cannot be opened or belongs to another domain.
QString openDataDirectory(const CommandLine &commandLine, Database *database, QTextStream &err);

// `switchboard user add|passwd|delete|list`: works on the database directly, so it also works
// while the server runs (SQLite in WAL mode, busy timeout).
int runUserCommand(const CommandLine &commandLine);
