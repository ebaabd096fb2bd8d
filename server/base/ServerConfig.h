#pragma once

#include <QHash>
#include <QHostAddress>
#include <QString>

// What a running server is told by the command line and the config file (app/ reads those).
// Defaults are the embedded configuration: a server that works out of the box on one machine.
struct ServerConfig
{
    enum class ResourceConflict { KickOld, KickNew, Random };

    QString domain = QStringLiteral("localhost");
    QString dataDir;                       // empty: the app fills in AppDataLocation
    QHostAddress bindAddress = QHostAddress(QHostAddress::LocalHost);
    quint16 c2sPort = 5222;                // 0: pick a free port
    quint16 c2sTlsPort = 5223;             // direct TLS (XEP-0368); 0: pick a free port
    bool c2sTlsEnabled = true;
    QString tlsCert;                       // operator's PEM files; empty: self-signed in dataDir
    QString tlsKey;
    bool requireEncryption = true;         // RFC 6120 §5.3.1 mandatory-to-negotiate
    bool allowPlainWithoutTls = false;     // like Prosody's allow_unencrypted_plain_auth
    ResourceConflict resourceConflict = ResourceConflict::KickOld;
    int scramIterations = 10000;           // Prosody's default, for like-for-like comparisons
    int unauthenticatedTimeoutSeconds = 60;
    int maxSaslFailures = 5;
    qint64 maxStanzaBytes = 256 * 1024;
    int offlineQuota = 1000;

    // Hardening limits (README "Security"). Each is answered with the RFC 6120 error named.
    int maxElementDepth = 64;              // nesting below a stanza → policy-violation
    int maxAttributes = 64;                // per element, namespace declarations included
    int maxConnections = 5000;             // all client connections → resource-constraint
    int maxUnauthenticated = 500;          // not yet authenticated, all addresses together
    int maxUnauthenticatedPerIp = 20;      // not yet authenticated, from one address
    qint64 readRateBytes = 64 * 1024;      // per session, bytes/s; 0: unlimited (reads slow down)
    int maxRosterItems = 1000;             // per user → not-allowed on a roster set
    int authDelayMs = 250;                 // first failed login's delay, doubling per failure
    int authDelayMaxMs = 8000;
    int authLockFailures = 10;             // failures in a row per account before it locks
    int authLockFailuresPerIp = 50;        // and per client address
    int authLockSeconds = 300;             // how long a lock lasts (and a failure is remembered)

    // The HTTPS listener (http/HttpsListener: file upload, the invitation page, WebSocket),
    // with the XMPP certificate on bindAddress. -1: 5281, or 0 (pick a free port) when
    // c2sPort is 0, so that servers under test never collide on a fixed port.
    int httpsPort = -1;                    // upload_port
    QString httpsUrlBase;                  // upload_url_base (behind a reverse proxy); empty: https://DOMAIN:PORT
    quint16 effectiveHttpsPort() const { return httpsPort >= 0 ? quint16(httpsPort) : c2sPort == 0 ? 0 : 5281; }

    // Keys that modules declare (ModuleOptions), as written in the config file.
    QHash<QString, QString> moduleOptions;

    static QString resourceConflictName(ResourceConflict policy);
};
