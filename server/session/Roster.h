#pragma once

#include "stanza/Jid.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

// One contact of a user's roster (RFC 6121 §2.1.2). The subscription state is kept as the
// RFC's pair of directions plus the pending flags of Appendix A, so that every row of the state
// table is representable.
struct RosterItem
{
    enum class Subscription { None, To, From, Both, Remove };

    Jid jid;                      // bare
    QString name;
    Subscription subscription = Subscription::None;
    bool pendingOut = false;      // ask='subscribe': we asked the contact
    bool pendingIn = false;       // the contact asked us and we have not answered
    bool approved = false;        // pre-approval (RFC 6121 §3.4)
    QStringList groups;

    static QString subscriptionName(Subscription subscription);
    static Subscription subscriptionFromName(const QString &name, bool *ok = nullptr);
};

// A user's roster, shared by all of the user's connected resources (as Prosody's is).
struct Roster
{
    QHash<Jid, RosterItem> items;   // keyed by contact bare JID
    qint64 version = 0;             // roster versioning (RFC 6121 §2.6): bumps on each change
};
