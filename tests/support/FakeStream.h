#pragma once

#include "host/Stream.h"

#include <functional>

// A client stream for module tests without a socket: restarts and failures are ignored, held
// input is released at once.
class FakeStream final : public Stream
{
public:
    explicit FakeStream(Session *session) : m_session(session) {}
    Session *session() const override { return m_session; }
    void restart() override {}
    void fail(StreamError::Condition, const QString &) override {}
    void holdInput() override {}
    void releaseInput(const std::function<void()> &first) override { first(); }

private:
    Session *m_session;
};
