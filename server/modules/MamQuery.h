#pragma once

#include "stanza/Jid.h"
#include "stanza/StanzaError.h"
#include "storage/ArchiveStore.h"
#include "xml/XmlElement.h"

#include <QString>
#include <functional>
#include <optional>

// The query side of XEP-0313 for any archive: a user's own (MamModule) or a group chat room's
// (the MUC module, for an iq to the room JID). It parses the query form (§4.1.1 and #extended)
// and XEP-0059 paging, runs the query against the owner's archive, and answers with one
// <message><result/></message> per row, then the iq result carrying <fin/> — or an iq error.
//
// Answers may come after answer() returns (the store may run the query elsewhere and answer
// on the server thread later): every stanza goes to `send`, already addressed to the
// requester; the caller hands it to the router (StanzaRouter::deliverToFullJid), so each one
// still passes the delivery filters. Nothing here may assume the requesting session exists.
class MamQuery
{
public:
    using Send = std::function<void(const XmlElement &stanza)>;

    static constexpr int MaxPage = 250;       // largest page served (XEP-0059 lets us cap 'max')
    static constexpr int DefaultPage = 50;

    explicit MamQuery(const ArchiveStore *store) : m_store(store) {}

    // An iq set <query xmlns='urn:xmpp:mam:2'/> from `requester` (a full JID) to `archiveJid`
    // (the account's or the room's bare JID), against `owner`'s archive.
    void answer(const XmlElement &iq, const Jid &requester, const ArchiveStore::Owner &owner,
                const QString &archiveJid, Send send) const;
    // An iq get <metadata xmlns='urn:xmpp:mam:2'/> (#extended): the first and last row.
    void metadata(const XmlElement &iq, const Jid &requester, const ArchiveStore::Owner &owner,
                  const QString &archiveJid, Send send) const;
    // The answer to an iq get <query/>: the fields a query may use (§4.1.1).
    static XmlElement formResult(const XmlElement &iq);

    // The filters and paging of a query iq; nullopt with the condition and text of the error.
    struct Parsed
    {
        ArchiveStore::Query query;
        QString queryId;
        bool flip = false;   // #extended <flip-page/>: newest first
    };
    static std::optional<Parsed> parse(const XmlElement &iq, StanzaError::Condition *condition, QString *text);

    static std::optional<QDateTime> parseDateTime(const QString &text);   // XEP-0082, zone required
    static QString formatDateTime(const QDateTime &time);

private:
    static XmlElement errorReply(const XmlElement &iq, const Jid &requester, const QString &archiveJid,
                                 StanzaError::Condition condition, const QString &text = QString());
    const ArchiveStore *m_store;
};
