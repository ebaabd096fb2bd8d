#pragma once

#include "base/ServerConfig.h"
#include "tls/TlsContext.h"
#include "xml/XmlElement.h"

#include <QList>
#include <functional>

class SessionManager;
class StanzaRouter;
class SaslCredentialLookup;
class AuthThrottle;
class Session;
class ModuleHost;

// What every client stream of one server shares: configuration, TLS identity, the session
// manager, the router, the modules and the account look-ups.
struct C2SContext
{
    const ServerConfig *config = nullptr;
    SessionManager *sessions = nullptr;
    StanzaRouter *router = nullptr;
    SaslCredentialLookup *credentials = nullptr;
    AuthThrottle *authThrottle = nullptr;       // failed-login delays and locks; null: none
    // PLAIN's PBKDF2 on worker threads (core's PlainDeriver): derive, then call the function
    // back in the server thread. Empty: inline.
    std::function<void(const QString &username, const QByteArray &preparedPassword, std::function<void()> done)>
        derivePlain;
    TlsContext tls;                             // null context: no TLS available
    bool tlsAvailable = false;
    std::function<bool(const QString &username)> isAccountDisabled;
    // Why the account is kept out for now after a kick (the SASL failure's text), empty when
    // it is not. Empty function: never.
    std::function<QString(const QString &username)> keepOutText;
    // The loaded modules: their stream features and their top-level elements. Null: none.
    ModuleHost *host = nullptr;
};
