#pragma once

#include "session/Roster.h"
#include "session/SessionSnapshot.h"
#include "session/SessionTimeline.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>

// Values the Server hands to administrators in other threads (the console, the control socket).
// Copies only, never pointers into the running server.

struct AccountInfo
{
    QString username;       // prepared localpart
    QString jid;            // username@domain
    bool disabled = false;
    QDateTime created;
    QDateTime keptOutUntil;   // UTC; valid while a kick keeps the account out (AdminService)
};

struct ServerInfo
{
    QString domain;
    QString bindAddress;
    quint16 c2sPort = 0;            // STARTTLS port
    quint16 c2sTlsPort = 0;         // direct TLS port; 0 when off
    bool requireEncryption = true;
    QString dataDir;
    QString version;
    QString certificateSubject;
    QString certificateFingerprint; // SHA-256, "AB:CD:..."
    QDateTime certificateExpiry;
    bool certificateSelfSigned = false;
    QDateTime startedAt;            // UTC
};

// Once a second while running.
struct ServerStats
{
    QDateTime time;                 // UTC
    double stanzasPerSecond = 0;    // in and out, over the last interval
    int connections = 0;
    int unauthenticated = 0;
    int connected = 0;              // connected resources (bound)
    int available = 0;
    int interested = 0;
    quint64 failedLogins = 0;       // SASL failures since the start (the tray's burst alert)
};

// Everything the console's details pane shows about one session: the session model's fields, the
// user's roster and the user's other sessions.
struct SessionDetails
{
    quint64 id = 0;
    bool found = false;
    SessionSnapshot snapshot;
    QString type;                   // the session model's words: c2s_unauthed, c2s_unbound, c2s
    bool notopen = true;
    QString host;
    QString resource;
    QString presence;               // the last broadcast presence as XML; empty when nil
    QList<RosterItem> roster;
    qint64 rosterVersion = 0;
    QList<SessionSnapshot> otherSessions;   // the same user's, any state
    SessionTimeline timeline;       // also for a closed session while it is kept
};

// What one account publishes about itself (vCard, PEP), for the console's details pane.
struct UserProfile
{
    struct Node
    {
        QString name;
        int items = 0;
        QString accessModel;
    };
    QString user;
    QString nickname;          // PEP nick, else the vCard's NICKNAME, else its FN
    QByteArray avatar;         // the image bytes (XEP-0084 data), empty when none
    QList<Node> nodes;
    // OMEMO (XEP-0384, both versions): a device list is published, bundles are published, and
    // whether contacts may read them (access model open or presence).
    bool omemoDeviceList = false;
    bool omemoDeviceListReadable = false;
    int omemoBundles = 0;
    int omemoBundlesReadable = 0;
};

Q_DECLARE_METATYPE(AccountInfo)
Q_DECLARE_METATYPE(UserProfile)
Q_DECLARE_METATYPE(ServerInfo)
Q_DECLARE_METATYPE(ServerStats)
Q_DECLARE_METATYPE(SessionDetails)
