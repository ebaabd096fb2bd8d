#include "modules/MessageRouting.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace MessageRouting;

Q_DECLARE_METATYPE(MessageRouting::Resource)
Q_DECLARE_METATYPE(QList<MessageRouting::Resource>)

namespace {
// "name:priority" is an available resource, "name:-" a connected one without presence.
QList<Resource> resources(std::initializer_list<const char *> specs)
{
    QList<Resource> list;
    for (const char *spec : specs) {
        const QString text = QString::fromUtf8(spec);
        Resource r;
        r.resource = text.section(u':', 0, 0);
        const QString priority = text.section(u':', 1, 1);
        r.available = priority != u"-";
        r.priority = r.available ? priority.toInt() : 0;
        list.append(r);
    }
    return list;
}

QString actionName(Decision::Action action)
{
    switch (action) {
    case Decision::Action::Deliver: return u"deliver"_s;
    case Decision::Action::StoreOffline: return u"offline"_s;
    case Decision::Action::BounceServiceUnavailable: return u"service-unavailable"_s;
    case Decision::Action::Drop: return u"drop"_s;
    }
    return {};
}
} // namespace

// RFC 6121 §8.5, delivery to a local account, two users' worth of resources in mind: the
// function only ever sees the recipient's resources, never anyone else's.
class TestMessageRouting : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void route_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<bool>("exists");
        QTest::addColumn<QString>("to");          // resource, empty for the bare JID
        QTest::addColumn<QList<Resource>>("connected");
        QTest::addColumn<QString>("action");
        QTest::addColumn<QStringList>("recipients");

        const QStringList none;
        // §8.5.2.1.1 highest priority wins, for chat and normal
        QTest::newRow("chat: highest priority") << u"chat"_s << true << QString()
            << resources({"desk:5", "phone:1"}) << u"deliver"_s << QStringList{u"desk"_s};
        QTest::newRow("normal: highest priority") << QString() << true << QString()
            << resources({"phone:1", "desk:5"}) << u"deliver"_s << QStringList{u"desk"_s};
        QTest::newRow("chat: tie goes to all tied") << u"chat"_s << true << QString()
            << resources({"a:3", "b:3", "c:1"}) << u"deliver"_s << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("normal: tie at zero") << u"normal"_s << true << QString()
            << resources({"a:0", "b:0"}) << u"deliver"_s << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("chat: negative priority is skipped") << u"chat"_s << true << QString()
            << resources({"bot:-1", "desk:0"}) << u"deliver"_s << QStringList{u"desk"_s};
        QTest::newRow("chat: negative beats nothing") << u"chat"_s << true << QString()
            << resources({"bot:-5"}) << u"offline"_s << none;
        QTest::newRow("chat: connected but not available") << u"chat"_s << true << QString()
            << resources({"new:-"}) << u"offline"_s << none;
        QTest::newRow("chat: higher priority but unavailable") << u"chat"_s << true << QString()
            << resources({"quiet:-", "desk:0"}) << u"deliver"_s << QStringList{u"desk"_s};
        // §8.5.2.2 no available resource
        QTest::newRow("chat: nobody connected") << u"chat"_s << true << QString()
            << QList<Resource>() << u"offline"_s << none;
        QTest::newRow("normal: nobody connected") << u"normal"_s << true << QString()
            << QList<Resource>() << u"offline"_s << none;
        QTest::newRow("headline: nobody connected") << u"headline"_s << true << QString()
            << QList<Resource>() << u"drop"_s << none;
        QTest::newRow("headline: only negative") << u"headline"_s << true << QString()
            << resources({"bot:-1"}) << u"drop"_s << none;
        QTest::newRow("error: nobody connected") << u"error"_s << true << QString()
            << QList<Resource>() << u"drop"_s << none;
        QTest::newRow("groupchat: nobody connected") << u"groupchat"_s << true << QString()
            << QList<Resource>() << u"service-unavailable"_s << none;
        // headline: every non-negative available resource
        QTest::newRow("headline: all non-negative") << u"headline"_s << true << QString()
            << resources({"a:5", "b:0", "c:-1", "d:-"}) << u"deliver"_s << QStringList{u"a"_s, u"b"_s};
        QTest::newRow("groupchat to bare") << u"groupchat"_s << true << QString()
            << resources({"a:5"}) << u"service-unavailable"_s << none;
        QTest::newRow("error to bare") << u"error"_s << true << QString()
            << resources({"a:5"}) << u"drop"_s << none;
        // §8.5.3.1 full JID of a connected resource: that one, whatever its presence
        QTest::newRow("full: connected") << u"chat"_s << true << u"phone"_s
            << resources({"desk:5", "phone:1"}) << u"deliver"_s << QStringList{u"phone"_s};
        QTest::newRow("full: negative priority") << u"chat"_s << true << u"bot"_s
            << resources({"bot:-10"}) << u"deliver"_s << QStringList{u"bot"_s};
        QTest::newRow("full: not yet available") << u"normal"_s << true << u"new"_s
            << resources({"new:-"}) << u"deliver"_s << QStringList{u"new"_s};
        QTest::newRow("full: error delivered") << u"error"_s << true << u"desk"_s
            << resources({"desk:0"}) << u"deliver"_s << QStringList{u"desk"_s};
        QTest::newRow("full: groupchat delivered") << u"groupchat"_s << true << u"desk"_s
            << resources({"desk:0"}) << u"deliver"_s << QStringList{u"desk"_s};
        // §8.5.3.2.1 full JID not connected: as if to the bare JID
        QTest::newRow("full gone: chat as bare") << u"chat"_s << true << u"gone"_s
            << resources({"desk:2", "phone:7"}) << u"deliver"_s << QStringList{u"phone"_s};
        QTest::newRow("full gone: chat offline") << u"chat"_s << true << u"gone"_s
            << QList<Resource>() << u"offline"_s << none;
        QTest::newRow("full gone: headline as bare") << u"headline"_s << true << u"gone"_s
            << resources({"desk:2", "phone:7"}) << u"deliver"_s << QStringList{u"desk"_s, u"phone"_s};
        QTest::newRow("full gone: groupchat") << u"groupchat"_s << true << u"gone"_s
            << resources({"desk:2"}) << u"service-unavailable"_s << none;
        QTest::newRow("full gone: error") << u"error"_s << true << u"gone"_s
            << resources({"desk:2"}) << u"drop"_s << none;
        // §8.5.1 no such account
        QTest::newRow("unknown account: chat") << u"chat"_s << false << QString()
            << QList<Resource>() << u"service-unavailable"_s << none;
        QTest::newRow("unknown account: full JID") << u"normal"_s << false << u"x"_s
            << QList<Resource>() << u"service-unavailable"_s << none;
        QTest::newRow("unknown account: headline") << u"headline"_s << false << QString()
            << QList<Resource>() << u"service-unavailable"_s << none;
        QTest::newRow("unknown account: error") << u"error"_s << false << QString()
            << QList<Resource>() << u"drop"_s << none;
    }

    void route()
    {
        QFETCH(QString, type);
        QFETCH(bool, exists);
        QFETCH(QString, to);
        QFETCH(QList<Resource>, connected);
        QFETCH(QString, action);
        QFETCH(QStringList, recipients);
        const Decision d = MessageRouting::route(kindOf(type), exists, to, connected);
        QCOMPARE(actionName(d.action), action);
        QCOMPARE(d.recipients, recipients);
    }

    void kinds()
    {
        QCOMPARE(kindOf(QString()), Kind::Normal);
        QCOMPARE(kindOf(u"normal"_s), Kind::Normal);
        QCOMPARE(kindOf(u"bogus"_s), Kind::Normal);
        QCOMPARE(kindOf(u"chat"_s), Kind::Chat);
        QCOMPARE(kindOf(u"headline"_s), Kind::Headline);
        QCOMPARE(kindOf(u"groupchat"_s), Kind::Groupchat);
        QCOMPARE(kindOf(u"error"_s), Kind::Error);
    }
};

QTEST_GUILESS_MAIN(TestMessageRouting)
#include "tst_messagerouting.moc"
