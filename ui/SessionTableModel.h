#pragma once

#include "session/SessionSnapshot.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <memory>
#include <optional>
#include <vector>

// The live session table: one row per connection, held as value snapshots (never pointers into
// the server). Fed by the server's batches (at most ten a second): removals go out in
// contiguous blocks, updates as dataChanged over row ranges limited to the columns that
// changed, new sessions as one block appended at the end. Rows stay in session id order (the
// server numbers sessions as they connect, so new ones always come last) and a session's row is
// found by binary search: when the oldest sessions close, under churn every batch, there is no
// id-to-row index to rebuild for the ten thousand rows below them.
class SessionTableModel final : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column {
        JidColumn,              // full JID, the username before bind, the peer address before auth
        StateColumn,
        ShowColumn,
        StatusColumn,
        PriorityColumn,
        InterestedColumn,
        RosterColumn,
        ClientColumn,
        AddressColumn,
        TlsColumn,
        SaslColumn,
        ConnectedSinceColumn,
        IdleColumn,
        StanzasInColumn,
        StanzasOutColumn,
        BytesInColumn,
        BytesOutColumn,
        CsiColumn,              // XEP-0352 client state: active / inactive
        RttColumn,              // round trip of the server's last answered ping
        ColumnCount
    };
    Q_ENUM(Column)

    enum Role {
        SortRole = Qt::UserRole + 1,   // the raw value (numbers, times, lower-case text)
        SessionIdRole,                 // quint64
        StateRole,                     // int(State)
        UsernameRole,                  // QString, empty before authentication
        RevisionRole,                  // quint64 that changes whenever anything the row shows changes
        BadgeTextRole,                 // QString, the state badge's text (badgeText)
    };

    // Where a session stands in the session model's terms; a bound session shows the most advanced of
    // its sets (interested, then available, then connected).
    // Hibernating: bound, its connection lost, waiting to be resumed (XEP-0198); it stays in
    // the available and interested sets meanwhile.
    enum class State { Unauthenticated, Authenticated, Connected, Available, Interested, Hibernating };

    // The summary bar: set membership, so an available and interested resource counts in both.
    struct Counts
    {
        int connections = 0;
        int unauthenticated = 0;
        int authenticated = 0;        // authenticated, no resource bound yet
        int connected = 0;            // connected resources
        int available = 0;
        int interested = 0;
        int hibernating = 0;          // bound, no connection: counted here, not in connections/connected
        bool operator==(const Counts &) const = default;
    };

    explicit SessionTableModel(QObject *parent = nullptr);
    ~SessionTableModel() override;

    static State stateOf(const SessionSnapshot &session);
    static QString stateName(State state);
    // The state badge's text: the state's name, and for a hibernating session the time left
    // before it ends and its queue.
    QString badgeText(const SessionSnapshot &session) const;
    static QString columnName(Column column);
    static QString formatBytes(quint64 bytes);
    static QString formatDuration(qint64 seconds);

    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

    // The sort role of the numeric columns as a number (what SortRole holds for them), so the
    // proxy can compare rows without building QVariants; nullopt for the text columns.
    static std::optional<qint64> numericSortKey(const SessionSnapshot &s, int column);

    // The initial load (one reset; batches never reset).
    void setSnapshots(const QList<SessionSnapshot> &sessions);
    // One batch from the server.
    void applyBatch(const QList<SessionSnapshot> &changed, const QList<quint64> &closed);
    void clear();

    int rowOf(quint64 id) const;
    const SessionSnapshot *snapshotAt(int row) const;
    const SessionSnapshot *snapshotById(quint64 id) const;
    Counts counts() const { return m_counts; }

    // "Now" for the idle column; refreshIdle() moves it and repaints that column.
    void refreshIdle(const QDateTime &now = QDateTime::currentDateTimeUtc());

Q_SIGNALS:
    void countsChanged(const SessionTableModel::Counts &counts);
    // After a batch: the ids that changed (not the new or closed ones).
    void sessionsChanged(const QList<quint64> &ids);
    void sessionsClosed(const QList<quint64> &ids);

private:
    // A row: the snapshot and its revision (see RevisionRole).
    struct Row : SessionSnapshot
    {
        Row(const SessionSnapshot &s, quint64 revision)
            : SessionSnapshot(s)
            , revision(revision)
        {
        }
        quint64 revision;
    };

    QVariant displayValue(const SessionSnapshot &s, int column) const;
    QVariant sortValue(const SessionSnapshot &s, int column) const;
    void count(const SessionSnapshot &s, int sign);
    // Where a session with this id belongs in m_rows (its row if present).
    std::vector<std::unique_ptr<Row>>::const_iterator lowerBound(quint64 id) const;
    void insertFresh(std::vector<std::unique_ptr<Row>> fresh);

    std::vector<std::unique_ptr<Row>> m_rows;   // by ascending id
    Counts m_counts;
    QDateTime m_now;
    QDate m_today;   // local, for the connected-since column
    quint64 m_revision = 0;         // the last revision given to a row
    quint64 m_idleGeneration = 0;   // moves every row's revision when the idle column moves
};

Q_DECLARE_METATYPE(SessionTableModel::Counts)
