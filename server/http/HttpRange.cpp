#include "http/HttpRange.h"

#include <QList>

namespace {
bool parseNumber(const QByteArray &text, qint64 *out)
{
    if (text.isEmpty() || text.size() > 18)
        return false;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
    }
    *out = text.toLongLong();
    return true;
}
} // namespace

HttpRange HttpRange::parse(const QByteArray &header, qint64 size)
{
    HttpRange whole;
    whole.last = size - 1;
    const QByteArray value = header.trimmed();
    if (value.isEmpty() || !value.startsWith("bytes="))
        return whole;
    const QList<QByteArray> specs = value.mid(6).split(',');
    if (specs.size() != 1)
        return whole;
    const QByteArray spec = specs.first().trimmed();
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return whole;
    const QByteArray a = spec.left(dash).trimmed();
    const QByteArray b = spec.mid(dash + 1).trimmed();
    HttpRange range;
    range.kind = Kind::Partial;
    qint64 first = 0;
    qint64 last = 0;
    if (a.isEmpty()) {
        // suffix-byte-range-spec: the last N bytes.
        if (!parseNumber(b, &last))
            return whole;
        if (last == 0 || size == 0) {
            range.kind = Kind::Unsatisfiable;
            return range;
        }
        range.first = qMax<qint64>(0, size - last);
        range.last = size - 1;
        return range;
    }
    if (!parseNumber(a, &first))
        return whole;
    if (b.isEmpty()) {
        last = size - 1;
    } else if (!parseNumber(b, &last) || last < first) {
        return whole;   // invalid: ignored
    }
    if (first >= size) {
        range.kind = Kind::Unsatisfiable;
        return range;
    }
    range.first = first;
    range.last = qMin(last, size - 1);
    return range;
}
