#include "modules/UploadSlots.h"

#include "storage/UploadStore.h"

using namespace Qt::StringLiterals;

const UploadSlots::Slot &UploadSlots::create(const QString &username, const QString &filename, qint64 size,
                                             const QString &contentType, const QDateTime &now)
{
    Slot slot;
    slot.putToken = UploadStore::generateId();
    slot.fileId = UploadStore::generateId();
    slot.username = username;
    slot.filename = filename;
    slot.size = size;
    slot.contentType = contentType;
    slot.expires = now.addSecs(m_lifetime);
    return *m_slots.insert(slot.putToken, slot);
}

UploadSlots::Check UploadSlots::check(const QString &putToken, qint64 contentLength, const QString &contentType,
                                      const QDateTime &now) const
{
    const auto it = m_slots.constFind(putToken);
    if (it == m_slots.constEnd())
        return Check::UnknownSlot;
    if (it->used)
        return Check::Used;
    if (now >= it->expires)
        return Check::Expired;
    if (contentLength > it->size)
        return Check::TooLarge;
    if (contentLength != it->size)
        return Check::WrongSize;
    // §4: the Content-Type of the PUT is the one named in the request, when one was.
    if (!it->contentType.isEmpty() && mediaType(contentType) != mediaType(it->contentType))
        return Check::WrongType;
    return Check::Ok;
}

const UploadSlots::Slot *UploadSlots::find(const QString &putToken) const
{
    const auto it = m_slots.constFind(putToken);
    return it == m_slots.constEnd() ? nullptr : &*it;
}

void UploadSlots::markUsed(const QString &putToken)
{
    const auto it = m_slots.find(putToken);
    if (it != m_slots.end())
        it->used = true;
}

qint64 UploadSlots::pendingBytes(const QString &username, const QDateTime &now) const
{
    qint64 bytes = 0;
    for (const Slot &slot : m_slots) {
        if (slot.username == username && !slot.used && now < slot.expires)
            bytes += slot.size;
    }
    return bytes;
}

void UploadSlots::prune(const QDateTime &now)
{
    for (auto it = m_slots.begin(); it != m_slots.end();) {
        if (now >= it->expires.addSecs(3600))
            it = m_slots.erase(it);
        else
            ++it;
    }
}

int UploadSlots::httpStatus(Check check)
{
    switch (check) {
    case Check::Ok: return 201;
    case Check::UnknownSlot: return 403;
    case Check::Expired: return 410;
    case Check::Used: return 409;
    case Check::TooLarge: return 413;
    case Check::WrongSize: return 400;
    case Check::WrongType: return 400;
    }
    return 400;
}

QString UploadSlots::reason(Check check)
{
    switch (check) {
    case Check::Ok: return u"created"_s;
    case Check::UnknownSlot: return u"no such upload slot"_s;
    case Check::Expired: return u"the upload slot has expired"_s;
    case Check::Used: return u"the upload slot has been used"_s;
    case Check::TooLarge: return u"larger than the size in the slot request"_s;
    case Check::WrongSize: return u"Content-Length differs from the size in the slot request"_s;
    case Check::WrongType: return u"Content-Type differs from the one in the slot request"_s;
    }
    return {};
}

QString UploadSlots::mediaType(const QString &contentType)
{
    return contentType.section(u';', 0, 0).trimmed().toLower();
}
