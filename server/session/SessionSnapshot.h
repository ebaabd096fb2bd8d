#pragma once

#include <QDateTime>
#include <QHostAddress>
#include <QList>
#include <QMetaType>
#include <QString>

// A value copy of one session's state for observers in other threads (the console, the control
// socket). Never holds a pointer into the live session.
struct SessionSnapshot
{
    enum class Type { Unauthenticated, Authenticated, Bound };

    quint64 id = 0;
    Type type = Type::Unauthenticated;
    QString username;            // empty before authentication
    QString fullJid;             // empty before binding
    QHostAddress peerAddress;
    quint16 peerPort = 0;
    bool directTls = false;
    QString transport;           // what carries the stream: "tcp" or "websocket" (RFC 7395)
    bool encrypted = false;
    QString tlsProtocol;
    QString tlsCipher;
    QString saslMechanism;
    QString clientSoftware;
    bool available = false;      // has presence (seed: available resource)
    bool interested = false;     // requested the roster (seed: interested resource)
    QString presenceShow;        // away, chat, dnd, xa, or empty for plain available
    QString presenceStatus;
    int priority = 0;
    int rosterSize = 0;
    QDateTime connectedSince;
    QDateTime lastActivity;
    quint64 stanzasIn = 0;
    quint64 stanzasOut = 0;
    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    bool csiInactive = false;    // XEP-0352: the client said <inactive/>

    // Stream management (XEP-0198) and hibernation: a hibernating session has no connection
    // and ends at hibernatingUntil unless a new stream resumes it; smUnacked is its queue.
    bool hibernating = false;
    QDateTime hibernatingUntil;
    bool sm = false;
    int smUnacked = 0;

    // The console's people view and client/RTT columns (client version, nickname, ping modules).
    QString clientVersion;       // XEP-0092 "name version"; empty when unknown
    QString nickname;            // XEP-0172, as the client last announced it
    int rttMs = -1;              // last answered server ping; -1 when none yet
    // What the Client column shows: the version answer, else the caps node.
    QString client() const { return clientVersion.isEmpty() ? clientSoftware : clientVersion; }
};

Q_DECLARE_METATYPE(SessionSnapshot)
Q_DECLARE_METATYPE(QList<SessionSnapshot>)
