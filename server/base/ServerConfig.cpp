#include "base/ServerConfig.h"

QString ServerConfig::resourceConflictName(ResourceConflict policy)
{
    switch (policy) {
    case ResourceConflict::KickOld: return QStringLiteral("kick_old");
    case ResourceConflict::KickNew: return QStringLiteral("kick_new");
    case ResourceConflict::Random: return QStringLiteral("random");
    }
    return {};
}
