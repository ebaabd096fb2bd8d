#pragma once

#include "routing/RouterEvent.h"
#include "stanza/Jid.h"
#include "stanza/StanzaError.h"
#include "xml/XmlElement.h"

#include <QHash>
#include <QString>
#include <array>
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
    Kind kind = Kind::Message;
    Target target = Target::Host;
};

// One stanza about to be written to one session: the last point where a module sees it.
struct Delivery
{
    Session *to = nullptr;
    XmlElement stanza;
    // Optional: told whether the stanza reached its client (true) or not (false), e.g. so
    // that an offline message is deleted only then. Written or dropped by a filter: true at
    // once. A filter that keeps the stanza (a stream management queue) may take it over
    // (std::move) and call it when the client acknowledges, or with false when it never will.
    std::function<void(bool delivered)> done;
};

// Where delivered stanzas are written. The default writes to the session's stream; tests put
// a recording sink here (tests/unit/RecordingSink.h) and need no sockets.
class DeliverySink
{
public:
    virtual ~DeliverySink() = default;
    virtual void write(Session *to, const XmlElement &stanza) = 0;
};

// Prosody's stanza_router: validates a bound client's stanza, stamps 'from' with the sender's
// full JID (RFC 6120 §8.1.2.1), classifies the target and fires typed events (RouterEvent.h),
// in this order, each list highest priority first, until a handler returns true:
//   1. pre-<kind>/<target>                 may rewrite event.stanza, or drop it (return true)
//   2. iq get/set only: the payload's handler (hookIq)
//   3. <kind>/<target>; "self" falls back to "<kind>/bare"
//   4. the default: iq to a connected full JID is passed on, an unhandled iq get/set or message
//      gets service-unavailable
// Every stanza the server writes to a client session outside stream negotiation goes through
// deliver(), which runs the delivery filters (highest priority first; one may rewrite or drop)
// and then the sink.
class StanzaRouter
{
public:
    using Handler = std::function<bool(StanzaEvent &)>;
    using DeliveryFilter = std::function<bool(Delivery &)>;   // true: dropped

    StanzaRouter(SessionManager *sessions, const QString &domain);
    ~StanzaRouter();

    void hook(Event event, Handler handler, int priority = 0);
    // An iq get (set = false) or set to `target` whose payload is <name xmlns=ns>.
    void hookIq(bool set, Target target, const QString &ns, const QString &name, Handler handler, int priority = 0);
    void addDeliveryFilter(DeliveryFilter filter, int priority = 0);

    const QString &domain() const { return m_domain; }
    // A subdomain served inside this server (upload.DOMAIN): every stanza addressed to it goes
    // to `handler` (event.target is Host); an iq get/set nobody answered gets
    // service-unavailable. Any other domain stays unreachable (no server-to-server).
    void addComponent(const QString &domain, Handler handler);
    SessionManager *sessions() const { return m_sessions; }

    // Entry point for stanzas from a bound client session.
    void routeFromClient(Session *origin, const XmlElement &stanza);
    // Entry point for stanzas the server sends on a user's or its own behalf ('from' is
    // trusted; origin may be null): Prosody's core_post_stanza. Runs the same events.
    void post(const XmlElement &stanza, Session *origin = nullptr);

    // Writes one stanza to one session through the delivery filters.
    void deliver(Session *to, const XmlElement &stanza);
    // The same, telling `done` whether it reached the client (Delivery::done).
    void deliver(Session *to, const XmlElement &stanza, std::function<void(bool delivered)> done);
    // Delivers to the full JID's session if it is connected; returns false otherwise.
    bool deliverToFullJid(const Jid &to, const XmlElement &stanza);

    // Sends an error reply to the stanza's sender, unless the stanza is itself an error
    // (RFC 6120 §8.3.1: never answer an error with an error).
    void bounce(const StanzaEvent &event, StanzaError::Condition condition, const QString &text = QString());
    void reply(const StanzaEvent &event, const XmlElement &response);

    // Builds a result iq for a get/set, from/to swapped, same id.
    static XmlElement makeIqResult(const XmlElement &request);

    // Runs the handlers of an event until one returns true (false: nobody handled it). Modules
    // also fire events between each other (presence/initial, message/offline).
    bool fire(Event event, StanzaEvent &stanzaEvent);

    // Null restores the default (the session's own stream).
    void setSink(DeliverySink *sink);

private:
    void dispatch(StanzaEvent &event);

    struct Entry
    {
        int priority;
        Handler handler;
    };
    struct FilterEntry
    {
        int priority;
        DeliveryFilter filter;
    };
    struct IqKey
    {
        bool set;
        Target target;
        QString ns;
        QString name;
        bool operator==(const IqKey &other) const = default;
        friend size_t qHash(const IqKey &key, size_t seed = 0)
        {
            return qHashMulti(seed, key.set, int(key.target), key.ns, key.name);
        }
    };
    class SessionSink;

    bool run(const std::vector<Entry> &list, StanzaEvent &event);

    SessionManager *m_sessions;
    QString m_domain;
    std::array<std::vector<Entry>, Event::Count> m_handlers;
    QHash<IqKey, std::vector<Entry>> m_iqHandlers;
    std::vector<FilterEntry> m_filters;
    QHash<QString, Handler> m_components;
    std::unique_ptr<DeliverySink> m_defaultSink;
    DeliverySink *m_sink;
};
