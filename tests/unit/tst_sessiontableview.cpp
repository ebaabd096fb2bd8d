#include "SessionFilterProxy.h"
#include "SessionTableModel.h"
#include "SessionTableView.h"
#include "StateBadgeDelegate.h"

#include <QApplication>
#include <QHeaderView>
#include <QImage>
#include <QPixmap>
#include <QScreen>
#include <QScrollBar>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

SessionSnapshot session(quint64 id, quint64 stanzas)
{
    SessionSnapshot s;
    s.id = id;
    s.type = SessionSnapshot::Type::Bound;
    s.username = u"u%1"_s.arg(id);
    s.fullJid = u"u%1@localhost/lg"_s.arg(id);
    s.peerAddress = QHostAddress(QHostAddress::LocalHost);
    s.peerPort = quint16(30000 + id);
    s.saslMechanism = u"PLAIN"_s;
    s.available = true;
    s.interested = id % 3;
    s.connectedSince = QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC);
    s.lastActivity = s.connectedSince;
    s.stanzasIn = stanzas;
    return s;
}

} // namespace

// SessionTableView repaints only the row slots whose session or revision changed. These tests
// check what that leaves on screen (the window's backing store, which the offscreen platform
// hands back through QScreen::grabWindow) against a full fresh paint of the same viewport.
class tst_SessionTableView : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void screenMatchesAFullPaintUnderChurn_data();
    void screenMatchesAFullPaintUnderChurn();

private:
    // Lets the delayed relayout run, then the repaints it asks for.
    static void settle()
    {
        for (int i = 0; i < 3; ++i)
            QApplication::processEvents();
    }
    static QImage onScreen(SessionTableView &view)
    {
        QWidget *port = view.viewport();
        const QPoint at = port->mapTo(view.window(), QPoint(0, 0));
        return view.screen()
            ->grabWindow(view.window()->winId(), at.x(), at.y(), port->width(), port->height())
            .toImage()
            .convertToFormat(QImage::Format_RGB32);
    }
    static QImage freshPaint(SessionTableView &view)
    {
        return view.viewport()->grab().toImage().convertToFormat(QImage::Format_RGB32);
    }
    // Empty when the screen shows what a full paint would; otherwise the failure text, with
    // both images saved beside the test for a look.
    static QString screenVersusFullPaint(SessionTableView &view, const QString &when)
    {
        const QImage shown = onScreen(view);
        const QImage expected = freshPaint(view);
        if (shown == expected)
            return {};
        shown.save(u"tst_sessiontableview-shown.png"_s);
        expected.save(u"tst_sessiontableview-expected.png"_s);
        return u"%1: the screen differs from a full paint (images saved)"_s.arg(when);
    }
};

void tst_SessionTableView::screenMatchesAFullPaintUnderChurn_data()
{
    QTest::addColumn<int>("scrollTo");   // first row shown
    QTest::newRow("top") << 0;
    QTest::newRow("middle") << 500;
}

void tst_SessionTableView::screenMatchesAFullPaintUnderChurn()
{
    QFETCH(int, scrollTo);
    SessionTableModel model;
    SessionFilterProxy proxy;
    proxy.setSourceModel(&model);
    SessionTableView view;
    view.setModel(&proxy);
    view.setAlternatingRowColors(true);
    view.setSelectionMode(QAbstractItemView::ExtendedSelection);
    view.setSelectionBehavior(QAbstractItemView::SelectRows);
    view.setItemDelegateForColumn(SessionTableModel::StateColumn, new StateBadgeDelegate(&view));
    view.setSortingEnabled(true);
    view.sortByColumn(SessionTableModel::StanzasInColumn, Qt::DescendingOrder);
    view.resize(1800, 400);   // every column on screen

    QList<SessionSnapshot> all;
    for (quint64 id = 1; id <= 1000; ++id)
        all.append(session(id, (id * 7919) % 997));
    model.setSnapshots(all);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.verticalScrollBar()->setValue(scrollTo);
    settle();
    if (onScreen(view).isNull())
        QSKIP("this platform cannot grab a window's backing store");
    QVERIFY(onScreen(view) == freshPaint(view));
    // One selected row, which moves with its session.
    view.selectionModel()->select(proxy.index(scrollTo + 3, 0),
                                  QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);

    // Batches as under churn: the oldest sessions close, new ones open with few stanzas,
    // traffic moves some rows, among them rows on screen; the idle column ticks.
    quint64 nextId = 1001;
    quint64 oldest = 1;
    for (int batch = 0; batch < 30; ++batch) {
        QList<SessionSnapshot> changed;
        QList<quint64> closed;
        for (int i = 0; i < 10; ++i) {
            closed.append(oldest++);
            changed.append(session(nextId++, quint64(batch % 4)));
        }
        for (int i = 0; i < 3; ++i) {
            // A row on screen and a row anywhere.
            for (const int row : {scrollTo + (batch * 3 + i) % 12, (batch * 131 + i * 17) % proxy.rowCount()}) {
                const quint64 id = proxy.index(row, 0).data(SessionTableModel::SessionIdRole).toULongLong();
                SessionSnapshot s = *model.snapshotById(id);
                s.stanzasIn += quint64(1 + (batch + i) % 40);
                s.bytesIn += 300;
                s.interested = !s.interested;
                changed.append(s);
            }
        }
        model.applyBatch(changed, closed);
        if (batch % 7 == 6)
            model.refreshIdle(QDateTime(QDate(2026, 1, 1), QTime(12, 0), Qt::UTC).addSecs(batch * 60));
        settle();
        const QString mismatch = screenVersusFullPaint(view, u"batch %1"_s.arg(batch));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }

    // Then batches that move no row (no new or closed sessions, the sort key unchanged): only
    // the changed ranges repaint, and the idle column ticking alone.
    for (int batch = 0; batch < 6; ++batch) {
        QList<SessionSnapshot> changed;
        for (int row = scrollTo + batch; row < scrollTo + 20; row += 4) {
            const quint64 id = proxy.index(row, 0).data(SessionTableModel::SessionIdRole).toULongLong();
            SessionSnapshot s = *model.snapshotById(id);
            s.bytesIn += 5000;
            s.interested = !s.interested;
            changed.append(s);
        }
        if (batch % 2)
            model.applyBatch(changed, {});
        else
            model.refreshIdle(QDateTime(QDate(2026, 1, 2), QTime(12, 0), Qt::UTC).addSecs(batch * 3600));
        settle();
        const QString mismatch = screenVersusFullPaint(view, u"quiet batch %1"_s.arg(batch));
        QVERIFY2(mismatch.isEmpty(), qPrintable(mismatch));
    }
}

QTEST_MAIN(tst_SessionTableView)
#include "tst_sessiontableview.moc"
