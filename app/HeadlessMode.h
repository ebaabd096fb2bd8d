#pragma once

struct CommandLine;

// The server without a window: prints the `listening …` lines, runs until SIGTERM/SIGINT, then
// shuts down gracefully.
int runHeadless(const CommandLine &commandLine);
