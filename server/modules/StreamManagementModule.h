#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"
#include "session/SessionData.h"
#include "xml/XmlElement.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QSet>
#include <QString>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>

class ModuleHost;
class OfflineStore;
class Session;
class Stream;
struct Delivery;

// XEP-0198 Stream Management: acknowledgements in both directions and session resumption.
//
// - <enable/> after binding starts counting; with resume='true' the client gets an id and a
//   `max` (config sm_resume_timeout) and the session may hibernate (SessionManager::hibernate)
//   when its connection is lost: it stays available, stanzas for it are queued (at most
//   sm_max_queue; past that it ends as if the timeout expired), and a <resume/> of the same user
//   with the id and its 'h' re-attaches a new stream and replays what was not acknowledged.
// - Outgoing stanzas are counted by a delivery filter that runs after every other one, so only
//   what is really written (or queued) is counted; <r/> goes out at most once per outstanding
//   request, shortly after a burst.
// - Commit before ack: messages queued while a session hibernates are written to the table
//   sm_held as they arrive, so a crash loses none (they become offline messages at the next
//   start); when the session ends without resuming, every unacknowledged message goes to the
//   offline store. Offline messages themselves are deleted only when acknowledged
//   (Delivery::done).
class StreamManagementModule final : public Module
{
public:
    StreamManagementModule();
    ~StreamManagementModule() override;
    void load(ModuleHost &host) override;

    static ModuleOptions options();

private:
    struct Entry
    {
        XmlElement stanza;
        std::function<void(bool delivered)> done;   // the sender's (e.g. offline store) receipt
        qint64 heldId = 0;                           // its row in sm_held, while there
    };
    struct State
    {
        bool enabled = false;
        bool ending = false;
        bool requestPending = false;
        QString resumeId;
        quint64 handledBase = 0;     // Session::clientStanzas() at <enable/>
        quint32 sent = 0;            // stanzas counted out (the client's 'h' counts the same)
        quint32 acked = 0;           // the last 'h' the client sent
        QList<Entry> unacked;
        std::unique_ptr<QTimer> expiry;   // only while hibernating
    };

    bool onElement(Stream &stream, const XmlElement &element);
    void enable(Session *session, const XmlElement &element);
    void resume(Stream &stream, const XmlElement &element);
    bool acknowledge(Session *session, State &state, quint32 h);
    bool onDelivery(Delivery &delivery);
    void onHibernated(Session *session);
    void onClosed(Session *session);
    void scheduleRequest(Session *session, State &state);
    void sendRequests();
    void endLater(Session *session, const QString &why);
    void failHandledCountTooHigh(Session *session, quint32 h, quint32 sent);
    void sendFailed(Session *session, const QString &condition, std::optional<quint32> h = std::nullopt);
    void updateSnapshot(Session *session, const State &state);
    quint32 handled(Session *session, const State &state) const;

    // sm_held: the queue of hibernating sessions, committed as it grows.
    qint64 hold(const QString &username, const QString &resumeId, const XmlElement &stanza);
    void releaseHeld(const QList<qint64> &ids);
    void moveHeldToOffline(const QString &resumeId);   // every row of that session, or all if empty
    void storeOffline(const QString &username, const XmlElement &stanza);
    void bounceRequest(const XmlElement &iq);

    ModuleHost *m_host = nullptr;
    SessionData<State> m_state;
    QHash<QString, Session *> m_byResumeId;
    int m_resumeTimeout = 3600;
    int m_maxQueue = 500;
    bool m_ready = false;
    std::unique_ptr<OfflineStore> m_offline;
    QObject m_context;                 // receiver of queued calls and timers
    QTimer m_requestTimer;
    QSet<quint64> m_requestsDue;       // session ids that get an <r/> when the timer fires
};
