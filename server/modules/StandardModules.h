#pragma once

class ModuleHost;

// The modules every server loads, in load order (which breaks ties between equal priorities).
// A new extension adds one line here.
namespace StandardModules {
void load(ModuleHost &host);
}
