#pragma once

#include "host/ModuleOption.h"

class ModuleHost;

// The modules every server loads, in load order (which breaks ties between equal priorities).
// A new extension adds one line here.
namespace StandardModules {
void load(ModuleHost &host);
// The config keys the standard modules declare (each module's static options()).
ModuleOptions options();
}
