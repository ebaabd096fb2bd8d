#include "modules/SubscriptionState.h"

using namespace Qt::StringLiterals;

namespace SubscriptionState {

namespace {
constexpr Transition stay(State s, bool route) { return Transition{s, route, false}; }
constexpr Transition go(State s, bool route) { return Transition{s, route, false}; }
} // namespace

// A.2: the user's server, for a subscription stanza the user sends to a contact.
Transition outbound(State current, Type type)
{
    using S = State;
    switch (type) {
    case Type::Subscribe:   // A.2.1: always routed (the contact's server may be out of sync)
        switch (current) {
        case S::None: return go(S::NonePendingOut, true);
        case S::NonePendingIn: return go(S::NonePendingOutIn, true);
        case S::From: return go(S::FromPendingOut, true);
        case S::NonePendingOut:
        case S::NonePendingOutIn:
        case S::To:
        case S::ToPendingIn:
        case S::FromPendingOut:
        case S::Both: return stay(current, true);
        }
        break;
    case Type::Unsubscribe:   // A.2.2: always routed
        switch (current) {
        case S::NonePendingOut: return go(S::None, true);
        case S::NonePendingOutIn: return go(S::NonePendingIn, true);
        case S::To: return go(S::None, true);
        case S::ToPendingIn: return go(S::NonePendingIn, true);
        case S::FromPendingOut: return go(S::From, true);
        case S::Both: return go(S::From, true);
        case S::None:
        case S::NonePendingIn:
        case S::From: return stay(current, true);
        }
        break;
    case Type::Subscribed:   // A.2.3: only an answer to a pending request is routed
        switch (current) {
        case S::NonePendingIn: return go(S::From, true);
        case S::NonePendingOutIn: return go(S::FromPendingOut, true);
        case S::ToPendingIn: return go(S::Both, true);
        case S::None:             // would be a pre-approval (§3.4): not supported
        case S::NonePendingOut:
        case S::To:
        case S::From:
        case S::FromPendingOut:
        case S::Both: return stay(current, false);
        }
        break;
    case Type::Unsubscribed:   // A.2.4
        switch (current) {
        case S::NonePendingIn: return go(S::None, true);
        case S::NonePendingOutIn: return go(S::NonePendingOut, true);
        case S::ToPendingIn: return go(S::To, true);
        case S::From: return go(S::None, true);
        case S::FromPendingOut: return go(S::NonePendingOut, true);
        case S::Both: return go(S::To, true);
        case S::None:
        case S::NonePendingOut:
        case S::To: return stay(current, false);
        }
        break;
    }
    return stay(current, false);
}

// A.3: the contact's server, for a subscription stanza arriving for the contact ("user" here is
// the owner of the roster being changed, the recipient of the stanza).
Transition inbound(State current, Type type)
{
    using S = State;
    switch (type) {
    case Type::Subscribe:   // A.3.1
        switch (current) {
        case S::None: return go(S::NonePendingIn, true);
        case S::NonePendingOut: return go(S::NonePendingOutIn, true);
        case S::To: return go(S::ToPendingIn, true);
        case S::NonePendingIn:
        case S::NonePendingOutIn:
        case S::ToPendingIn: return stay(current, false);
        case S::From:
        case S::FromPendingOut:
        case S::Both: return Transition{current, false, true};
        }
        break;
    case Type::Unsubscribe:   // A.3.2
        switch (current) {
        case S::NonePendingIn: return go(S::None, true);
        case S::NonePendingOutIn: return go(S::NonePendingOut, true);
        case S::ToPendingIn: return go(S::To, true);
        case S::From: return go(S::None, true);
        case S::FromPendingOut: return go(S::NonePendingOut, true);
        case S::Both: return go(S::To, true);
        case S::None:
        case S::NonePendingOut:
        case S::To: return stay(current, false);
        }
        break;
    case Type::Subscribed:   // A.3.3
        switch (current) {
        case S::NonePendingOut: return go(S::To, true);
        case S::NonePendingOutIn: return go(S::ToPendingIn, true);
        case S::FromPendingOut: return go(S::Both, true);
        case S::None:
        case S::NonePendingIn:
        case S::To:
        case S::ToPendingIn:
        case S::From:
        case S::Both: return stay(current, false);
        }
        break;
    case Type::Unsubscribed:   // A.3.4
        switch (current) {
        case S::NonePendingOut: return go(S::None, true);
        case S::NonePendingOutIn: return go(S::NonePendingIn, true);
        case S::To: return go(S::None, true);
        case S::ToPendingIn: return go(S::NonePendingIn, true);
        case S::FromPendingOut: return go(S::From, true);
        case S::Both: return go(S::From, true);
        case S::None:
        case S::NonePendingIn:
        case S::From: return stay(current, false);
        }
        break;
    }
    return stay(current, false);
}

bool hasFrom(State state)
{
    return state == State::From || state == State::FromPendingOut || state == State::Both;
}

bool hasTo(State state)
{
    return state == State::To || state == State::ToPendingIn || state == State::Both;
}

bool isPendingOut(State state)
{
    return state == State::NonePendingOut || state == State::NonePendingOutIn || state == State::FromPendingOut;
}

bool isPendingIn(State state)
{
    return state == State::NonePendingIn || state == State::NonePendingOutIn || state == State::ToPendingIn;
}

State fromParts(bool to, bool from, bool pendingOut, bool pendingIn)
{
    // A pending flag in the direction that is already subscribed means nothing (Appendix A has
    // no "To + Pending Out" or "From + Pending In"): it is dropped.
    if (to && from)
        return State::Both;
    if (to)
        return pendingIn ? State::ToPendingIn : State::To;
    if (from)
        return pendingOut ? State::FromPendingOut : State::From;
    if (pendingOut && pendingIn)
        return State::NonePendingOutIn;
    if (pendingOut)
        return State::NonePendingOut;
    if (pendingIn)
        return State::NonePendingIn;
    return State::None;
}

State ofItem(const RosterItem &item)
{
    using Sub = RosterItem::Subscription;
    const bool to = item.subscription == Sub::To || item.subscription == Sub::Both;
    const bool from = item.subscription == Sub::From || item.subscription == Sub::Both;
    return fromParts(to, from, item.pendingOut, item.pendingIn);
}

RosterItem::Subscription subscriptionOf(State state)
{
    const bool to = hasTo(state);
    const bool from = hasFrom(state);
    if (to && from)
        return RosterItem::Subscription::Both;
    if (to)
        return RosterItem::Subscription::To;
    if (from)
        return RosterItem::Subscription::From;
    return RosterItem::Subscription::None;
}

void applyToItem(State state, RosterItem *item)
{
    item->subscription = subscriptionOf(state);
    item->pendingOut = isPendingOut(state);
    item->pendingIn = isPendingIn(state);
}

QString stateName(State state)
{
    switch (state) {
    case State::None: return u"None"_s;
    case State::NonePendingOut: return u"None + Pending Out"_s;
    case State::NonePendingIn: return u"None + Pending In"_s;
    case State::NonePendingOutIn: return u"None + Pending Out/In"_s;
    case State::To: return u"To"_s;
    case State::ToPendingIn: return u"To + Pending In"_s;
    case State::From: return u"From"_s;
    case State::FromPendingOut: return u"From + Pending Out"_s;
    case State::Both: return u"Both"_s;
    }
    return {};
}

QString typeName(Type type)
{
    switch (type) {
    case Type::Subscribe: return u"subscribe"_s;
    case Type::Subscribed: return u"subscribed"_s;
    case Type::Unsubscribe: return u"unsubscribe"_s;
    case Type::Unsubscribed: return u"unsubscribed"_s;
    }
    return {};
}

std::optional<Type> typeFromName(const QString &name)
{
    if (name == u"subscribe")
        return Type::Subscribe;
    if (name == u"subscribed")
        return Type::Subscribed;
    if (name == u"unsubscribe")
        return Type::Unsubscribe;
    if (name == u"unsubscribed")
        return Type::Unsubscribed;
    return std::nullopt;
}

} // namespace SubscriptionState
