#pragma once

#include "core/ServerConfig.h"
#include "tls/TlsContext.h"
#include "xml/XmlElement.h"

#include <QList>
#include <functional>

class SessionManager;
class StanzaRouter;
class SaslCredentialLookup;
class AuthThrottle;
class PlainDeriver;
class Session;

// What every client stream of one server shares: configuration, TLS identity, the session
// manager, the router and the account look-ups.
struct C2SContext
{
    const ServerConfig *config = nullptr;
    SessionManager *sessions = nullptr;
    StanzaRouter *router = nullptr;
    SaslCredentialLookup *credentials = nullptr;
    AuthThrottle *authThrottle = nullptr;       // failed-login delays and locks; null: none
    PlainDeriver *plainDeriver = nullptr;       // PLAIN's PBKDF2 on worker threads; null: inline
    TlsContext tls;                             // null context: no TLS available
    bool tlsAvailable = false;
    std::function<bool(const QString &username)> isAccountDisabled;
    // Extra stream features offered once the client is authenticated (e.g. roster versioning).
    QList<XmlElement> boundStreamFeatures;
};
