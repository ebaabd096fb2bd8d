#pragma once

#include "host/Module.h"
#include "session/SessionData.h"

#include <memory>

struct C2SContext;

// RFC 6120 §6 SASL: the mechanisms offered before authentication (none until the stream is
// encrypted when encryption is required), the exchange, failures counted per session
// (max_sasl_failures) and by the AuthThrottle (delayed answers, locks), PLAIN's PBKDF2 on a
// worker thread, and on success the session authenticated and a new stream.
class SaslModule final : public Module
{
public:
    explicit SaslModule(const C2SContext *context);
    ~SaslModule() override;
    void load(ModuleHost &host) override;

private:
    class Exchange;
    const C2SContext *m_context;
    std::shared_ptr<Exchange> m_exchange;
};
