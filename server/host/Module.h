#pragma once

class ModuleHost;

// One XMPP extension: a .h/.cpp pair under server/modules/ whose load() hooks what it needs
// through the host (events, disco, stream features, elements, session lifecycle, options,
// tables). See "Adding an extension" in docs/ARCHITECTURE.md.
class Module
{
public:
    virtual ~Module() = default;
    virtual void load(ModuleHost &host) = 0;
};
