// The console's session table under load: 10,000 simulated sessions, 500 logins/s of churn (as
// many closes) and 500 traffic changes a second, fed to SessionTableModel as the server's
// batches (ten a second, shaped by ChurnLoad as SessionManager sends them), through the sorting
// proxy into a visible view with the badge delegate. Measures the event-loop lag (how late
// a 5 ms timer fires), the time to apply one batch (model, proxy and view bookkeeping) and the
// time to paint one frame of the view; prints p50 / p99 / max.

#include "ChurnLoad.h"
#include "SessionFilterProxy.h"
#include "SessionTableModel.h"
#include "SessionTableView.h"
#include "StateBadgeDelegate.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QTextStream>
#include <QTimer>
#include <QTreeView>
#include <algorithm>
#include <ctime>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

struct Samples
{
    std::vector<double> ms;
    void add(double value) { ms.push_back(value); }
    double percentile(double p) const
    {
        if (ms.empty())
            return 0;
        std::vector<double> sorted = ms;
        std::sort(sorted.begin(), sorted.end());
        const size_t index = std::min(sorted.size() - 1, size_t(p / 100.0 * double(sorted.size())));
        return sorted[index];
    }
    double max() const { return ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end()); }
};

// CPU time of this thread: on a shared machine, wall time also counts the other processes.
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

struct PaintSamples
{
    Samples wall;
    Samples cpu;
};

// Times every paint of the view's viewport; with --plain, Qt's own QTreeView for comparison.
template<typename View>
class TimedView final : public View, public PaintSamples
{
protected:
    void paintEvent(QPaintEvent *event) override
    {
        QElapsedTimer timer;
        timer.start();
        const double cpu = threadCpuMs();
        View::paintEvent(event);
        wall.add(double(timer.nsecsElapsed()) / 1e6);
        this->cpu.add(threadCpuMs() - cpu);
    }
};

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")
        && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Measures the console's session table under load."_s);
    parser.addHelpOption();
    const QCommandLineOption sessionsOption(u"sessions"_s, u"Simulated sessions (10000)."_s, u"N"_s, u"10000"_s);
    const QCommandLineOption changesOption(u"changes"_s, u"Session changes per second (500)."_s, u"N"_s, u"500"_s);
    const QCommandLineOption churnOption(u"churn"_s, u"Logins per second, each closing the oldest session (500)."_s,
                                         u"N"_s, u"500"_s);
    const QCommandLineOption secondsOption(u"seconds"_s, u"How long to measure (10)."_s, u"N"_s, u"10"_s);
    const QCommandLineOption sortOption(u"sort"_s, u"Sort column: jid, stanzas or idle (stanzas)."_s, u"C"_s,
                                        u"stanzas"_s);
    const QCommandLineOption plainOption(u"plain"_s, u"Use a plain QTreeView instead of SessionTableView."_s);
    parser.addOptions({sessionsOption, changesOption, churnOption, secondsOption, sortOption, plainOption});
    parser.process(app);
    const int sessions = parser.value(sessionsOption).toInt();
    const int changesPerSecond = parser.value(changesOption).toInt();
    const int churnPerSecond = parser.value(churnOption).toInt();
    const int seconds = parser.value(secondsOption).toInt();
    const QString sort = parser.value(sortOption);
    constexpr int BatchesPerSecond = 10;   // as SessionManager sends them

    ChurnLoad load(changesPerSecond, churnPerSecond, BatchesPerSecond, 42);
    SessionTableModel model;
    SessionFilterProxy proxy;
    proxy.setSourceModel(&model);
    const bool plain = parser.isSet(plainOption);
    QTreeView *view = nullptr;
    PaintSamples *paints = nullptr;
    if (plain) {
        auto *v = new TimedView<QTreeView>;
        view = v;
        paints = v;
    } else {
        auto *v = new TimedView<SessionTableView>;
        view = v;
        paints = v;
    }
    view->setModel(&proxy);
    view->setRootIsDecorated(false);
    view->setUniformRowHeights(true);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setItemDelegateForColumn(SessionTableModel::StateColumn, new StateBadgeDelegate(view));
    view->setSortingEnabled(true);
    const int sortColumn = sort == u"jid" ? SessionTableModel::JidColumn
        : sort == u"idle"                 ? SessionTableModel::IdleColumn
                                          : SessionTableModel::StanzasInColumn;
    view->sortByColumn(sortColumn, Qt::DescendingOrder);
    view->resize(1400, 800);
    view->show();

    QTextStream out(stdout);
    // The login ramp: every session arrives, in batches of 1,000.
    const QList<ChurnLoad::Batch> ramp = load.ramp(sessions, 1000);
    QElapsedTimer clock;
    clock.start();
    for (const ChurnLoad::Batch &batch : ramp)
        model.applyBatch(batch.changed, batch.closed);
    out << "loaded " << model.rowCount() << " sessions in " << clock.elapsed() << " ms\n";
    QCoreApplication::processEvents();

    Samples lag, apply, applyCpu;
    int totalChanges = 0;
    QTimer feeder;
    feeder.setTimerType(Qt::PreciseTimer);
    QObject::connect(&feeder, &QTimer::timeout, [&] {
        const ChurnLoad::Batch batch = load.next();
        QElapsedTimer timer;
        timer.start();
        const double cpu = threadCpuMs();
        model.applyBatch(batch.changed, batch.closed);
        apply.add(double(timer.nsecsElapsed()) / 1e6);
        applyCpu.add(threadCpuMs() - cpu);
        totalChanges += int(batch.changed.size() + batch.closed.size());
    });

    QElapsedTimer sinceTick;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    constexpr int ProbeMs = 5;
    QObject::connect(&probe, &QTimer::timeout, [&] {
        if (sinceTick.isValid())
            lag.add(qMax(0.0, double(sinceTick.nsecsElapsed()) / 1e6 - ProbeMs));
        sinceTick.start();
    });
    QTimer idle;   // the main window's one-second idle column refresh
    QObject::connect(&idle, &QTimer::timeout, [&] { model.refreshIdle(); });

    paints->wall.ms.clear();
    paints->cpu.ms.clear();
    const double cpuStart = threadCpuMs();
    QElapsedTimer wall;
    wall.start();
    feeder.start(1000 / BatchesPerSecond);
    probe.start(ProbeMs);
    idle.start(1000);
    QTimer::singleShot(seconds * 1000, &app, &QCoreApplication::quit);
    QApplication::exec();

    auto line = [&out](const char *what, const Samples &s) {
        out << QString::fromLatin1(what).leftJustified(28) << " p50 " << QString::number(s.percentile(50), 'f', 2)
            << " ms   p99 " << QString::number(s.percentile(99), 'f', 2) << " ms   max "
            << QString::number(s.max(), 'f', 2) << " ms   (" << s.ms.size() << " samples)\n";
    };
    out << sessions << " sessions, " << changesPerSecond << " changes/s + " << churnPerSecond
        << " closes and opens/s in " << BatchesPerSecond << " batches/s, sorted by " << sort << ", "
        << (plain ? "plain QTreeView, " : "SessionTableView, ")
        << seconds << " s (" << totalChanges << " changes applied)\n";
    line("event-loop lag (5 ms timer)", lag);
    line("apply one batch (wall)", apply);
    line("apply one batch (CPU)", applyCpu);
    line("paint one frame (wall)", paints->wall);
    line("paint one frame (CPU)", paints->cpu);
    out << "UI thread busy " << QString::number(100.0 * (threadCpuMs() - cpuStart) / double(wall.elapsed()), 'f', 1)
        << " % of the time; load average " << QString::fromLatin1([] {
               QFile f(u"/proc/loadavg"_s);
               return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed() : QByteArray("?");
           }()) << "\n";
    delete view;
    return 0;
}
