#include "PresenceText.h"

#include <QCoreApplication>

using namespace Qt::StringLiterals;

namespace PresenceText {

QString show(const SessionSnapshot &s)
{
    auto tr = [](const char *text) { return QCoreApplication::translate("PresenceText", text); };
    if (!s.available)
        return s.type == SessionSnapshot::Type::Bound ? tr("Offline") : tr("Signing in");
    if (s.presenceShow == u"chat")
        return tr("Free to chat");
    if (s.presenceShow == u"away")
        return tr("Away");
    if (s.presenceShow == u"xa")
        return tr("Extended away");
    if (s.presenceShow == u"dnd")
        return tr("Do not disturb");
    return tr("Online");
}

QString summary(const SessionSnapshot &s)
{
    const QString text = show(s);
    return s.available && !s.presenceStatus.isEmpty() ? text + u" \u2014 "_s + s.presenceStatus : text;
}

int rank(const SessionSnapshot &s)
{
    if (s.type != SessionSnapshot::Type::Bound)
        return 6;
    if (!s.available)
        return 5;
    if (s.presenceShow == u"chat")
        return 0;
    if (s.presenceShow == u"away")
        return 2;
    if (s.presenceShow == u"xa")
        return 3;
    if (s.presenceShow == u"dnd")
        return 4;
    return 1;
}

} // namespace PresenceText
