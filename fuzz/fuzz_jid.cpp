// JID parsing and RFC 7622 preparation (libidn stringprep) of arbitrary text. A prepared JID
// must be a fixed point: parsing its own string gives the same JID, or equal JIDs would be
// told apart (routing, rosters, locks all compare prepared JIDs).

#include "FuzzSupport.h"

#include "stanza/Jid.h"

#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    FuzzSupport::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    const Jid jid = Jid::parse(text);
    if (!jid.isNull()) {
        const QString written = jid.toString();
        const Jid again = Jid::parse(written);
        if (again != jid || again.toString() != written) {
            qInstallMessageHandler(nullptr);
            qCritical("JID preparation is not idempotent: %s -> %s", qUtf8Printable(written),
                      qUtf8Printable(again.toString()));
            std::abort();
        }
        (void)jid.bare();
        (void)jid.withResource(QStringLiteral("r"));
    }
    for (const QString &part : {Jid::prepareNode(text), Jid::prepareResource(text)}) {
        (void)part;
    }
    const QString domain = Jid::prepareDomain(text);
    if (!domain.isEmpty() && Jid::prepareDomain(domain) != domain) {
        qInstallMessageHandler(nullptr);
        qCritical("domain preparation is not idempotent: %s", qUtf8Printable(domain));
        std::abort();
    }
    return 0;
}
