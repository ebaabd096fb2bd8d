#include "SystemMode.h"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

bool SystemMode::becomeServiceUser(QString *error)
{
    const passwd *account = ::getpwnam(UserName);
    if (!account) {
        *error = u"--system: there is no '%1' system user (is the switchboard package installed?)"_s.arg(
            QLatin1StringView(UserName));
        return false;
    }
    const uid_t uid = account->pw_uid;
    const gid_t gid = account->pw_gid;
    if (::geteuid() == uid)
        return true;
    if (::geteuid() != 0) {
        *error = u"--system: the service's files belong to the '%1' user; run this as root "
                 "(sudo switchboard --system ...) or as '%1'"_s.arg(QLatin1StringView(UserName));
        return false;
    }
    // Group first, then the supplementary groups, then the user: after setuid we could not.
    if (::setgid(gid) != 0 || ::initgroups(UserName, gid) != 0 || ::setuid(uid) != 0) {
        *error = u"--system: cannot switch to the '%1' user: %2"_s.arg(QLatin1StringView(UserName),
                                                                     QString::fromLocal8Bit(std::strerror(errno)));
        return false;
    }
    // Files the command creates (database, certificate) stay private to the service.
    ::umask(0077);
    return true;
}
