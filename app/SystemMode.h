#pragma once

#include <QString>

// `switchboard --system ...` acts on the installed service (the Debian package): its files
// belong to the 'switchboard' system user, so root switches to that user before anything is
// opened (new files are then the service's own), that user goes on as it is, and anyone else
// is told to use sudo. Returns false with *error when it cannot run as the service.
namespace SystemMode {
inline constexpr char UserName[] = "switchboard";
bool becomeServiceUser(QString *error);
}
