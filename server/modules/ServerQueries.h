#pragma once

#include "xml/XmlElement.h"

#include <QHash>
#include <QString>
#include <functional>

class ModuleHost;
class Session;

// Iq requests the server itself sends to a bound client (XEP-0199 pings, XEP-0092 version
// queries) and their answers. A request is posted to the router like every stanza the server
// sends (its pre- handlers, then delivery to the full JID through the filters); its answer (a
// result or an error, RFC 6120 §8.2.3) is matched by session and id in pre-iq handlers that
// run ahead of every module and consumed there, so no other handler ever sees it. One
// question per session is outstanding at a time; a session's entry goes with it.
class ServerQueries
{
public:
    // `response` is the client's iq (type result or error); `elapsedMs` since the request.
    using Answer = std::function<void(Session *session, const XmlElement &response, qint64 elapsedMs)>;

    // `idPrefix` keeps two users of this helper apart ("ping-", "version-").
    ServerQueries(ModuleHost &host, const QString &idPrefix, Answer answer);

    // Sends <iq type='get' from=domain to=full-JID> with `payload`; replaces an outstanding one.
    void ask(Session *session, const XmlElement &payload);
    bool isWaiting(const Session *session) const;
    qint64 waitingSinceMs(const Session *session) const;   // -1 when not waiting
    int waitingCount() const { return int(m_waiting.size()); }
    void forget(const Session *session);
    // Gives up on questions older than `ms` (a client that never answers).
    void expire(qint64 ms);

private:
    struct Waiting
    {
        quint64 serial;   // the id is the prefix and this number
        qint64 sentMs;
    };
    void erase(QHash<quint64, Waiting>::iterator it);
    bool consume(Session *origin, const XmlElement &stanza);

    ModuleHost &m_host;
    QString m_prefix;
    Answer m_answer;
    quint64 m_next = 0;
    QHash<quint64, Waiting> m_waiting;   // by session id
};
