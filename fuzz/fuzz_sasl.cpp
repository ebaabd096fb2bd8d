// The server side of SASL PLAIN, SCRAM-SHA-1 and SCRAM-SHA-256 fed arbitrary client messages,
// against one account whose credentials a fake look-up hands out (user "user", password
// "pencil", a fixed salt, 4096 iterations; the server nonce is fixed so that seeds can hold a
// whole valid exchange). Input: one control byte (bits 0-1: mechanism; bit 2: a local domain
// is set), then the client messages separated by the two bytes FF FE.

#include "FuzzSupport.h"

#include "auth/PlainMechanism.h"
#include "auth/SaslMechanism.h"
#include "auth/ScramMechanism.h"

#include <cstdlib>
#include <memory>

namespace {

const QString User = QStringLiteral("user");

class FakeLookup final : public SaslCredentialLookup
{
public:
    FakeLookup()
        : m_sha1(ScramCredentials::derive(Crypto::Hash::Sha1, "pencil", "fuzz-salt-012345", 4096))
        , m_sha256(ScramCredentials::derive(Crypto::Hash::Sha256, "pencil", "fuzz-salt-012345", 4096))
    {
    }
    std::optional<ScramCredentials> scramCredentials(const QString &username, Crypto::Hash hash) override
    {
        if (username != User)
            return std::nullopt;
        return hash == Crypto::Hash::Sha1 ? m_sha1 : m_sha256;
    }
    bool verifyPassword(const QString &username, const QString &password) override
    {
        // The real one derives a key (slow and beside the point here): the parsing is fuzzed.
        return username == User && password == QStringLiteral("pencil");
    }

private:
    ScramCredentials m_sha1;
    ScramCredentials m_sha256;
};

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    FuzzSupport::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16 * 1024)
        return 0;
    static FakeLookup lookup;
    const uint8_t control = data[0];
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    std::unique_ptr<SaslMechanism> mechanism;
    switch (control & 3) {
    case 0:
    case 3:
        mechanism = std::make_unique<PlainMechanism>(&lookup);
        break;
    case 1:
    case 2: {
        auto scram = std::make_unique<ScramMechanism>((control & 3) == 1 ? Crypto::Hash::Sha1 : Crypto::Hash::Sha256,
                                                      &lookup);
        scram->setServerNonceForTesting("SERVERNONCE");
        mechanism = std::move(scram);
        break;
    }
    }
    if (control & 4)
        mechanism->setLocalDomain(QStringLiteral("localhost"));

    qsizetype at = 0;
    for (int step = 0; step < 8 && at <= input.size(); ++step) {
        qsizetype end = input.indexOf("\xff\xfe", at);
        if (end < 0)
            end = input.size();
        const SaslMechanism::Step result = mechanism->step(input.mid(at, end - at));
        if (result.kind == SaslMechanism::Step::Kind::Success) {
            if (mechanism->authenticatedUsername() != User)
                std::abort();   // only the one account can ever succeed
            break;
        }
        if (result.kind == SaslMechanism::Step::Kind::Failure)
            break;
        at = end + 2;
    }
    return 0;
}
