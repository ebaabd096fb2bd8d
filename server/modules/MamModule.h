#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"
#include "modules/MamQuery.h"
#include "stanza/Jid.h"
#include "storage/ArchiveStore.h"

#include <QDateTime>
#include <QHash>
#include <QString>
#include <memory>

class ModuleHost;
class QTimer;
class XmlElement;
struct Delivery;
struct StanzaEvent;

// XEP-0313 Message Archive Management (urn:xmpp:mam:2 and #extended) for each user's own
// archive, with XEP-0359 stanza ids. One-to-one messages with a body are archived on both
// sides: the sender's copy as it leaves (pre-message, after every handler that may drop it),
// the recipient's copy where it arrives (message/bare|full, before carbons and the message
// module, so that the live message, its carbons and an offline copy carry the same
// <stanza-id by='recipient@domain'/>). Sent carbons get the sender's archive id. Each row is
// committed before the message goes on. Rows older than archive_expires_after days are purged
// in small batches from a timer.
class MamModule final : public Module
{
public:
    MamModule();
    ~MamModule() override;
    void load(ModuleHost &host) override;

    // archive_expires_after: days a row is kept (0: forever; default 365). archive_fsync: wait
    // for the disk at each archive commit (default false; ArchiveStore::setFsyncEachCommit).
    static ModuleOptions options();
    static constexpr int DefaultExpiryDays = 365;
    static constexpr int MaxPage = MamQuery::MaxPage;
    static constexpr int DefaultPage = MamQuery::DefaultPage;

    // One retention pass: deletes up to `limit` expired rows; how many (the timer repeats while
    // a pass deletes a full batch).
    int purgeExpired(const QDateTime &now, int limit);

    // --- a group chat room's archive (XEP-0313 on the room JID), for the MUC module ---
    // False when archives are unavailable (their tables could not be migrated).
    bool isReady() const { return m_ready; }
    // Archives a groupchat message as the room sends it, by `occupant` (room@service/nick; the
    // room's bare JID for the room's own messages). Returns the XEP-0359 id the room stamps as
    // <stanza-id by='room@service'/> on every copy, or empty when nothing was archived. The row
    // is committed with the archive's next group commit, before any later query of the room.
    QString archiveRoomMessage(const Jid &room, const Jid &occupant, const XmlElement &message);
    // Answers an iq to the room about its archive: set <query/>, get <query/> (the form) or get
    // <metadata/> (urn:xmpp:mam:2). False when the iq is none of these. Whether the sender may
    // read the archive (members-only rooms) is the caller's decision, made before. Every
    // answer goes to `send`, possibly after this returns.
    bool handleRoomIq(const XmlElement &iq, const Jid &requester, const Jid &room, MamQuery::Send send);
    // Deletes a destroyed room's archive.
    bool removeRoomArchive(const Jid &room);
    // The query handler and the store (null before load or when unavailable).
    const MamQuery *queries() const { return m_query.get(); }
    ArchiveStore *store() const { return m_ready ? m_store.get() : nullptr; }

private:
    struct SentStamp
    {
        Jid from;                 // the sender's full JID
        QString messageId;        // the message's 'id'
        QString archiveId;        // the id of the row in the sender's archive
    };
    // Both sides of a message between two local accounts are written in one transaction when
    // it leaves (one commit, not two); the recipient's side is stamped when it arrives.
    struct Pending
    {
        bool valid = false;
        Jid from;
        Jid to;
        QString messageId;
        QString recipientId;      // empty: the recipient's preferences said no
    };

    bool onQuery(StanzaEvent &event);
    MamQuery::Send sendTo(const Jid &requester) const;
    bool onPrefs(StanzaEvent &event, bool set);
    void onOutgoing(StanzaEvent &event);
    void onIncoming(StanzaEvent &event);
    bool onDelivery(Delivery &delivery) const;
    // Removes stanza-id elements a client put in with a 'by' of this server (XEP-0359 §5).
    void stripForeignStanzaIds(StanzaEvent &event) const;

    bool wantsArchived(const QString &username, const Jid &with);
    bool inRoster(const QString &username, const Jid &contact) const;
    // The new row's stanza id, or empty when nothing was archived.
    QString archive(const QString &username, const Jid &with, const XmlElement &message);
    void schedulePurge(int delayMs);

    ModuleHost *m_host = nullptr;
    std::unique_ptr<ArchiveStore> m_store;
    std::unique_ptr<MamQuery> m_query;
    std::unique_ptr<QTimer> m_purgeTimer;
    bool m_ready = false;
    int m_expiryDays = DefaultExpiryDays;
    SentStamp m_lastSent;
    Pending m_pending;
    // Preferences of recent users: two are read per message otherwise.
    QHash<QString, ArchiveStore::Prefs> m_prefs;
};
