#include "host/ModuleOption.h"

using namespace Qt::StringLiterals;

QString ModuleOption::check(const QString &value, QString *normalised) const
{
    const QString v = value.trimmed();
    switch (type) {
    case Type::String:
        *normalised = v;
        return {};
    case Type::Integer: {
        bool ok = false;
        const qint64 n = v.toLongLong(&ok);
        if (!ok || n < min || n > max)
            return u"%1 must be a whole number from %2 to %3, not '%4'"_s.arg(key).arg(min).arg(max).arg(value);
        *normalised = QString::number(n);
        return {};
    }
    case Type::Boolean: {
        const QString l = v.toLower();
        if (l == u"true" || l == u"yes" || l == u"on" || l == u"1")
            *normalised = u"true"_s;
        else if (l == u"false" || l == u"no" || l == u"off" || l == u"0")
            *normalised = u"false"_s;
        else
            return u"'%1' is not a boolean (true or false)"_s.arg(value);
        return {};
    }
    }
    return {};
}
