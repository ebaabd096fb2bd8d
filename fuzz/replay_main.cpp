// A stand-in for libFuzzer's driver, for compilers without -fsanitize=fuzzer (g++): runs a
// target on every file of the given corpus directories, then on -runs=N inputs made from them
// by a fixed-seed mutator (byte flips, inserts, deletions, splices, cut-offs). No coverage
// guidance: this is the always-on smoke test, bench/fuzz.sh runs the real fuzzer.
//   fuzz_X_replay [-runs=N] [-seed=S] DIR_OR_FILE...

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

namespace {

using Bytes = std::vector<uint8_t>;

Bytes readFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The input being run, for the crash report: a crash (abort from a target's own check, or a
// signal) prints it in hex and base64 and writes it to replay-crash-<pid> in the working
// directory, so a failed CI run can be reproduced. Only async-signal-safe calls in the handler.
const Bytes *current = nullptr;
char currentName[512];

void say(const char *text, size_t n = size_t(-1))
{
    if (n == size_t(-1))
        n = std::strlen(text);
    while (n > 0) {
        const ssize_t w = ::write(2, text, n);
        if (w <= 0)
            return;
        text += w;
        n -= size_t(w);
    }
}

void onCrash(int sig)
{
    if (current) {
        const Bytes &in = *current;
        say("\n=== replay crashed on ");
        say(currentName);
        char path[64];
        std::snprintf(path, sizeof path, "replay-crash-%d", int(getpid()));
        const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            if (!in.empty() && ::write(fd, in.data(), in.size()) < 0) {}
            ::close(fd);
            say(", saved as ");
            say(path);
        }
        say("\n=== hex:\n");
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < in.size() && i < 4096; ++i) {
            const char pair[3] = {digits[in[i] >> 4], digits[in[i] & 15], (i % 16 == 15) ? '\n' : ' '};
            say(pair, 3);
        }
        say("\n=== base64:\n");
        static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (size_t i = 0; i < in.size() && i < 65536; i += 3) {
            const unsigned v = unsigned(in[i]) << 16 | (i + 1 < in.size() ? unsigned(in[i + 1]) << 8 : 0)
                | (i + 2 < in.size() ? unsigned(in[i + 2]) : 0);
            const char quad[4] = {b64[v >> 18], b64[(v >> 12) & 63], i + 1 < in.size() ? b64[(v >> 6) & 63] : '=',
                                  i + 2 < in.size() ? b64[v & 63] : '='};
            say(quad, 4);
        }
        say("\n");
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

void run(const Bytes &input)
{
    current = &input;
    // A copy of exactly the input's size, so that a sanitizer sees any read past its end.
    auto *copy = static_cast<uint8_t *>(std::malloc(input.empty() ? 1 : input.size()));
    if (!input.empty())
        std::memcpy(copy, input.data(), input.size());
    LLVMFuzzerTestOneInput(copy, input.size());
    std::free(copy);
}

Bytes mutate(const std::vector<Bytes> &corpus, std::mt19937 &random)
{
    auto pick = [&](size_t n) { return n == 0 ? size_t(0) : size_t(random() % n); };
    Bytes out = corpus[pick(corpus.size())];
    const int steps = 1 + int(random() % 4);
    for (int i = 0; i < steps; ++i) {
        switch (random() % 6) {
        case 0:   // flip a bit
            if (!out.empty())
                out[pick(out.size())] ^= uint8_t(1u << (random() % 8));
            break;
        case 1:   // an interesting byte
            if (!out.empty()) {
                static const uint8_t bytes[] = {0, '<', '>', '/', '&', ';', '\'', '"', '=', 0x80, 0xc3, 0xff, ',', '\n'};
                out[pick(out.size())] = bytes[pick(sizeof bytes)];
            }
            break;
        case 2:   // insert random bytes
            for (int n = int(random() % 8); n > 0; --n)
                out.insert(out.begin() + long(pick(out.size() + 1)), uint8_t(random()));
            break;
        case 3:   // delete a range
            if (!out.empty()) {
                const size_t at = pick(out.size());
                const size_t n = std::min(out.size() - at, size_t(1 + random() % 16));
                out.erase(out.begin() + long(at), out.begin() + long(at + n));
            }
            break;
        case 4: {  // splice in a piece of another input
            const Bytes &other = corpus[pick(corpus.size())];
            if (!other.empty()) {
                const size_t from = pick(other.size());
                const size_t n = std::min(other.size() - from, size_t(1 + random() % 64));
                out.insert(out.begin() + long(pick(out.size() + 1)), other.begin() + long(from),
                           other.begin() + long(from + n));
            }
            break;
        }
        default:   // cut off
            if (!out.empty())
                out.resize(pick(out.size()));
            break;
        }
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    long runs = 0;
    unsigned seed = 1;
    std::vector<Bytes> corpus;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.rfind("-runs=", 0) == 0) {
            runs = std::strtol(arg.c_str() + 6, nullptr, 10);
        } else if (arg.rfind("-seed=", 0) == 0) {
            seed = unsigned(std::strtoul(arg.c_str() + 6, nullptr, 10));
        } else if (std::filesystem::is_directory(arg)) {
            std::vector<std::filesystem::path> files;
            for (const auto &entry : std::filesystem::directory_iterator(arg)) {
                if (entry.is_regular_file())
                    files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end());
            for (const auto &file : files)
                corpus.push_back(readFile(file));
        } else if (std::filesystem::is_regular_file(arg)) {
            corpus.push_back(readFile(arg));
        } else {
            std::fprintf(stderr, "%s: no such file or directory\n", arg.c_str());
            return 2;
        }
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: %s [-runs=N] [-seed=S] CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
        std::signal(sig, onCrash);
    for (size_t i = 0; i < corpus.size(); ++i) {
        std::snprintf(currentName, sizeof currentName, "corpus input %zu (in sorted order)", i);
        run(corpus[i]);
    }
    std::mt19937 random(seed);
    for (long i = 0; i < runs; ++i) {
        const Bytes input = mutate(corpus, random);
        std::snprintf(currentName, sizeof currentName, "mutation %ld (-seed=%u)", i, seed);
        run(input);
    }
    std::printf("replayed %zu corpus inputs and %ld mutations: no crash\n", corpus.size(), runs);
    return 0;
}
