#include "modules/MessageRouting.h"

#include <algorithm>

using namespace Qt::StringLiterals;

namespace MessageRouting {

Kind kindOf(const QString &type)
{
    if (type == u"chat")
        return Kind::Chat;
    if (type == u"headline")
        return Kind::Headline;
    if (type == u"groupchat")
        return Kind::Groupchat;
    if (type == u"error")
        return Kind::Error;
    return Kind::Normal;
}

namespace {
Decision make(Decision::Action action, QStringList recipients = {})
{
    Decision d;
    d.action = action;
    d.recipients = std::move(recipients);
    return d;
}
} // namespace

Decision route(Kind kind, bool accountExists, const QString &toResource, const QList<Resource> &resources)
{
    using A = Decision::Action;
    if (kind == Kind::Error && (!accountExists || toResource.isEmpty())) {
        // §8.5.2.1.1, §8.5.2.2.1: an error to a bare JID is never delivered nor answered.
        return make(A::Drop);
    }
    if (!accountExists)
        return make(A::BounceServiceUnavailable);

    if (!toResource.isEmpty()) {
        for (const Resource &r : resources) {
            if (r.resource == toResource)
                return make(A::Deliver, {r.resource});
        }
        if (kind == Kind::Error)
            return make(A::Drop);
        if (kind == Kind::Groupchat)
            return make(A::BounceServiceUnavailable);
        // normal, chat, headline: as if to the bare JID
    }

    if (kind == Kind::Groupchat)
        return make(A::BounceServiceUnavailable);

    int top = -1;
    for (const Resource &r : resources) {
        if (r.available && r.priority >= 0)
            top = std::max(top, r.priority);
    }
    if (top < 0)
        return make(kind == Kind::Headline ? A::Drop : A::StoreOffline);

    QStringList recipients;
    for (const Resource &r : resources) {
        if (!r.available || r.priority < 0)
            continue;
        if (kind == Kind::Headline || r.priority == top)
            recipients.append(r.resource);
    }
    return make(A::Deliver, recipients);
}

} // namespace MessageRouting
