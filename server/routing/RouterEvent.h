#pragma once

#include <QString>

// The router's events, named by a typed helper so that no file spells event strings and the
// router finds a handler list by array index, not by hashing a string per stanza.
//
//   Event::pre(kind, target)       "pre-<kind>/<target>": a stanza entering routing from a local
//                                  client or from the server itself, before its destination is
//                                  served (Prosody's pre-*); handlers may rewrite or drop it
//   Event::incoming(kind, target)  "<kind>/<target>": serve the stanza at its destination
//
// Targets: the server's domain (host), the sender's own bare JID for iq and message (self),
// a local bare or full JID, and three that are not an address:
//   presence/broadcast  presence without 'to' (RFC 6121 §4.2-§4.5)
//   presence/initial    after an initial presence went out (fired by the presence module)
//   message/offline     a message no resource could take (fired by the message module)
enum class Kind : quint8 { Message, Presence, Iq };
enum class Target : quint8 { Host, Self, Bare, Full, Broadcast, Initial, Offline };

struct Event
{
    enum class Phase : quint8 { Pre, Incoming };

    static constexpr int KindCount = 3;
    static constexpr int TargetCount = 7;
    static constexpr int Count = 2 * KindCount * TargetCount;

    static constexpr Event incoming(Kind kind, Target target) { return {Phase::Incoming, kind, target}; }
    static constexpr Event pre(Kind kind, Target target) { return {Phase::Pre, kind, target}; }

    constexpr int index() const { return (int(phase) * KindCount + int(kind)) * TargetCount + int(target); }
    QString name() const;

    static QString kindName(Kind kind);
    static QString targetName(Target target);

    Phase phase;
    Kind kind;
    Target target;
};
