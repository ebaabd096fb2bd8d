#include "TempDatabase.h"
#include "base/ServerConfig.h"
#include "host/Module.h"
#include "host/ModuleHost.h"
#include "host/ModuleOption.h"
#include "FakeStream.h"
#include "TestSessions.h"

#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// A module that uses the host's non-stanza parts: stream features, elements, its own table and
// option, and per-session data.
class Probe final : public Module
{
public:
    struct Counter
    {
        int elements = 0;
        static inline int alive = 0;
        Counter() { ++alive; }
        ~Counter() { --alive; }
    };
    SessionData<Counter> counter;
    QString migrateError;
    bool migrated = false;
    QString greeting;

    void load(ModuleHost &host) override
    {
        greeting = host.option(u"probe_greeting"_s, u"hello"_s);
        host.addStreamFeature(ModuleHost::Stage::AfterAuth, [](Session *, XmlElement &features) {
            features.appendChild(XmlElement(u"sm"_s, u"urn:test:sm"_s));
        });
        host.addStreamFeature(ModuleHost::Stage::AfterAuth, [](Session *, XmlElement &features) {
            features.appendChild(XmlElement(u"first"_s, u"urn:test:first"_s));
        }, 10);
        host.handleElement(u"urn:test:sm"_s, [this](Stream &stream, const XmlElement &element) {
            if (element.name() != u"r")
                return false;
            ++counter.get(stream.session()).elements;
            return true;
        });
        migrated = host.migrate(u"probe"_s,
                                {u"CREATE TABLE probe_items (id INTEGER PRIMARY KEY, text TEXT)"_s,
                                 u"ALTER TABLE probe_items ADD COLUMN stamp TEXT"_s},
                                &migrateError);
    }
};
} // namespace

class TestModuleHost : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void streamFeaturesElementsDataOptionsAndTables()
    {
        TempDatabase db;
        QVERIFY2(db.isOpen(), qPrintable(db.error()));
        ServerConfig config;
        config.moduleOptions.insert(u"probe_greeting"_s, u"hi"_s);
        SessionManager sessions;
        StanzaRouter router(&sessions, u"localhost"_s);
        ModuleHost host(&router, &sessions, &config, db.database(), {});
        auto *probe = static_cast<Probe *>(&host.load(std::make_unique<Probe>()));
        QVERIFY2(probe->migrated, qPrintable(probe->migrateError));
        QCOMPARE(probe->greeting, u"hi"_s);
        QSqlQuery q(db.database()->connection());
        QVERIFY(q.exec(u"INSERT INTO probe_items (text, stamp) VALUES ('x', 'y')"_s));
        // Migrating again runs nothing twice.
        QString error;
        QVERIFY2(host.migrate(u"probe"_s, {u"CREATE TABLE probe_items (id INTEGER PRIMARY KEY, text TEXT)"_s,
                                           u"ALTER TABLE probe_items ADD COLUMN stamp TEXT"_s}, &error),
                 qPrintable(error));
        // A newer schema than the module knows is refused.
        QVERIFY(!host.migrate(u"probe"_s, {u"SELECT 1"_s}, &error));

        TestSessions make(sessions);
        Session *s = make.bound(u"alice"_s, u"a"_s);
        XmlElement features(u"stream:features"_s);
        host.collectStreamFeatures(ModuleHost::Stage::AfterAuth, s, features);
        const QList<XmlElement> children = features.childElements();
        QCOMPARE(children.size(), 2);
        QCOMPARE(children.at(0).name(), u"first"_s);   // priority 10 first
        XmlElement before(u"stream:features"_s);
        host.collectStreamFeatures(ModuleHost::Stage::BeforeAuth, s, before);
        QVERIFY(before.childElements().isEmpty());

        FakeStream stream(s);
        QVERIFY(host.dispatchElement(stream, XmlElement(u"r"_s, u"urn:test:sm"_s)));
        QVERIFY(!host.dispatchElement(stream, XmlElement(u"x"_s, u"urn:test:sm"_s)));
        QVERIFY(!host.dispatchElement(stream, XmlElement(u"r"_s, u"urn:test:other"_s)));
        QCOMPARE(probe->counter.find(s)->elements, 1);
        QCOMPARE(Probe::Counter::alive, 1);
        sessions.destroySession(s);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QCOMPARE(Probe::Counter::alive, 0);   // the data died with the session
    }

    void declaredOptionsAreTypeChecked()
    {
        const ModuleOption count{u"probe_count"_s, ModuleOption::Type::Integer, 1, 10};
        QString value;
        QVERIFY(count.check(u" 7 "_s, &value).isEmpty());
        QCOMPARE(value, u"7"_s);
        QVERIFY(!count.check(u"11"_s, &value).isEmpty());
        QVERIFY(!count.check(u"seven"_s, &value).isEmpty());
        const ModuleOption flag{u"probe_flag"_s, ModuleOption::Type::Boolean};
        QVERIFY(flag.check(u"Yes"_s, &value).isEmpty());
        QCOMPARE(value, u"true"_s);
        QVERIFY(!flag.check(u"maybe"_s, &value).isEmpty());

        ServerConfig config;
        config.moduleOptions.insert(u"probe_count"_s, u"7"_s);
        config.moduleOptions.insert(u"probe_flag"_s, u"true"_s);
        SessionManager sessions;
        StanzaRouter router(&sessions, u"localhost"_s);
        ModuleHost host(&router, &sessions, &config, nullptr, {});
        QCOMPARE(host.optionInt(u"probe_count"_s, 3), 7);
        QCOMPARE(host.optionInt(u"probe_missing"_s, 3), 3);
        QCOMPARE(host.optionBool(u"probe_flag"_s, false), true);
    }

    void sessionHooksRunByPriority()
    {
        SessionManager sessions;
        QStringList order;
        sessions.hook(SessionManager::Event::Bound, [&](Session *) { order << u"low"_s; }, -1);
        sessions.hook(SessionManager::Event::Bound, [&](Session *) { order << u"high"_s; }, 1);
        sessions.hook(SessionManager::Event::Opened, [&](Session *) { order << u"opened"_s; });
        sessions.hook(SessionManager::Event::Authenticated, [&](Session *) { order << u"auth"_s; });
        sessions.hook(SessionManager::Event::Closed, [&](Session *) { order << u"closed"_s; });
        TestSessions make(sessions);
        Session *s = make.bound(u"alice"_s, u"a"_s);
        sessions.destroySession(s);
        QCOMPARE(order, (QStringList{u"opened"_s, u"auth"_s, u"high"_s, u"low"_s, u"closed"_s}));
    }
};

QTEST_GUILESS_MAIN(TestModuleHost)
#include "tst_modulehost.moc"
