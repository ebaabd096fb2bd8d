#pragma once

#include <atomic>
#include <memory>
#include <vector>

class Session;

// Typed per-session data of a module: it lives in the session and dies with it, so a module
// needs no side table keyed by session id and no close hook just to clean one up.
//
//     SessionData<DirectedPresence> m_directed;        // a member of the module
//     m_directed.get(session).targets.insert(jid);     // created on first use
//     if (auto *d = m_directed.find(session)) ...      // null when never set
class SessionSlots
{
public:
    static int allocate()
    {
        static std::atomic<int> next{0};
        return next++;
    }
    void *find(int slot) const { return slot < int(m_slots.size()) ? m_slots[size_t(slot)].get() : nullptr; }
    void set(int slot, std::shared_ptr<void> value)
    {
        if (slot >= int(m_slots.size()))
            m_slots.resize(size_t(slot) + 1);
        m_slots[size_t(slot)] = std::move(value);
    }
    void clear() { m_slots.clear(); }

private:
    std::vector<std::shared_ptr<void>> m_slots;
};

template<class T>
class SessionData
{
public:
    SessionData() : m_slot(SessionSlots::allocate()) {}
    T *find(const Session *session) const;
    T &get(Session *session);
    void reset(Session *session);

private:
    int m_slot;
};
