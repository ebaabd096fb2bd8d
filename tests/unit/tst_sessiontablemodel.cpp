#include "SessionFilterProxy.h"
#include "SessionTableModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>
#include <QTreeView>

using namespace Qt::StringLiterals;

namespace {

SessionSnapshot unauthenticated(quint64 id)
{
    SessionSnapshot s;
    s.id = id;
    s.peerAddress = QHostAddress(QHostAddress::LocalHost);
    s.peerPort = quint16(40000 + id % 20000);
    s.connectedSince = QDateTime::currentDateTimeUtc();
    s.lastActivity = s.connectedSince;
    return s;
}

SessionSnapshot bound(quint64 id, bool available = false, bool interested = false)
{
    SessionSnapshot s = unauthenticated(id);
    s.type = SessionSnapshot::Type::Bound;
    s.username = u"user%1"_s.arg(id);
    s.fullJid = u"user%1@localhost/res"_s.arg(id);
    s.saslMechanism = u"SCRAM-SHA-256"_s;
    s.encrypted = true;
    s.tlsProtocol = u"TLS 1.3"_s;
    s.available = available;
    s.interested = interested;
    return s;
}

QList<SessionSnapshot> range(quint64 first, quint64 last)
{
    QList<SessionSnapshot> list;
    for (quint64 id = first; id <= last; ++id)
        list.append(unauthenticated(id));
    return list;
}

using Range = std::pair<int, int>;

// Records rowsInserted / rowsRemoved / dataChanged as [first, last] row ranges.
struct SignalLog
{
    explicit SignalLog(SessionTableModel *model)
    {
        QObject::connect(model, &QAbstractItemModel::rowsInserted, model,
                         [this](const QModelIndex &, int first, int last) { inserted.append({first, last}); });
        QObject::connect(model, &QAbstractItemModel::rowsRemoved, model,
                         [this](const QModelIndex &, int first, int last) { removed.append({first, last}); });
        QObject::connect(model, &QAbstractItemModel::dataChanged, model,
                         [this](const QModelIndex &tl, const QModelIndex &br) {
                             changed.append({tl.row(), br.row()});
                             columns.append({tl.column(), br.column()});
                         });
        QObject::connect(model, &QAbstractItemModel::modelReset, model, [this] { ++resets; });
    }
    QList<Range> inserted;
    QList<Range> removed;
    QList<Range> changed;
    QList<Range> columns;
    int resets = 0;
};

} // namespace

class tst_SessionTableModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initialLoad();
    void insertsGoInOneBlock();
    void removalsGoInContiguousBlocks();
    void updatesAreRangesOfChangedColumns();
    void batchMixesAllThree();
    void rowLookupFollowsRemovals();
    void batchEqualsOneChangeAtATime();
    void persistentIndexesFollowTheirSession();
    void statesAndCounts_data();
    void statesAndCounts();
    void sortRoleIsRaw();
    void proxyFiltersBySetAndText();
    void tenThousandRowsInRangesWithoutResets();
    void webSocketTransportShows();
};

void tst_SessionTableModel::initialLoad()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshots(range(1, 5));
    QCOMPARE(model.rowCount(), 5);
    QCOMPARE(model.columnCount(), int(SessionTableModel::ColumnCount));
    QCOMPARE(model.rowOf(3), 2);
    QCOMPARE(model.counts().connections, 5);
    QCOMPARE(model.counts().unauthenticated, 5);
    QCOMPARE(model.data(model.index(0, SessionTableModel::JidColumn)).toString(), u"127.0.0.1:40001"_s);
}

void tst_SessionTableModel::insertsGoInOneBlock()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshots(range(1, 3));
    SignalLog log(&model);
    model.applyBatch(range(10, 19), {});
    QCOMPARE(log.inserted, (QList<Range>{{3, 12}}));
    QVERIFY(log.removed.isEmpty());
    QVERIFY(log.changed.isEmpty());
    QCOMPARE(log.resets, 0);
    QCOMPARE(model.rowCount(), 13);
    QCOMPARE(model.rowOf(15), 8);
}

void tst_SessionTableModel::removalsGoInContiguousBlocks()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshots(range(1, 10));   // rows 0..9 hold ids 1..10
    SignalLog log(&model);
    QSignalSpy closedSpy(&model, &SessionTableModel::sessionsClosed);
    // Rows 1-3 (ids 2-4), row 6 (id 7) and rows 8-9 (ids 9-10); id 99 is unknown.
    model.applyBatch({}, {4, 2, 3, 7, 99, 9, 10});
    // Bottom-up so earlier blocks keep their row numbers.
    QCOMPARE(log.removed, (QList<Range>{{8, 9}, {6, 6}, {1, 3}}));
    QCOMPARE(log.resets, 0);
    QCOMPARE(model.rowCount(), 4);
    const QList<quint64> left{1, 5, 6, 8};
    for (int row = 0; row < 4; ++row) {
        QCOMPARE(model.snapshotAt(row)->id, left[row]);
        QCOMPARE(model.rowOf(left[row]), row);
    }
    QCOMPARE(model.rowOf(2), -1);
    QCOMPARE(closedSpy.size(), 1);
    QCOMPARE(closedSpy.at(0).at(0).value<QList<quint64>>().size(), 6);
}

void tst_SessionTableModel::updatesAreRangesOfChangedColumns()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<SessionSnapshot> all;
    for (quint64 id = 1; id <= 100; ++id)
        all.append(bound(id));
    model.setSnapshots(all);
    SignalLog log(&model);

    // Rows 0, 1, 2 and 50: only the stanza counter changed.
    QList<SessionSnapshot> changed;
    for (quint64 id : {1, 2, 3, 51}) {
        SessionSnapshot s = all[int(id - 1)];
        s.stanzasIn = 7;
        changed.append(s);
    }
    // An unchanged snapshot signals nothing.
    changed.append(all[80]);
    model.applyBatch(changed, {});
    QCOMPARE(log.changed, (QList<Range>{{0, 2}, {50, 50}}));
    for (const Range &columns : log.columns)
        QCOMPARE(columns, Range(SessionTableModel::StanzasInColumn, SessionTableModel::StanzasInColumn));
    QVERIFY(log.inserted.isEmpty());
    QVERIFY(log.removed.isEmpty());
    QCOMPARE(model.data(model.index(50, SessionTableModel::StanzasInColumn)).toULongLong(), 7u);

    // A state change repaints the state badge and what depends on it.
    log.changed.clear();
    log.columns.clear();
    SessionSnapshot s = all[10];
    s.available = true;
    s.presenceShow = u"away"_s;
    model.applyBatch({s}, {});
    QCOMPARE(log.changed, (QList<Range>{{10, 10}}));
    QVERIFY(log.columns[0].first <= SessionTableModel::StateColumn);
    QVERIFY(log.columns[0].second >= SessionTableModel::ShowColumn);
    QCOMPARE(model.data(model.index(10, SessionTableModel::ShowColumn)).toString(), u"Away"_s);
    QCOMPARE(model.counts().available, 1);
}

void tst_SessionTableModel::batchMixesAllThree()
{
    SessionTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setSnapshots(range(1, 6));
    SignalLog log(&model);
    SessionSnapshot moved = bound(5, true, true);
    model.applyBatch({moved, unauthenticated(7), unauthenticated(8)}, {2, 3});
    QCOMPARE(log.removed, (QList<Range>{{1, 2}}));
    QCOMPARE(log.changed, (QList<Range>{{2, 2}}));   // id 5 moved up from row 4 to row 2
    QCOMPARE(log.inserted, (QList<Range>{{4, 5}}));
    QCOMPARE(model.rowCount(), 6);
    QCOMPARE(model.rowOf(5), 2);
    QCOMPARE(model.rowOf(8), 5);
    QCOMPARE(model.data(model.index(2, SessionTableModel::StateColumn), SessionTableModel::StateRole).toInt(),
             int(SessionTableModel::State::Interested));
    const auto counts = model.counts();
    QCOMPARE(counts.connections, 6);
    QCOMPARE(counts.unauthenticated, 5);
    QCOMPARE(counts.connected, 1);
    QCOMPARE(counts.available, 1);
    QCOMPARE(counts.interested, 1);
}

void tst_SessionTableModel::rowLookupFollowsRemovals()
{
    SessionTableModel model;
    model.setSnapshots(range(1, 1000));
    QList<quint64> closed;
    for (quint64 id = 1; id <= 1000; id += 3)
        closed.append(id);
    model.applyBatch({}, closed);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.rowOf(model.snapshotAt(row)->id), row);
    QCOMPARE(model.rowCount(), 1000 - int(closed.size()));
}

void tst_SessionTableModel::batchEqualsOneChangeAtATime()
{
    // A batch shaped like the server's: closes scattered through the table (some in a row, one
    // unknown), changes before and after them, new sessions in no particular id order, and a
    // new session listed twice (the later snapshot wins).
    QList<SessionSnapshot> all;
    for (quint64 id = 1; id <= 200; ++id)
        all.append(bound(id, id % 2, id % 3));
    const QList<quint64> closed{3, 4, 5, 17, 101, 150, 151, 199, 200, 999, 1};
    QList<SessionSnapshot> changed;
    for (quint64 id : {2, 6, 50, 102, 149, 152, 198}) {
        SessionSnapshot s = all[int(id - 1)];
        s.stanzasIn += id;
        s.interested = !s.interested;
        changed.append(s);
    }
    for (quint64 id : {305, 301, 303}) {
        SessionSnapshot s = unauthenticated(id);
        s.bytesIn = id;
        changed.append(s);
    }
    SessionSnapshot later = bound(301, true);
    changed.append(later);

    SessionTableModel batched;
    QAbstractItemModelTester tester(&batched, QAbstractItemModelTester::FailureReportingMode::QtTest);
    batched.setSnapshots(all);
    batched.applyBatch(changed, closed);

    SessionTableModel oneByOne;
    oneByOne.setSnapshots(all);
    for (quint64 id : closed)
        oneByOne.applyBatch({}, {id});
    for (const SessionSnapshot &s : changed)
        oneByOne.applyBatch({s}, {});

    QCOMPARE(batched.rowCount(), 200 - 10 + 3);
    QCOMPARE(batched.rowCount(), oneByOne.rowCount());
    QCOMPARE(batched.counts(), oneByOne.counts());
    for (int row = 0; row < batched.rowCount(); ++row) {
        const SessionSnapshot *a = batched.snapshotAt(row);
        const SessionSnapshot *b = oneByOne.snapshotAt(row);
        QCOMPARE(a->id, b->id);
        QCOMPARE(batched.rowOf(a->id), row);
        for (int column = 0; column < SessionTableModel::ColumnCount; ++column)
            QCOMPARE(batched.index(row, column).data(SessionTableModel::SortRole),
                     oneByOne.index(row, column).data(SessionTableModel::SortRole));
    }
    QCOMPARE(batched.snapshotById(301)->type, SessionSnapshot::Type::Bound);
    for (quint64 id : closed)
        QCOMPARE(batched.rowOf(id), -1);
}

void tst_SessionTableModel::persistentIndexesFollowTheirSession()
{
    // Through the sorted proxy and a view's selection, as in the console.
    SessionTableModel model;
    SessionFilterProxy proxy;
    proxy.setSourceModel(&model);
    QTreeView view;
    view.setModel(&proxy);
    view.setSelectionMode(QAbstractItemView::ExtendedSelection);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setSortingEnabled(true);
    view.sortByColumn(SessionTableModel::StanzasInColumn, Qt::DescendingOrder);
    QList<SessionSnapshot> all;
    for (quint64 id = 1; id <= 300; ++id) {
        SessionSnapshot s = bound(id, true, true);
        s.stanzasIn = (id * 7919) % 1000;
        all.append(s);
    }
    model.setSnapshots(all);

    const QList<quint64> watched{10, 150, 290};
    QList<QPersistentModelIndex> sourceIndexes;
    QItemSelection selection;
    for (quint64 id : watched) {
        const QModelIndex index = model.index(model.rowOf(id), SessionTableModel::JidColumn);
        sourceIndexes.append(index);
        const QModelIndex proxyIndex = proxy.mapFromSource(index);
        selection.select(proxyIndex, proxyIndex);
    }
    view.selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    const QPersistentModelIndex current = proxy.mapFromSource(model.index(model.rowOf(150), 0));
    view.selectionModel()->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
    const QPersistentModelIndex doomed = model.index(model.rowOf(20), 0);

    // Closes above, between and below the watched rows, the watched ones
    // changing their sort key, new sessions sorting everywhere.
    QList<quint64> closed{1, 2, 3, 20, 149, 151, 200, 299, 300};
    QList<SessionSnapshot> changed;
    for (quint64 id : watched) {
        SessionSnapshot s = all[int(id - 1)];
        s.stanzasIn += 500;
        changed.append(s);
    }
    for (quint64 id = 301; id <= 340; ++id) {
        SessionSnapshot s = bound(id);
        s.stanzasIn = (id * 104729) % 2000;
        changed.append(s);
    }
    model.applyBatch(changed, closed);

    QVERIFY(!doomed.isValid());
    for (qsizetype i = 0; i < watched.size(); ++i) {
        QVERIFY(sourceIndexes[i].isValid());
        QCOMPARE(sourceIndexes[i].data(SessionTableModel::SessionIdRole).toULongLong(), watched[i]);
        QCOMPARE(sourceIndexes[i].row(), model.rowOf(watched[i]));
    }
    QList<quint64> selected;
    const QModelIndexList rows = view.selectionModel()->selectedRows();
    for (const QModelIndex &index : rows)
        selected.append(index.data(SessionTableModel::SessionIdRole).toULongLong());
    std::sort(selected.begin(), selected.end());
    QCOMPARE(selected, watched);
    QCOMPARE(view.selectionModel()->currentIndex().data(SessionTableModel::SessionIdRole).toULongLong(), 150u);
    // And the proxy is sorted again.
    for (int row = 1; row < proxy.rowCount(); ++row)
        QVERIFY(proxy.index(row - 1, SessionTableModel::StanzasInColumn).data(SessionTableModel::SortRole)
                    .toULongLong()
                >= proxy.index(row, SessionTableModel::StanzasInColumn).data(SessionTableModel::SortRole)
                       .toULongLong());
}

void tst_SessionTableModel::statesAndCounts_data()
{
    QTest::addColumn<SessionSnapshot>("snapshot");
    QTest::addColumn<int>("state");
    QTest::addColumn<QString>("name");
    SessionSnapshot authenticated = unauthenticated(2);
    authenticated.type = SessionSnapshot::Type::Authenticated;
    authenticated.username = u"alice"_s;
    QTest::newRow("unauthenticated") << unauthenticated(1) << int(SessionTableModel::State::Unauthenticated)
                                     << u"unauthenticated"_s;
    QTest::newRow("authenticated") << authenticated << int(SessionTableModel::State::Authenticated)
                                   << u"authenticated"_s;
    QTest::newRow("connected") << bound(3) << int(SessionTableModel::State::Connected) << u"connected resource"_s;
    QTest::newRow("available") << bound(4, true) << int(SessionTableModel::State::Available) << u"available"_s;
    QTest::newRow("interested") << bound(5, false, true) << int(SessionTableModel::State::Interested)
                                << u"interested"_s;
    QTest::newRow("both") << bound(6, true, true) << int(SessionTableModel::State::Interested) << u"interested"_s;
}

void tst_SessionTableModel::statesAndCounts()
{
    QFETCH(SessionSnapshot, snapshot);
    QFETCH(int, state);
    QFETCH(QString, name);
    SessionTableModel model;
    model.applyBatch({snapshot}, {});
    const QModelIndex index = model.index(0, SessionTableModel::StateColumn);
    QCOMPARE(index.data(SessionTableModel::StateRole).toInt(), state);
    QCOMPARE(index.data().toString(), name);
    const auto counts = model.counts();
    QCOMPARE(counts.connections, 1);
    QCOMPARE(counts.connected, snapshot.type == SessionSnapshot::Type::Bound ? 1 : 0);
    QCOMPARE(counts.available, snapshot.type == SessionSnapshot::Type::Bound && snapshot.available ? 1 : 0);
    QCOMPARE(counts.interested, snapshot.type == SessionSnapshot::Type::Bound && snapshot.interested ? 1 : 0);
    model.applyBatch({}, {snapshot.id});
    QCOMPARE(model.counts(), SessionTableModel::Counts());
}

void tst_SessionTableModel::sortRoleIsRaw()
{
    SessionTableModel model;
    SessionFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    QList<SessionSnapshot> sessions;
    const quint64 bytes[] = {900, 5 * 1024 * 1024, 2048};
    for (quint64 i = 0; i < 3; ++i) {
        SessionSnapshot s = bound(i + 1);
        s.bytesIn = bytes[i];
        sessions.append(s);
    }
    model.setSnapshots(sessions);
    // Displayed "900 B", "5.0 MiB", "2.0 KiB" would sort wrongly as text.
    QCOMPARE(model.data(model.index(1, SessionTableModel::BytesInColumn)).toString(), u"5.0 MiB"_s);
    proxy.sort(SessionTableModel::BytesInColumn, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, 0).data(SessionTableModel::SessionIdRole).toULongLong(), 1u);
    QCOMPARE(proxy.index(1, 0).data(SessionTableModel::SessionIdRole).toULongLong(), 3u);
    QCOMPARE(proxy.index(2, 0).data(SessionTableModel::SessionIdRole).toULongLong(), 2u);
    // A batch re-sorts the changed row only.
    SessionSnapshot s = sessions[0];
    s.bytesIn = 10ull * 1024 * 1024;
    model.applyBatch({s}, {});
    QCOMPARE(proxy.index(2, 0).data(SessionTableModel::SessionIdRole).toULongLong(), 1u);
}

void tst_SessionTableModel::proxyFiltersBySetAndText()
{
    SessionTableModel model;
    SessionFilterProxy proxy;
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    proxy.setSourceModel(&model);
    model.setSnapshots({unauthenticated(1), bound(2), bound(3, true), bound(4, true, true), bound(5, false, true)});
    QCOMPARE(proxy.rowCount(), 5);
    proxy.setSetFilter(SessionFilterProxy::SetFilter::Connected);
    QCOMPARE(proxy.rowCount(), 4);
    proxy.setSetFilter(SessionFilterProxy::SetFilter::Available);
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setSetFilter(SessionFilterProxy::SetFilter::Interested);
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setSetFilter(SessionFilterProxy::SetFilter::Unauthenticated);
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setSetFilter(SessionFilterProxy::SetFilter::All);
    proxy.setFilterText(u"USER4"_s);
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, 0).data(SessionTableModel::SessionIdRole).toULongLong(), 4u);
    // A row that starts matching appears.
    SessionSnapshot renamed = unauthenticated(1);
    renamed.type = SessionSnapshot::Type::Authenticated;
    renamed.username = u"user4"_s;
    model.applyBatch({renamed}, {});
    QCOMPARE(proxy.rowCount(), 2);
}

void tst_SessionTableModel::tenThousandRowsInRangesWithoutResets()
{
    SessionTableModel model;
    SessionFilterProxy proxy;
    proxy.setSourceModel(&model);
    QTreeView view;
    view.setUniformRowHeights(true);
    view.setModel(&proxy);
    view.setSortingEnabled(true);
    view.sortByColumn(SessionTableModel::StanzasInColumn, Qt::DescendingOrder);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    constexpr int Rows = 10000;
    QList<SessionSnapshot> all;
    all.reserve(Rows);
    for (quint64 id = 1; id <= Rows; ++id)
        all.append(bound(id, id % 2, id % 3));

    // Speed is the console bench's business (bench/console); here the shape of the work at full
    // scale: every batch is a few ranges, never a reset, and the indexes stay consistent.
    SignalLog log(&model);
    // Arrive as batches of 1,000 new sessions, like a login storm: one inserted range each.
    for (int i = 0; i < Rows; i += 1000)
        model.applyBatch(all.mid(i, 1000), {});
    QCOMPARE(log.inserted.size(), Rows / 1000);
    QCOMPARE(model.rowCount(), Rows);
    QCOMPARE(proxy.rowCount(), Rows);

    // Then 50 batches of 300 changes and 20 closes each.
    log.inserted.clear();
    log.changed.clear();
    quint64 nextId = Rows + 1;
    int changes = 0;
    for (int batch = 0; batch < 50; ++batch) {
        QList<SessionSnapshot> changed;
        for (int i = 0; i < 300; ++i) {
            const int row = (batch * 7919 + i * 104729) % model.rowCount();
            SessionSnapshot s = *model.snapshotAt(row);
            s.stanzasIn += quint64(1 + i);
            s.lastActivity = QDateTime::currentDateTimeUtc();
            changed.append(s);
        }
        QList<quint64> closed;
        for (int i = 0; i < 20; ++i)
            closed.append(model.snapshotAt((batch * 31 + i * 499) % model.rowCount())->id);
        for (int i = 0; i < 20; ++i)
            changed.append(bound(nextId++));
        model.applyBatch(changed, closed);
        changes += int(changed.size() + closed.size());
    }
    QCOMPARE(changes, 50 * 340);
    QCOMPARE(log.resets, 0);
    // New sessions have the highest ids: one appended range per batch.
    QCOMPARE(log.inserted.size(), 50);
    // 300 changed rows a batch, merged where adjacent: never one signal per column or per cell.
    QVERIFY(log.changed.size() <= 50 * 300);
    for (int row = 0; row < model.rowCount(); row += 97)
        QCOMPARE(model.rowOf(model.snapshotAt(row)->id), row);
    QCOMPARE(proxy.rowCount(), model.rowCount());
}

// A WebSocket session (RFC 7395) says so in the TLS column and its tooltip; a TCP one does not.
void tst_SessionTableModel::webSocketTransportShows()
{
    SessionTableModel model;
    SessionSnapshot tcp = bound(1);
    tcp.transport = u"tcp"_s;
    tcp.tlsCipher = u"TLS_AES_128_GCM_SHA256"_s;
    SessionSnapshot ws = bound(2);
    ws.transport = u"websocket"_s;
    ws.directTls = true;
    ws.tlsCipher = u"TLS_AES_256_GCM_SHA384"_s;
    model.setSnapshots({tcp, ws});
    QCOMPARE(model.data(model.index(0, SessionTableModel::TlsColumn)).toString(), u"TLS 1.3 TLS_AES_128_GCM_SHA256"_s);
    QCOMPARE(model.data(model.index(1, SessionTableModel::TlsColumn)).toString(), u"TLS 1.3 TLS_AES_256_GCM_SHA384 · WebSocket"_s);
    QVERIFY(model.data(model.index(1, SessionTableModel::TlsColumn), Qt::ToolTipRole).toString().endsWith(u", WebSocket"_s));
    // The column is repainted when only the transport changes.
    SignalLog log(&model);
    tcp.transport = u"websocket"_s;
    model.applyBatch({tcp}, {});
    QCOMPARE(log.changed.size(), 1);
    QVERIFY(model.data(model.index(0, SessionTableModel::TlsColumn)).toString().endsWith(u"WebSocket"_s));
}

QTEST_MAIN(tst_SessionTableModel)
#include "tst_sessiontablemodel.moc"
