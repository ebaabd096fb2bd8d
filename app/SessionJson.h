#pragma once

#include "session/SessionSnapshot.h"
#include "session/SessionTimeline.h"

#include <QJsonObject>

// The JSON shape of a session for `switchboard sessions --json` (a stable interface for scripts).
namespace SessionJson {
QJsonObject toJson(const SessionSnapshot &session);
QString stateName(const SessionSnapshot &session);
// `switchboard timeline JID --json`: id, jid, peer, closed, steps [{time, kind, detail}].
QJsonObject toJson(const SessionTimeline &timeline);
}
