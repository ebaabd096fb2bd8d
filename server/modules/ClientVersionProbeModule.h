#pragma once

#include "host/Module.h"
#include "modules/ServerQueries.h"

#include <QHash>
#include <QList>
#include <QTimer>
#include <memory>

class Session;

// The console's Client column from the client itself: a XEP-0092 software version query to
// each resource that becomes available, its "name version" answer kept in the session (shown
// ahead of the caps node that ClientSoftwareModule records). Answers are cached per XEP-0115
// caps hash, so a second device with the same software and features is not asked again.
// Queries go out in one batch a short while after the initial presence, when the client is no
// longer busy with its login (roster, offline messages); a client that never answers keeps
// its caps node.
class ClientVersionProbeModule final : public Module
{
public:
    static constexpr int BatchDelayMs = 1000;
    // A burst of logins is asked in slices, so the server thread never stalls on it.
    static constexpr int MaxPerSlice = 200;
    static constexpr int SliceIntervalMs = 50;
    static constexpr int MaxCachedHashes = 1000;
    static constexpr int AnswerWaitMs = 30000;   // then the caps node it is

    void load(ModuleHost &host) override;

    // Sends the next slice of due queries (the batch timer's; tests call it directly).
    void flush();
    int cachedHashes() const { return int(m_cache.size()); }

private:
    static QString capsKey(const XmlElement &presence);

    ModuleHost *m_host = nullptr;
    std::unique_ptr<ServerQueries> m_queries;
    QList<QPair<quint64, QString>> m_due;     // session id, its caps key (may be empty)
    QHash<quint64, QString> m_askedWithKey;   // waiting sessions' caps keys
    QHash<QString, QString> m_cache;          // caps key → "name version"
    QTimer m_batch;
    QTimer m_expiry;
};
