#pragma once

#include "host/ModuleOption.h"

class HttpsListener;
class ModuleHost;
struct C2SContext;

// The modules every server loads, in load order (which breaks ties between equal priorities).
// A new extension adds one line here.
namespace StandardModules {
// `negotiation`: what the STARTTLS and SASL modules need of the client streams; null (tests
// of stanza modules) loads neither.
// `https`: the server's HTTPS listener, for modules that serve HTTP (file upload); null (tests)
// loads none of them.
void load(ModuleHost &host, const C2SContext *negotiation, HttpsListener *https = nullptr);
// The config keys the standard modules declare (each module's static options()).
ModuleOptions options();
}
