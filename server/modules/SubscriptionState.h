#pragma once

#include "session/Roster.h"

#include <QString>
#include <optional>

// The presence subscription states of RFC 6121 Appendix A and the transitions of its tables,
// as pure functions (no I/O): the presence feature asks them what a subscription stanza does to
// one side's roster item, then stores and routes accordingly.
//
// "Outbound" is the user's own server processing a stanza the user sent (A.2); "inbound" is the
// contact's server processing a stanza it received for the contact (A.3). Pre-approval (§3.4)
// is not supported, so the rows that would record one do nothing.
namespace SubscriptionState {

// A.1: from the point of view of the owner of the roster item ("user") about one contact.
enum class State {
    None,
    NonePendingOut,
    NonePendingIn,
    NonePendingOutIn,
    To,
    ToPendingIn,
    From,
    FromPendingOut,
    Both,
};

enum class Type { Subscribe, Subscribed, Unsubscribe, Unsubscribed };

struct Transition
{
    State next;
    // Outbound: route the stanza to the contact. Inbound: deliver it to the user's resources.
    bool route = false;
    // Inbound subscribe while the contact is already subscribed (From, From + Pending Out, Both,
    // the rows marked "no *" in A.3.1): the server answers "subscribed" on the user's behalf.
    bool autoReplySubscribed = false;

    bool operator==(const Transition &other) const = default;
};

Transition outbound(State current, Type type);
Transition inbound(State current, Type type);

// The state's parts: whether the contact receives the user's presence ("from"), whether the
// user receives the contact's ("to"), and the two pending flags.
bool hasFrom(State state);
bool hasTo(State state);
bool isPendingOut(State state);
bool isPendingIn(State state);
State fromParts(bool to, bool from, bool pendingOut, bool pendingIn);

// A roster item's state (subscription plus ask and pending-in), and back.
State ofItem(const RosterItem &item);
void applyToItem(State state, RosterItem *item);
RosterItem::Subscription subscriptionOf(State state);

QString stateName(State state);    // "None + Pending Out", as Appendix A writes it
QString typeName(Type type);       // "subscribe"...
std::optional<Type> typeFromName(const QString &name);

} // namespace SubscriptionState
