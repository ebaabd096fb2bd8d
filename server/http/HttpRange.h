#pragma once

#include <QByteArray>

// One byte range of an HTTP Range header (RFC 9110 §14.1.2, §14.2) against a file of `size`
// bytes. Several ranges are not served as multipart: the whole file is, which §14.2 allows.
struct HttpRange
{
    enum class Kind { Whole, Partial, Unsatisfiable };
    Kind kind = Kind::Whole;
    qint64 first = 0;        // inclusive
    qint64 last = -1;        // inclusive
    qint64 length() const { return last - first + 1; }

    // `header` is the Range field's value, empty when absent. A syntax this does not know
    // (another unit, garbage) is ignored, as §14.2 asks; a valid range set that no byte of the
    // file satisfies is Unsatisfiable (416).
    static HttpRange parse(const QByteArray &header, qint64 size);
};
