#include "session/Roster.h"

QString RosterItem::subscriptionName(Subscription subscription)
{
    switch (subscription) {
    case Subscription::None: return QStringLiteral("none");
    case Subscription::To: return QStringLiteral("to");
    case Subscription::From: return QStringLiteral("from");
    case Subscription::Both: return QStringLiteral("both");
    case Subscription::Remove: return QStringLiteral("remove");
    }
    return {};
}

RosterItem::Subscription RosterItem::subscriptionFromName(const QString &name, bool *ok)
{
    if (ok)
        *ok = true;
    if (name == u"none" || name.isEmpty())
        return Subscription::None;
    if (name == u"to")
        return Subscription::To;
    if (name == u"from")
        return Subscription::From;
    if (name == u"both")
        return Subscription::Both;
    if (name == u"remove")
        return Subscription::Remove;
    if (ok)
        *ok = false;
    return Subscription::None;
}
