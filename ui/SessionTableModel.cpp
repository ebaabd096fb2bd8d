#include "SessionTableModel.h"

#include "PresenceText.h"

#include <QHash>
#include <QLocale>
#include <QSet>
#include <algorithm>
#include <bit>

using namespace Qt::StringLiterals;

namespace {

// Updates to adjacent rows go out as one dataChanged. No wider: when the sort column is in a
// range, the sorting proxy re-sorts every row of it, each one a remap of the whole table, so an
// unchanged row in a gap costs as much as a changed one (console bench: apply p50 6.0 ms CPU
// with gaps of 32 rows merged, 3.4 ms with 8, 3.1 ms with none).
constexpr int MergeGap = 1;

using Mask = quint32;
static_assert(SessionTableModel::ColumnCount <= 32);

constexpr Mask bit(SessionTableModel::Column column)
{
    return Mask(1) << column;
}

// Which columns show something different between two snapshots of the same session.
Mask changedColumns(const SessionSnapshot &a, const SessionSnapshot &b)
{
    using M = SessionTableModel;
    Mask mask = 0;
    if (a.fullJid != b.fullJid || a.username != b.username)
        mask |= bit(M::JidColumn);
    if (a.type != b.type || a.available != b.available || a.interested != b.interested)
        mask |= bit(M::StateColumn) | bit(M::JidColumn) | bit(M::PriorityColumn) | bit(M::InterestedColumn)
                | bit(M::RosterColumn) | bit(M::ShowColumn);
    if (a.hibernating != b.hibernating || a.hibernatingUntil != b.hibernatingUntil || a.sm != b.sm
        || a.smUnacked != b.smUnacked)
        mask |= bit(M::StateColumn) | bit(M::AddressColumn);
    if (a.presenceShow != b.presenceShow)
        mask |= bit(M::ShowColumn);
    if (a.presenceStatus != b.presenceStatus)
        mask |= bit(M::StatusColumn);
    if (a.priority != b.priority)
        mask |= bit(M::PriorityColumn);
    if (a.rosterSize != b.rosterSize)
        mask |= bit(M::RosterColumn);
    if (a.clientSoftware != b.clientSoftware)
        mask |= bit(M::ClientColumn);
    if (a.peerAddress != b.peerAddress || a.peerPort != b.peerPort)
        mask |= bit(M::AddressColumn) | bit(M::JidColumn);
    if (a.encrypted != b.encrypted || a.directTls != b.directTls || a.tlsProtocol != b.tlsProtocol
        || a.tlsCipher != b.tlsCipher || a.transport != b.transport)
        mask |= bit(M::TlsColumn);
    if (a.saslMechanism != b.saslMechanism)
        mask |= bit(M::SaslColumn);
    if (a.connectedSince != b.connectedSince)
        mask |= bit(M::ConnectedSinceColumn);
    if (a.lastActivity != b.lastActivity)
        mask |= bit(M::IdleColumn);
    if (a.stanzasIn != b.stanzasIn)
        mask |= bit(M::StanzasInColumn);
    if (a.stanzasOut != b.stanzasOut)
        mask |= bit(M::StanzasOutColumn);
    if (a.bytesIn != b.bytesIn)
        mask |= bit(M::BytesInColumn);
    if (a.bytesOut != b.bytesOut)
        mask |= bit(M::BytesOutColumn);
    if (a.csiInactive != b.csiInactive || a.type != b.type)
        mask |= bit(M::CsiColumn);
    if (a.clientVersion != b.clientVersion)
        mask |= bit(M::ClientColumn);
    if (a.rttMs != b.rttMs)
        mask |= bit(M::RttColumn);
    return mask;
}

int firstColumn(Mask mask)
{
    return std::countr_zero(mask);
}

int lastColumn(Mask mask)
{
    return 31 - std::countl_zero(mask);
}

QString peerText(const SessionSnapshot &s)
{
    if (s.peerAddress.isNull())
        return QString();
    if (s.peerAddress.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort);
    return u"%1:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort);
}

QString peerSortKey(const SessionSnapshot &s)
{
    bool isV4 = false;
    const quint32 v4 = s.peerAddress.toIPv4Address(&isV4);
    if (isV4)
        return u"4%1:%2"_s.arg(v4, 10, 10, QLatin1Char('0')).arg(s.peerPort, 5, 10, QLatin1Char('0'));
    return u"6%1:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort, 5, 10, QLatin1Char('0'));
}

bool isBound(const SessionSnapshot &s)
{
    return s.type == SessionSnapshot::Type::Bound;
}

} // namespace

SessionTableModel::SessionTableModel(QObject *parent)
    : QAbstractTableModel(parent)
    , m_now(QDateTime::currentDateTimeUtc())
    , m_today(m_now.toLocalTime().date())
{
    qRegisterMetaType<SessionTableModel::Counts>();
}

SessionTableModel::~SessionTableModel() = default;

SessionTableModel::State SessionTableModel::stateOf(const SessionSnapshot &s)
{
    switch (s.type) {
    case SessionSnapshot::Type::Unauthenticated: return State::Unauthenticated;
    case SessionSnapshot::Type::Authenticated: return State::Authenticated;
    case SessionSnapshot::Type::Bound: break;
    }
    if (s.hibernating)
        return State::Hibernating;
    if (s.interested)
        return State::Interested;
    if (s.available)
        return State::Available;
    return State::Connected;
}

QString SessionTableModel::stateName(State state)
{
    switch (state) {
    case State::Unauthenticated: return u"unauthenticated"_s;
    case State::Authenticated: return u"authenticated"_s;
    case State::Connected: return u"connected resource"_s;
    case State::Available: return u"available"_s;
    case State::Interested: return u"interested"_s;
    case State::Hibernating: return u"hibernating"_s;
    }
    return QString();
}

QString SessionTableModel::badgeText(const SessionSnapshot &s) const
{
    const State state = stateOf(s);
    if (state != State::Hibernating)
        return stateName(state);
    const qint64 left = s.hibernatingUntil.isValid() ? qMax<qint64>(0, m_now.secsTo(s.hibernatingUntil)) : 0;
    return tr("hibernating %1 · %n queued", nullptr, s.smUnacked).arg(formatDuration(left));
}

QString SessionTableModel::columnName(Column column)
{
    switch (column) {
    case JidColumn: return tr("JID / peer");
    case StateColumn: return tr("State");
    case ShowColumn: return tr("Show");
    case StatusColumn: return tr("Status");
    case PriorityColumn: return tr("Priority");
    case InterestedColumn: return tr("Interested");
    case RosterColumn: return tr("Roster");
    case ClientColumn: return tr("Client");
    case AddressColumn: return tr("Address");
    case TlsColumn: return tr("TLS");
    case SaslColumn: return tr("SASL");
    case ConnectedSinceColumn: return tr("Connected since");
    case IdleColumn: return tr("Idle");
    case StanzasInColumn: return tr("Stanzas in");
    case StanzasOutColumn: return tr("Stanzas out");
    case BytesInColumn: return tr("Bytes in");
    case BytesOutColumn: return tr("Bytes out");
    case CsiColumn: return tr("CSI");
    case RttColumn: return tr("RTT");
    case ColumnCount: break;
    }
    return QString();
}

QString SessionTableModel::formatBytes(quint64 bytes)
{
    if (bytes < 1024)
        return u"%1 B"_s.arg(bytes);
    const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes) / 1024.0;
    int unit = 0;
    while (value >= 1024.0 && unit < 3) {
        value /= 1024.0;
        ++unit;
    }
    return u"%1 %2"_s.arg(value, 0, 'f', value < 10 ? 1 : 0).arg(QLatin1StringView(units[unit]));
}

QString SessionTableModel::formatDuration(qint64 seconds)
{
    seconds = qMax<qint64>(0, seconds);
    if (seconds < 60)
        return u"%1 s"_s.arg(seconds);
    if (seconds < 3600)
        return u"%1 min %2 s"_s.arg(seconds / 60).arg(seconds % 60);
    if (seconds < 86400)
        return u"%1 h %2 min"_s.arg(seconds / 3600).arg((seconds % 3600) / 60);
    return u"%1 d %2 h"_s.arg(seconds / 86400).arg((seconds % 86400) / 3600);
}

int SessionTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int SessionTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const SessionSnapshot *SessionTableModel::snapshotAt(int row) const
{
    if (row < 0 || row >= int(m_rows.size()))
        return nullptr;
    return m_rows[size_t(row)].get();
}

const SessionSnapshot *SessionTableModel::snapshotById(quint64 id) const
{
    return snapshotAt(rowOf(id));
}

QVariant SessionTableModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const SessionSnapshot &s = *m_rows[size_t(index.row())];
    const int column = index.column();
    switch (role) {
    case Qt::DisplayRole:
        return displayValue(s, column);
    case SortRole:
        return sortValue(s, column);
    case SessionIdRole:
        return QVariant::fromValue(s.id);
    case StateRole:
        return int(stateOf(s));
    case BadgeTextRole:
        return badgeText(s);
    case UsernameRole:
        return s.username;
    case RevisionRole:
        return QVariant::fromValue(m_rows[size_t(index.row())]->revision + (m_idleGeneration << 40));
    case Qt::TextAlignmentRole:
        switch (column) {
        case PriorityColumn:
        case RosterColumn:
        case IdleColumn:
        case StanzasInColumn:
        case StanzasOutColumn:
        case BytesInColumn:
        case BytesOutColumn:
            return QVariant::fromValue(Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter));
        default:
            return QVariant::fromValue(Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
        }
    case Qt::ToolTipRole:
        if (column == StateColumn) {
            if (!isBound(s))
                return stateName(stateOf(s));
            QStringList sets{s.hibernating ? tr("hibernating") : tr("connected resource")};
            if (s.available)
                sets.append(tr("available"));
            if (s.interested)
                sets.append(tr("interested"));
            return sets.join(u", "_s);
        }
        if (column == TlsColumn && s.encrypted) {
            // The transport shows here: a WebSocket (RFC 7395) is TLS from the start too.
            const QString how = s.transport == u"websocket"_s ? tr(", WebSocket")
                                                               : (s.directTls ? tr(", direct TLS") : tr(", STARTTLS"));
            return tr("%1, %2%3").arg(s.tlsProtocol, s.tlsCipher, how);
        }
        return displayValue(s, column);
    default:
        return {};
    }
}

QVariant SessionTableModel::displayValue(const SessionSnapshot &s, int column) const
{
    const bool bound = isBound(s);
    switch (column) {
    case JidColumn:
        if (!s.fullJid.isEmpty())
            return s.fullJid;
        if (!s.username.isEmpty())
            return tr("%1 (no resource yet)").arg(s.username);
        return peerText(s);
    case StateColumn:
        return badgeText(s);
    case ShowColumn:
        if (!s.available)
            return QString();
        return PresenceText::show(s);
    case StatusColumn:
        return s.presenceStatus;
    case PriorityColumn:
        return bound ? QVariant(s.priority) : QVariant(QString());
    case InterestedColumn:
        return bound ? (s.interested ? tr("yes") : tr("no")) : QString();
    case RosterColumn:
        return bound ? QVariant(s.rosterSize) : QVariant(QString());
    case ClientColumn:
        return s.client();
    case AddressColumn:
        return peerText(s);
    case TlsColumn: {
        if (!s.encrypted)
            return tr("none");
        const QString tls = s.tlsCipher.isEmpty() ? s.tlsProtocol : u"%1 %2"_s.arg(s.tlsProtocol, s.tlsCipher);
        // The transport's badge: a browser's WebSocket (RFC 7395) rather than a TCP stream.
        return s.transport == u"websocket"_s ? tr("%1 · WebSocket").arg(tls) : tls;
    }
    case SaslColumn:
        return s.saslMechanism;
    case ConnectedSinceColumn: {
        const QDateTime local = s.connectedSince.toLocalTime();
        if (local.date() == m_today)
            return local.toString(u"HH:mm:ss"_s);
        return local.toString(u"yyyy-MM-dd HH:mm"_s);
    }
    case IdleColumn:
        return formatDuration(s.lastActivity.secsTo(m_now));
    case StanzasInColumn:
        return QVariant::fromValue(s.stanzasIn);
    case StanzasOutColumn:
        return QVariant::fromValue(s.stanzasOut);
    case BytesInColumn:
        return formatBytes(s.bytesIn);
    case BytesOutColumn:
        return formatBytes(s.bytesOut);
    case CsiColumn:
        return bound ? (s.csiInactive ? tr("inactive") : tr("active")) : QString();
    case RttColumn:
        return s.rttMs >= 0 ? tr("%1 ms").arg(s.rttMs) : QString();
    default:
        return {};
    }
}

std::optional<qint64> SessionTableModel::numericSortKey(const SessionSnapshot &s, int column)
{
    switch (column) {
    case StateColumn:
        return qint64(stateOf(s));
    case PriorityColumn:
        return isBound(s) ? s.priority : -1000;
    case InterestedColumn:
        return isBound(s) ? qint64(s.interested) : -1;
    case RosterColumn:
        return isBound(s) ? s.rosterSize : -1;
    case ConnectedSinceColumn:
        return s.connectedSince.toMSecsSinceEpoch();
    case IdleColumn:
        return -s.lastActivity.toMSecsSinceEpoch();   // longest idle sorts last in ascending order
    // Counters: a session would need 2^63 bytes to overflow.
    case StanzasInColumn:
        return qint64(s.stanzasIn);
    case StanzasOutColumn:
        return qint64(s.stanzasOut);
    case BytesInColumn:
        return qint64(s.bytesIn);
    case RttColumn:
        return s.rttMs;   // -1 (none yet) sorts first
    case BytesOutColumn:
        return qint64(s.bytesOut);
    case CsiColumn:
        return isBound(s) ? qint64(s.csiInactive) : -1;
    default:
        return std::nullopt;
    }
}

QVariant SessionTableModel::sortValue(const SessionSnapshot &s, int column) const
{
    if (const std::optional<qint64> key = numericSortKey(s, column))
        return *key;
    switch (column) {
    case JidColumn:
    case ShowColumn:
    case StatusColumn:
    case ClientColumn:
    case TlsColumn:
    case SaslColumn:
        return displayValue(s, column).toString().toCaseFolded();
    case AddressColumn:
        return peerSortKey(s);
    default:
        return {};
    }
}

QVariant SessionTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return {};
    if (role == Qt::DisplayRole)
        return columnName(Column(section));
    if (role == Qt::ToolTipRole && section == StateColumn)
        return tr("unauthenticated → authenticated → connected resource; a connected resource may also be "
                  "available (has presence) and interested (fetched its roster)");
    return {};
}

Qt::ItemFlags SessionTableModel::flags(const QModelIndex &index) const
{
    // A flat table: the view need not ask each of ten thousand rows for children on relayout.
    if (!index.isValid())
        return QAbstractTableModel::flags(index);
    return QAbstractTableModel::flags(index) | Qt::ItemNeverHasChildren;
}

void SessionTableModel::count(const SessionSnapshot &s, int sign)
{
    m_counts.connections += sign;
    switch (s.type) {
    case SessionSnapshot::Type::Unauthenticated:
        m_counts.unauthenticated += sign;
        return;
    case SessionSnapshot::Type::Authenticated:
        m_counts.authenticated += sign;
        return;
    case SessionSnapshot::Type::Bound:
        break;
    }
    if (s.hibernating) {
        // No connection: counted apart, still in the available and interested sets.
        m_counts.connections -= sign;
        m_counts.hibernating += sign;
    } else {
        m_counts.connected += sign;
    }
    if (s.available)
        m_counts.available += sign;
    if (s.interested)
        m_counts.interested += sign;
}

std::vector<std::unique_ptr<SessionTableModel::Row>>::const_iterator SessionTableModel::lowerBound(quint64 id) const
{
    return std::lower_bound(m_rows.cbegin(), m_rows.cend(), id,
                            [](const std::unique_ptr<Row> &s, quint64 key) { return s->id < key; });
}

int SessionTableModel::rowOf(quint64 id) const
{
    const auto it = lowerBound(id);
    return it != m_rows.cend() && (*it)->id == id ? int(it - m_rows.cbegin()) : -1;
}

void SessionTableModel::setSnapshots(const QList<SessionSnapshot> &sessions)
{
    beginResetModel();
    m_rows.clear();
    m_counts = Counts();
    m_rows.reserve(size_t(sessions.size()));
    for (const SessionSnapshot &s : sessions)
        m_rows.push_back(std::make_unique<Row>(s, ++m_revision));
    // Id order; of two snapshots of one session the first wins.
    std::stable_sort(m_rows.begin(), m_rows.end(), [](const auto &a, const auto &b) { return a->id < b->id; });
    m_rows.erase(std::unique(m_rows.begin(), m_rows.end(), [](const auto &a, const auto &b) { return a->id == b->id; }),
                 m_rows.end());
    for (const auto &s : m_rows)
        count(*s, +1);
    endResetModel();
    Q_EMIT countsChanged(m_counts);
}

void SessionTableModel::clear()
{
    setSnapshots({});
}

void SessionTableModel::applyBatch(const QList<SessionSnapshot> &changed, const QList<quint64> &closed)
{
    const Counts before = m_counts;

    // 1. Removals, in contiguous blocks from the bottom up so earlier rows keep their numbers.
    QList<int> doomed;
    doomed.reserve(closed.size());
    QList<quint64> closedIds;
    for (quint64 id : closed) {
        const int row = rowOf(id);
        if (row >= 0) {
            doomed.append(row);
            closedIds.append(id);
        }
    }
    if (!doomed.isEmpty()) {
        std::sort(doomed.begin(), doomed.end(), std::greater<int>());
        doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());
        qsizetype i = 0;
        while (i < doomed.size()) {
            const int last = doomed[i];
            int first = last;
            qsizetype j = i + 1;
            while (j < doomed.size() && doomed[j] == first - 1)
                first = doomed[j++];
            beginRemoveRows(QModelIndex(), first, last);
            for (int r = first; r <= last; ++r)
                count(*m_rows[size_t(r)], -1);
            m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
            endRemoveRows();
            i = j;
        }
    }

    // 2. Updates in place, as dataChanged over row ranges and only the columns that changed.
    struct Update
    {
        int row;
        Mask columns;
    };
    std::vector<Update> updates;
    updates.reserve(size_t(changed.size()));
    QList<quint64> changedIds;
    std::vector<std::unique_ptr<Row>> fresh;
    QHash<quint64, size_t> freshIndex;
    const QSet<quint64> closedNow(closed.cbegin(), closed.cend());
    for (const SessionSnapshot &s : changed) {
        // A session closed in this batch stays closed, even if it also changed before it went.
        if (closedNow.contains(s.id))
            continue;
        const int row = rowOf(s.id);
        if (row >= 0) {
            Row &current = *m_rows[size_t(row)];
            const Mask columns = changedColumns(current, s);
            count(current, -1);
            static_cast<SessionSnapshot &>(current) = s;
            count(current, +1);
            if (columns) {
                current.revision = ++m_revision;
                updates.push_back({row, columns});
                changedIds.append(s.id);
            }
        } else if (auto it = freshIndex.constFind(s.id); it != freshIndex.cend()) {
            static_cast<SessionSnapshot &>(*fresh[*it]) = s;
        } else {
            freshIndex.insert(s.id, fresh.size());
            fresh.push_back(std::make_unique<Row>(s, ++m_revision));
        }
    }
    std::sort(updates.begin(), updates.end(), [](const Update &a, const Update &b) { return a.row < b.row; });
    for (size_t i = 0; i < updates.size();) {
        const int first = updates[i].row;
        int last = first;
        Mask columns = updates[i].columns;
        size_t j = i + 1;
        while (j < updates.size() && updates[j].row - last <= MergeGap) {
            last = updates[j].row;
            columns |= updates[j].columns;
            ++j;
        }
        Q_EMIT dataChanged(index(first, firstColumn(columns)), index(last, lastColumn(columns)));
        i = j;
    }

    // 3. New sessions: one block at the end (ids only grow), in id order.
    std::sort(fresh.begin(), fresh.end(), [](const auto &a, const auto &b) { return a->id < b->id; });
    insertFresh(std::move(fresh));

    if (!(m_counts == before))
        Q_EMIT countsChanged(m_counts);
    if (!changedIds.isEmpty())
        Q_EMIT sessionsChanged(changedIds);
    if (!closedIds.isEmpty())
        Q_EMIT sessionsClosed(closedIds);
}

void SessionTableModel::insertFresh(std::vector<std::unique_ptr<Row>> fresh)
{
    // From the last one back, so that the rows where earlier ones go do not move. Sessions
    // that go to the same place go in one block: from the server, that is all of them, at the end.
    size_t end = fresh.size();
    while (end > 0) {
        const int row = int(lowerBound(fresh[end - 1]->id) - m_rows.cbegin());
        size_t begin = end - 1;
        while (begin > 0 && int(lowerBound(fresh[begin - 1]->id) - m_rows.cbegin()) == row)
            --begin;
        beginInsertRows(QModelIndex(), row, row + int(end - begin) - 1);
        for (size_t i = begin; i < end; ++i)
            count(*fresh[i], +1);
        m_rows.insert(m_rows.begin() + row, std::make_move_iterator(fresh.begin() + qsizetype(begin)),
                      std::make_move_iterator(fresh.begin() + qsizetype(end)));
        endInsertRows();
        end = begin;
    }
}

void SessionTableModel::refreshIdle(const QDateTime &now)
{
    m_now = now;
    const QDate today = now.toLocalTime().date();
    // A new day also changes how the connected-since column reads (a time today, else a date).
    const int first = today == m_today ? IdleColumn : qMin<int>(IdleColumn, ConnectedSinceColumn);
    const int last = today == m_today ? IdleColumn : qMax<int>(IdleColumn, ConnectedSinceColumn);
    m_today = today;
    ++m_idleGeneration;
    if (!m_rows.empty())
        Q_EMIT dataChanged(index(0, first), index(int(m_rows.size()) - 1, last), {Qt::DisplayRole});
    // Hibernating badges count down.
    if (m_counts.hibernating > 0 && !m_rows.empty())
        Q_EMIT dataChanged(index(0, StateColumn), index(int(m_rows.size()) - 1, StateColumn),
                           {Qt::DisplayRole, BadgeTextRole});
}
