#include "routing/RouterEvent.h"

using namespace Qt::StringLiterals;

QString Event::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Message:
        return u"message"_s;
    case Kind::Presence:
        return u"presence"_s;
    case Kind::Iq:
        return u"iq"_s;
    }
    return {};
}

QString Event::targetName(Target target)
{
    switch (target) {
    case Target::Host:
        return u"host"_s;
    case Target::Self:
        return u"self"_s;
    case Target::Bare:
        return u"bare"_s;
    case Target::Full:
        return u"full"_s;
    case Target::Broadcast:
        return u"broadcast"_s;
    case Target::Initial:
        return u"initial"_s;
    case Target::Offline:
        return u"offline"_s;
    }
    return {};
}

QString Event::name() const
{
    return (phase == Phase::Pre ? u"pre-"_s : QString()) + kindName(kind) + u'/' + targetName(target);
}
