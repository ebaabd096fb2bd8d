#include "xml/XmlNamePool.h"

#include "xml/XmlChars.h"

#include <QHash>

namespace {

constexpr qsizetype MaxEntries = 4096;
constexpr qsizetype MaxEntryBytes = 128;

// Per thread: no lock on the parsing path, and a QString's reference count is atomic, so the
// strings handed out may still travel to other threads.
QHash<QByteArray, QString> &pool()
{
    thread_local QHash<QByteArray, QString> entries;
    return entries;
}

bool fits(const QHash<QByteArray, QString> &entries, QByteArrayView utf8)
{
    return utf8.size() <= MaxEntryBytes && entries.size() < MaxEntries;
}

} // namespace

namespace XmlNamePool {

QString string(QByteArrayView utf8)
{
    QHash<QByteArray, QString> &entries = pool();
    // fromRawData: the lookup itself allocates nothing.
    const auto found = entries.constFind(QByteArray::fromRawData(utf8.data(), utf8.size()));
    if (found != entries.constEnd())
        return found.value();
    QString text = XmlChars::fromUtf8(utf8);
    if (fits(entries, utf8))
        entries.insert(utf8.toByteArray(), text);
    return text;
}

QByteArray bytes(QByteArrayView utf8)
{
    QHash<QByteArray, QString> &entries = pool();
    const auto found = entries.constFind(QByteArray::fromRawData(utf8.data(), utf8.size()));
    if (found != entries.constEnd())
        return found.key();
    if (!fits(entries, utf8))
        return utf8.toByteArray();
    return entries.insert(utf8.toByteArray(), XmlChars::fromUtf8(utf8)).key();
}

} // namespace XmlNamePool
