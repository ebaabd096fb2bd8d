#pragma once

#include "stanza/StreamError.h"

#include <QString>
#include <functional>

class Session;

// The client stream as the negotiation modules (STARTTLS, SASL) see it: what they may ask of
// the stream state machine besides writing to the session.
class Stream
{
public:
    virtual ~Stream() = default;
    virtual Session *session() const = 0;
    // RFC 6120 §4.3.3: after STARTTLS or SASL success the client opens a new stream.
    virtual void restart() = 0;
    // A stream error, then the end of the session.
    virtual void fail(StreamError::Condition condition, const QString &text = QString()) = 0;
    // Stops reading (elements already parsed wait) until releaseInput(), which runs `first`,
    // then handles the waiting elements and reads on, unless `first` held input again.
    virtual void holdInput() = 0;
    virtual void releaseInput(const std::function<void()> &first) = 0;
    // Session resumption: this stream (authenticated, not bound) takes over a hibernating
    // session of the same user (SessionManager::reattach); from now on session() is that one.
    // A session still connected is made to hibernate first (its old connection is let go).
    // False: nothing changed.
    virtual bool reattach(Session *hibernating)
    {
        (void)hibernating;
        return false;
    }
};
