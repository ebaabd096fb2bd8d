#pragma once

#include "host/Module.h"

#include <memory>

// XEP-0049 Private XML Storage: a user keeps XML elements on the server, one per qualified
// name, that only the user reads back. Stored in the module's table (private_storage), each set
// committed before the answer; elements are capped in size and number. Another account's storage
// is forbidden (§3), a reserved or missing namespace not-acceptable. The bookmarks module serves
// storage:bookmarks itself, ahead of this one (XEP-0402 §5.3 compatibility).
class PrivateStorageModule final : public Module
{
public:
    PrivateStorageModule();
    ~PrivateStorageModule() override;
    void load(ModuleHost &host) override;

private:
    class State;
    std::unique_ptr<State> m_state;
};
