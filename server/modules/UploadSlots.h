#pragma once

#include <QDateTime>
#include <QHash>
#include <QString>

// The upload slots of XEP-0363 handed out and not yet used: each one allows exactly one PUT of
// exactly the announced size (and content type) before it expires. The PUT URL carries a
// secret of its own, different from the file's id in the GET URL, so knowing where a file can
// be downloaded never allows writing there.
class UploadSlots
{
public:
    struct Slot
    {
        QString putToken;        // in the PUT URL
        QString fileId;          // in the GET URL, the file's name on disk
        QString username;
        QString filename;        // display only
        qint64 size = 0;
        QString contentType;     // empty: the client named none
        QDateTime expires;
        bool used = false;
    };

    // Why a PUT is refused (XEP-0363 §6 leaves the codes to HTTP; these follow Prosody's
    // file share): the HTTP status of each is httpStatus().
    enum class Check { Ok, UnknownSlot, Expired, Used, TooLarge, WrongSize, WrongType };

    explicit UploadSlots(qint64 lifetimeSeconds = 300) : m_lifetime(lifetimeSeconds) {}

    const Slot &create(const QString &username, const QString &filename, qint64 size, const QString &contentType,
                       const QDateTime &now = QDateTime::currentDateTimeUtc());
    // What a PUT to `putToken` with this Content-Length and Content-Type would get.
    Check check(const QString &putToken, qint64 contentLength, const QString &contentType,
                const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    const Slot *find(const QString &putToken) const;
    void markUsed(const QString &putToken);
    // Bytes announced by the user's slots that are still open: counted against the quota.
    qint64 pendingBytes(const QString &username, const QDateTime &now = QDateTime::currentDateTimeUtc()) const;
    // Forgets slots an hour past their expiry (until then a late PUT hears 410, a second 409).
    void prune(const QDateTime &now = QDateTime::currentDateTimeUtc());
    int size() const { return int(m_slots.size()); }

    static int httpStatus(Check check);
    static QString reason(Check check);
    // Media types compared without parameters and case: "text/plain; charset=utf-8" is text/plain.
    static QString mediaType(const QString &contentType);

private:
    qint64 m_lifetime;
    QHash<QString, Slot> m_slots;   // by putToken
};
