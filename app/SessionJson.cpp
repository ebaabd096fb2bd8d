#include "SessionJson.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

QString SessionJson::stateName(const SessionSnapshot &s)
{
    switch (s.type) {
    case SessionSnapshot::Type::Unauthenticated: return u"unauthenticated"_s;
    case SessionSnapshot::Type::Authenticated: return u"authenticated"_s;
    case SessionSnapshot::Type::Bound: break;
    }
    if (s.hibernating)
        return u"hibernating"_s;
    if (s.interested)
        return u"interested"_s;
    if (s.available)
        return u"available"_s;
    return u"connected"_s;
}

QJsonObject SessionJson::toJson(const SessionTimeline &t)
{
    QJsonObject o;
    o.insert(u"id"_s, qint64(t.id));
    o.insert(u"jid"_s, t.jid);
    o.insert(u"peer"_s, t.peer);
    o.insert(u"closed"_s, t.closed);
    QJsonArray steps;
    for (const TimelineStep &step : t.steps) {
        QJsonObject s;
        s.insert(u"time"_s, step.time.toUTC().toString(Qt::ISODateWithMs));
        s.insert(u"kind"_s, step.kind);
        s.insert(u"detail"_s, step.detail);
        steps.append(s);
    }
    o.insert(u"steps"_s, steps);
    return o;
}

QJsonObject SessionJson::toJson(const SessionSnapshot &s)
{
    QJsonObject o;
    o.insert(u"id"_s, qint64(s.id));
    o.insert(u"jid"_s, s.fullJid);
    o.insert(u"username"_s, s.username);
    o.insert(u"state"_s, stateName(s));
    o.insert(u"address"_s, s.peerAddress.toString());
    o.insert(u"port"_s, s.peerPort);
    o.insert(u"encrypted"_s, s.encrypted);
    o.insert(u"direct_tls"_s, s.directTls);
    o.insert(u"transport"_s, s.transport);
    o.insert(u"tls_protocol"_s, s.tlsProtocol);
    o.insert(u"tls_cipher"_s, s.tlsCipher);
    o.insert(u"sasl_mechanism"_s, s.saslMechanism);
    o.insert(u"client"_s, s.client());   // the XEP-0092 answer, else the caps node
    o.insert(u"rtt_ms"_s, s.rttMs >= 0 ? QJsonValue(s.rttMs) : QJsonValue());   // null: no ping answered yet
    o.insert(u"available"_s, s.available);
    o.insert(u"interested"_s, s.interested);
    o.insert(u"show"_s, s.presenceShow);
    o.insert(u"status"_s, s.presenceStatus);
    o.insert(u"priority"_s, s.priority);
    o.insert(u"roster_size"_s, s.rosterSize);
    o.insert(u"connected_since"_s, s.connectedSince.toString(Qt::ISODate));
    o.insert(u"last_activity"_s, s.lastActivity.toString(Qt::ISODate));
    o.insert(u"stanzas_in"_s, qint64(s.stanzasIn));
    o.insert(u"stanzas_out"_s, qint64(s.stanzasOut));
    o.insert(u"bytes_in"_s, qint64(s.bytesIn));
    o.insert(u"bytes_out"_s, qint64(s.bytesOut));
    o.insert(u"csi"_s, s.csiInactive ? u"inactive"_s : u"active"_s);   // XEP-0352
    // XEP-0198: a hibernating session has no connection and ends at hibernating_until.
    o.insert(u"hibernating"_s, s.hibernating);
    if (s.hibernating)
        o.insert(u"hibernating_until"_s, s.hibernatingUntil.toString(Qt::ISODate));
    o.insert(u"sm"_s, s.sm);
    o.insert(u"sm_unacked"_s, s.smUnacked);
    return o;
}
