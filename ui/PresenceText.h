#pragma once

#include "session/SessionSnapshot.h"

#include <QString>

// Presence as people read it (RFC 6121 §4.7.2.1 <show/> values in words, then the status
// text), for the session table and the people view; the raw XML stays in the details pane.
namespace PresenceText {
// "Online", "Free to chat", "Away", "Extended away", "Do not disturb"; "Offline" when not
// available.
QString show(const SessionSnapshot &session);
// show, then " — status" when there is one.
QString summary(const SessionSnapshot &session);
// Lower is more present: chat 0, online 1, away 2, xa 3, dnd 4, offline 5 (connected but
// without presence), 6 (not yet bound).
int rank(const SessionSnapshot &session);
} // namespace PresenceText
