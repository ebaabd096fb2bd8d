#pragma once

#include "XmlConsoleBuffer.h"
#include "core/AdminTypes.h"

#include <QElapsedTimer>
#include <QHash>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QTabWidget;
class QTimer;
class QTreeWidget;
class ServerLink;
class TimelineView;
class UserProfileView;

// The selected session in full: every field of the session model's structure, the user's
// roster and other sessions, and a live XML console of its traffic (the last 500 chunks,
// timestamped, SASL payloads redacted) with pause and copy.
class SessionDetailsPane final : public QWidget
{
    Q_OBJECT
public:
    explicit SessionDetailsPane(ServerLink *link, QWidget *parent = nullptr);
    ~SessionDetailsPane() override;

    // 0: nothing selected. The snapshot, when given, fills the fields at once.
    void showSession(quint64 id, const SessionSnapshot *snapshot = nullptr);
    quint64 sessionId() const { return m_id; }
    // The table saw the shown session change / go.
    void sessionChanged(const SessionSnapshot &snapshot);
    void sessionClosed();

    bool isPaused() const;
    void setPaused(bool paused);
    const XmlConsoleBuffer &console() const { return m_console; }
    QString fieldText(const QString &seedField) const;
    int rosterItemCount() const;
    int otherSessionCount() const;
    TimelineView *timelineView() const { return m_timeline; }
    // Shows the Timeline tab.
    void showTimeline();
    const UserProfileView *profile() const { return m_profile; }
    // The group chat rooms the session is in (XEP-0045): room, nickname, role, affiliation.
    const QTreeWidget *roomsList() const { return m_rooms; }

Q_SIGNALS:
    // The user double-clicked one of the other sessions.
    void sessionActivated(quint64 id);

private:
    void onDetails(const SessionDetails &details);
    void onTraffic(quint64 id, bool incoming, const QByteArray &data);
    void requestDetails();
    void fillFields(const SessionSnapshot &s);
    void setField(const QString &name, const QString &value);
    void rebuildConsoleView();
    void copyConsole();

    ServerLink *m_link;
    quint64 m_id = 0;
    bool m_closed = false;
    QLabel *m_title;
    QHash<QString, QLabel *> m_fields;
    QTabWidget *m_tabs;
    QTreeWidget *m_roster;
    QTreeWidget *m_others;
    TimelineView *m_timeline;
    UserProfileView *m_profile;    // the user's avatar, nickname, PEP nodes, OMEMO keys
    QPlainTextEdit *m_consoleView;
    QCheckBox *m_pause;
    XmlConsoleBuffer m_console;
    QTimer *m_detailsTimer;        // at most one details request a second while it changes
    QElapsedTimer m_sinceRequest;
    // Rooms the session is in, asked again when an occupant list changes (coalesced).
    void refreshRooms();
    QTreeWidget *m_rooms = nullptr;
    QTimer *m_roomsTimer = nullptr;
    QString m_roomsJid;
};
