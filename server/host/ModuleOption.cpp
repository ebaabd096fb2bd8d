#include "host/ModuleOption.h"

#include "stanza/Jid.h"

using namespace Qt::StringLiterals;

QString ModuleOption::check(const QString &value, QString *normalised) const
{
    const QString v = value.trimmed();
    switch (type) {
    case Type::String:
        if (!choices.isEmpty() && !choices.contains(v.toLower()))
            return u"%1 must be one of %2, not '%3'"_s.arg(key, choices.join(u", "_s), value);
        *normalised = choices.isEmpty() ? v : v.toLower();
        return {};
    case Type::JidList: {
        QStringList jids;
        const QStringList parts = v.split(u',', Qt::SkipEmptyParts);
        for (const QString &part : parts) {
            const Jid jid = Jid::parse(part.trimmed());
            if (jid.isNull() || jid.node().isEmpty() || !jid.resource().isEmpty())
                return u"%1: '%2' is not a bare JID (user@domain)"_s.arg(key, part.trimmed());
            jids.append(jid.bareString());
        }
        *normalised = jids.join(u',');
        return {};
    }
    case Type::Integer: {
        bool ok = false;
        const qint64 n = v.toLongLong(&ok);
        if (!ok || n < min || n > max)
            return u"%1 must be a whole number from %2 to %3, not '%4'"_s.arg(key).arg(min).arg(max).arg(value);
        *normalised = QString::number(n);
        return {};
    }
    case Type::Duration: {
        qint64 unit = 1;
        QString number = v.toLower();
        if (!number.isEmpty() && !number.back().isDigit()) {
            const QChar suffix = number.back();
            number.chop(1);
            unit = suffix == u's' ? 1 : suffix == u'm' ? 60 : suffix == u'h' ? 3600 : suffix == u'd' ? 86400
                 : suffix == u'w' ? 7 * 86400 : 0;
        }
        bool ok = false;
        const qint64 n = number.trimmed().toLongLong(&ok);
        if (!ok || unit == 0 || n < 0 || n > max / unit || n * unit < min)
            return u"%1 must be a duration (seconds, or with s, m, h, d, w) from %2 to %3 seconds, not '%4'"_s
                    .arg(key).arg(min).arg(max).arg(value);
        *normalised = QString::number(n * unit);
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
