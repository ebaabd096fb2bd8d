#pragma once

#include "host/Module.h"

struct C2SContext;

// RFC 6120 §5 STARTTLS: offered before authentication while the stream is in clear text
// (<required/> with require_encryption); <proceed/>, then the TLS handshake and a new stream.
class StartTlsModule final : public Module
{
public:
    explicit StartTlsModule(const C2SContext *context) : m_context(context) {}
    void load(ModuleHost &host) override;

private:
    const C2SContext *m_context;
};
