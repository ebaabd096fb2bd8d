#include "ServerLag.h"

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

ServerLag::Summary ServerLag::request(bool reset)
{
    Summary summary;
    sockaddr_un address{};
    if (m_path.empty() || m_path.size() >= sizeof(address.sun_path))
        return summary;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return summary;
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, m_path.c_str(), m_path.size() + 1);
    QByteArray reply;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof(address)) == 0) {
        const std::string line = std::string("{\"command\":\"lag\",\"reset\":") + (reset ? "true" : "false") + "}\n";
        if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == ssize_t(line.size())) {
            // A lagging server answers late: that is what is measured, so wait up to 10 s.
            pollfd p{fd, POLLIN, 0};
            while (!reply.contains('\n') && ::poll(&p, 1, 10000) > 0) {
                char buffer[512];
                const ssize_t n = ::read(fd, buffer, sizeof(buffer));
                if (n <= 0)
                    break;
                reply.append(buffer, n);
            }
        }
    }
    ::close(fd);
    const QJsonObject o = QJsonDocument::fromJson(reply.left(reply.indexOf('\n'))).object();
    if (!o.contains(QLatin1String("samples")))
        return summary;
    summary.valid = true;
    summary.samples = o.value(QLatin1String("samples")).toInt();
    summary.p50Ms = o.value(QLatin1String("p50_ms")).toDouble();
    summary.p99Ms = o.value(QLatin1String("p99_ms")).toDouble();
    summary.maxMs = o.value(QLatin1String("max_ms")).toDouble();
    return summary;
}
