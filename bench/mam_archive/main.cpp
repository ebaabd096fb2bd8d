// Fills one user's archive with N rows spread over many conversations, then times what a client
// asks for most: "the last 50 messages with this contact" (an RSM <before/> page with a 'with'
// filter and the XEP-0059 count, exactly the store call the MAM module makes).
#include "storage/ArchiveStore.h"
#include "storage/Database.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QUuid>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

using namespace Qt::StringLiterals;

namespace {
// This thread's CPU time: on a shared machine the wall-clock tail is mostly time spent waiting
// for a core, which the CPU time leaves out.
double threadCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double percentile(std::vector<double> sorted, double p)
{
    std::sort(sorted.begin(), sorted.end());
    const size_t i = std::min(sorted.size() - 1, size_t(p * double(sorted.size() - 1) + 0.5));
    return sorted[i];
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Times 'last N of one conversation' in a large message archive."_s);
    parser.addHelpOption();
    const QCommandLineOption rowsOption(u"rows"_s, u"Rows to archive (default 1000000)."_s, u"N"_s, u"1000000"_s);
    const QCommandLineOption contactsOption(u"contacts"_s, u"Conversations (default 200)."_s, u"N"_s, u"200"_s);
    const QCommandLineOption queriesOption(u"queries"_s, u"Timed queries (default 2000)."_s, u"N"_s, u"2000"_s);
    const QCommandLineOption pageOption(u"page"_s, u"Rows per page (default 50)."_s, u"N"_s, u"50"_s);
    const QCommandLineOption keepOption(u"keep"_s, u"Use (and keep) this data directory."_s, u"DIR"_s);
    parser.addOptions({rowsOption, contactsOption, queriesOption, pageOption, keepOption});
    parser.process(app);
    const int rows = parser.value(rowsOption).toInt();
    const int contacts = std::max(1, parser.value(contactsOption).toInt());
    const int queries = std::max(1, parser.value(queriesOption).toInt());
    const int page = std::max(1, parser.value(pageOption).toInt());

    QTemporaryDir temp;
    const QString dir = parser.isSet(keepOption) ? parser.value(keepOption) : temp.path();
    Database db;
    QString error;
    if (!db.open(dir, &error)) {
        std::fprintf(stderr, "cannot open the database: %s\n", qPrintable(error));
        return 1;
    }
    QSqlQuery sql(db.connection());
    sql.exec(u"INSERT OR IGNORE INTO accounts (username, created) VALUES ('alice', '2026-01-01T00:00:00Z')"_s);
    sql.exec(u"CREATE TABLE IF NOT EXISTS module_schema (module TEXT PRIMARY KEY, version INTEGER NOT NULL)"_s);
    sql.exec(u"SELECT version FROM module_schema WHERE module = 'mam'"_s);
    if (!sql.next()) {
        for (const QString &step : ArchiveStore::schemaSteps()) {
            if (!sql.exec(step)) {
                std::fprintf(stderr, "schema: %s\n", qPrintable(step));
                return 1;
            }
        }
        sql.exec(u"INSERT INTO module_schema (module, version) VALUES ('mam', %1)"_s.arg(ArchiveStore::schemaSteps().size()));
    }
    sql.finish();
    ArchiveStore store(&db);

    // Rows a minute apart, each with a random contact, the stanza the size of a short chat line.
    const qint64 existing = store.count(u"alice"_s);
    QElapsedTimer fillTimer;
    fillTimer.start();
    QRandomGenerator random(42);
    const QDateTime start = QDateTime::currentDateTimeUtc().addSecs(-60LL * rows);
    QList<ArchiveStore::Row> batch;
    for (qint64 i = existing; i < rows; ++i) {
        ArchiveStore::Row row;
        row.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
        row.stamp = start.addSecs(60 * i);
        row.withBare = u"contact%1@localhost"_s.arg(random.bounded(contacts));
        row.withResource = u"phone"_s;
        row.stanza = u"<message from='%1/phone' to='alice@localhost/laptop' type='chat' id='%2'>"
                     "<body>Message number %3 of the benchmark conversation, a short line of chat.</body>"
                     "</message>"_s.arg(row.withBare, row.id).arg(i);
        batch.append(row);
        if (batch.size() == 10000 || i + 1 == rows) {
            if (!store.appendBatch(u"alice"_s, batch, &error)) {
                std::fprintf(stderr, "fill: %s\n", qPrintable(error));
                return 1;
            }
            batch.clear();
        }
    }
    const double fillSeconds = double(fillTimer.nsecsElapsed()) / 1e9;
    sql.exec(u"ANALYZE"_s);
    sql.finish();

    // Warm the page cache as a running server would have it, then time.
    std::vector<double> ms;
    std::vector<double> cpu;
    ms.reserve(size_t(queries));
    cpu.reserve(size_t(queries));
    int returned = 0;
    for (int warm = 0; warm < 2; ++warm) {
        ms.clear();
        cpu.clear();
        for (int q = 0; q < queries; ++q) {
            ArchiveStore::Query query;
            query.withBare = u"contact%1@localhost"_s.arg(random.bounded(contacts));
            query.rsmBefore = QString();   // the last page
            query.max = page;
            QElapsedTimer t;
            const double cpuStart = threadCpuMs();
            t.start();
            const ArchiveStore::Page result = store.query(u"alice"_s, query);
            ms.push_back(double(t.nsecsElapsed()) / 1e6);
            cpu.push_back(threadCpuMs() - cpuStart);
            if (result.status != ArchiveStore::Page::Status::Ok) {
                std::fprintf(stderr, "query failed: %s\n", qPrintable(result.error));
                return 1;
            }
            returned = int(result.rows.size());
        }
    }
    std::printf("archive rows %lld (%d conversations), filled in %.1f s\n", (long long)store.count(u"alice"_s),
                contacts, fillSeconds);
    std::printf("last %d of one conversation (with count): %d queries, median %.3f ms, p99 %.3f ms, max %.3f ms "
                "(%d rows each)\n",
                page, queries, percentile(ms, 0.5), percentile(ms, 0.99), percentile(ms, 1.0), returned);
    std::printf("  CPU time per query: median %.3f ms, p99 %.3f ms\n", percentile(cpu, 0.5), percentile(cpu, 0.99));
    return 0;
}
