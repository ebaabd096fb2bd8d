#pragma once

#include "stanza/Jid.h"
#include "stanza/StanzaError.h"
#include "xml/XmlElement.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <functional>
#include <vector>

class Session;
class SessionManager;

// What a handler sees: the stanza (from already stamped), who sent it, and where it goes.
struct StanzaEvent
{
    Session *origin = nullptr;   // null for stanzas the server itself originates
    XmlElement stanza;
    Jid from;
    Jid to;                      // resolved: absent 'to' on iq/message means the sender's bare JID
    bool toAbsent = false;       // the stanza had no 'to' (presence broadcast, §4.2 of RFC 6121)
};

// Prosody's stanza_router: validates a bound client's stanza, stamps 'from' with the sender's
// full JID (RFC 6120 §8.1.2.1), classifies the target and fires named events:
//   "<kind>/host"  to the server's domain
//   "<kind>/self"  to the sender's own bare JID or with no 'to' (iq and message)
//   "<kind>/bare"  to a bare JID of a local user
//   "<kind>/full"  to a full JID of a local user
//   "presence/broadcast"  presence without 'to' (RFC 6121 §4.2-§4.5), instead of the above
// iq get/set first fire "iq-<type>/<target>/<namespace>:<name>" of their payload. Handlers run in
// priority order until one returns true. An iq get/set nobody handles gets service-unavailable.
class StanzaRouter
{
public:
    using Handler = std::function<bool(StanzaEvent &)>;

    StanzaRouter(SessionManager *sessions, const QString &domain);

    void addHandler(const QString &event, Handler handler, int priority = 0);
    // Features the server advertises in disco#info (XEP-0030) for the domain and accounts.
    void addServerFeature(const QString &feature) { m_serverFeatures.append(feature); }
    void addAccountFeature(const QString &feature) { m_accountFeatures.append(feature); }
    const QStringList &serverFeatures() const { return m_serverFeatures; }
    const QStringList &accountFeatures() const { return m_accountFeatures; }

    const QString &domain() const { return m_domain; }
    SessionManager *sessions() const { return m_sessions; }

    // Entry point for stanzas from a bound client session.
    void routeFromClient(Session *origin, const XmlElement &stanza);
    // Entry point for stanzas the server sends on a user's or its own behalf (from is trusted).
    void routeLocal(const XmlElement &stanza, Session *origin = nullptr);

    // Sends an error reply to the stanza's sender, unless the stanza is itself an error
    // (RFC 6120 §8.3.1: never answer an error with an error).
    void bounce(const StanzaEvent &event, StanzaError::Condition condition, const QString &text = QString());
    void reply(const StanzaEvent &event, const XmlElement &response);
    // Delivers to the full JID's session if it is connected; returns false otherwise.
    bool deliverToFullJid(const Jid &to, const XmlElement &stanza);

    // Builds a result iq for a get/set, from/to swapped, same id.
    static XmlElement makeIqResult(const XmlElement &request);

    // Runs the handlers of an event until one returns true (false: nobody handled it). Features
    // also use it for events of their own between each other ("presence/initial",
    // "message/offline").
    bool fire(const QString &eventName, StanzaEvent &event);

private:
    void dispatch(StanzaEvent &event);

    struct Entry
    {
        int priority;
        Handler handler;
    };
    SessionManager *m_sessions;
    QString m_domain;
    QHash<QString, std::vector<Entry>> m_handlers;
    QStringList m_serverFeatures;
    QStringList m_accountFeatures;
};
