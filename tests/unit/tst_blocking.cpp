#include "StandardModulesTest.h"
#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "modules/BlockingModule.h"
#include "modules/StandardModules.h"
#include "session/SessionManager.h"
#include "stanza/Jid.h"
#include "TempDatabase.h"
#include "TestSessions.h"

#include <QSqlQuery>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString StanzasNs = u"urn:ietf:params:xml:ns:xmpp-stanzas"_s;
const QString BlockingNs = u"urn:xmpp:blocking"_s;
const QString ErrorsNs = u"urn:xmpp:blocking:errors"_s;
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;

bool isError(const XmlElement &stanza, const QString &condition)
{
    return stanza.attribute(u"type"_s) == u"error"
           && stanza.firstChildElement(u"error"_s).hasChildElement(condition, StanzasNs);
}

bool isBlockedError(const XmlElement &stanza)
{
    const XmlElement error = stanza.firstChildElement(u"error"_s);
    return isError(stanza, u"not-acceptable"_s) && error.hasChildElement(u"blocked"_s, ErrorsNs)
           && error.attribute(u"type"_s) == u"cancel";
}

QStringList itemsOf(const XmlElement &element)
{
    QStringList jids;
    for (const XmlElement &child : element.childElements()) {
        if (child.name() == u"item" && child.xmlns() == BlockingNs)
            jids.append(child.attribute(u"jid"_s));
    }
    return jids;
}
} // namespace

// XEP-0191 through the real router, host and standard modules, with the recording sink in place
// of the sockets: commands, pushes, JID matching, both directions of routing, the delivery
// filter, and the table surviving a restart.
class TestBlocking : public StandardModulesTest
{
    Q_OBJECT

private:


    void befriend(Session *a, Session *b)
    {
        const QString aJid = a->bareJid().toString();
        const QString bJid = b->bareJid().toString();
        inject(a, u"<presence type='subscribe' to='%1'/>"_s.arg(bJid));
        inject(b, u"<presence type='subscribed' to='%1'/>"_s.arg(aJid));
        inject(b, u"<presence type='subscribe' to='%1'/>"_s.arg(aJid));
        inject(a, u"<presence type='subscribed' to='%1'/>"_s.arg(bJid));
        m_sink->clear();
    }

    // Every stanza written to the session and not taken yet, taken.
    QList<XmlElement> drain(Session *s)
    {
        QList<XmlElement> all;
        for (XmlElement e = expect(s); !e.isNull(); e = expect(s))
            all.append(e);
        return all;
    }
    static QList<XmlElement> from(const QList<XmlElement> &stanzas, const QString &jid)
    {
        QList<XmlElement> result;
        for (const XmlElement &s : stanzas) {
            if (s.attribute(u"from"_s) == jid)
                result.append(s);
        }
        return result;
    }

    QStringList blocklist(Session *s)
    {
        inject(s, u"<iq type='get' id='bl'><blocklist xmlns='urn:xmpp:blocking'/></iq>"_s);
        XmlElement result = expect(s);
        while (result.attribute(u"type"_s) == u"set")   // pushes of earlier commands
            result = expect(s);
        if (result.attribute(u"type"_s) != u"result" || result.attribute(u"id"_s) != u"bl")
            return {u"<unexpected %1>"_s.arg(result.toString())};
        return itemsOf(result.firstChildElement(u"blocklist"_s, BlockingNs));
    }
    // A block or unblock command; the iq result's type ("result" or "error").
    QString command(Session *s, const QString &name, const QStringList &jids, XmlElement *reply = nullptr)
    {
        QString items;
        for (const QString &jid : jids)
            items += u"<item jid='%1'/>"_s.arg(jid);
        inject(s, u"<iq type='set' id='cmd'><%1 xmlns='urn:xmpp:blocking'>%2</%1></iq>"_s.arg(name, items));
        XmlElement answer = expect(s);
        while (answer.attribute(u"type"_s) == u"set")   // pushes of earlier commands
            answer = expect(s);
        if (reply)
            *reply = answer;
        return answer.attribute(u"id"_s) == u"cmd" ? answer.attribute(u"type"_s) : u"<none>"_s;
    }
    QStringList storedRows(const QString &user)
    {
        QSqlQuery q(m_db->database()->connection());
        q.prepare(u"SELECT jid FROM blocklist_items WHERE username = ? ORDER BY jid"_s);
        q.addBindValue(user);
        QStringList rows;
        if (q.exec()) {
            while (q.next())
                rows.append(q.value(0).toString());
        }
        return rows;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s, u"carol"_s}), qPrintable(m_db->error()));
        startServer();
    }

    void cleanup()
    {
        stopServer();
        m_db.reset();
    }

    void discoAdvertisesTheFeatureOnTheServer()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        inject(alice, u"<iq type='get' id='d' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"_s);
        const XmlElement query = expect(alice).firstChildElement(u"query"_s, InfoNs);
        QStringList vars;
        for (const XmlElement &f : query.childElements())
            vars.append(f.attribute(u"var"_s));
        QVERIFY2(vars.contains(BlockingNs), qPrintable(vars.join(u' ')));
    }

    void getBlockUnblockAndUnblockAll()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QCOMPARE(blocklist(alice), QStringList());   // §3.2: an empty <blocklist/>

        // Several items at once, prepared as JIDs (case, duplicates).
        QCOMPARE(command(alice, u"block"_s, {u"Bob@LocalHost"_s, u"spam.example"_s, u"bob@localhost"_s}), u"result"_s);
        QCOMPARE(blocklist(alice), (QStringList{u"bob@localhost"_s, u"spam.example"_s}));
        QCOMPARE(storedRows(u"alice"_s), (QStringList{u"bob@localhost"_s, u"spam.example"_s}));
        // Blocking again changes nothing.
        QCOMPARE(command(alice, u"block"_s, {u"bob@localhost"_s, u"carol@localhost/x"_s}), u"result"_s);
        QCOMPARE(storedRows(u"alice"_s), (QStringList{u"bob@localhost"_s, u"carol@localhost/x"_s, u"spam.example"_s}));

        // §3.4: those items; one not on the list is no error.
        QCOMPARE(command(alice, u"unblock"_s, {u"BOB@localhost"_s, u"nobody@localhost"_s}), u"result"_s);
        QCOMPARE(blocklist(alice), (QStringList{u"carol@localhost/x"_s, u"spam.example"_s}));
        QCOMPARE(storedRows(u"alice"_s), (QStringList{u"carol@localhost/x"_s, u"spam.example"_s}));

        // Another user's list is another list.
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        QCOMPARE(command(bob, u"block"_s, {u"carol@localhost"_s}), u"result"_s);
        QCOMPARE(blocklist(bob), QStringList{u"carol@localhost"_s});

        // §3.5: an empty <unblock/> empties the list.
        QCOMPARE(command(alice, u"unblock"_s, {}), u"result"_s);
        QCOMPARE(blocklist(alice), QStringList());
        QCOMPARE(storedRows(u"alice"_s), QStringList());
        QCOMPARE(storedRows(u"bob"_s), QStringList{u"carol@localhost"_s});
    }

    void badCommandsChangeNothing()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QCOMPARE(command(alice, u"block"_s, {u"carol@localhost"_s}), u"result"_s);
        XmlElement reply;
        // §3.3: a block without an item.
        QCOMPARE(command(alice, u"block"_s, {}, &reply), u"error"_s);
        QVERIFY(isError(reply, u"bad-request"_s));
        // One malformed JID spoils the whole command.
        QCOMPARE(command(alice, u"block"_s, {u"bob@localhost"_s, u"a@b@c/"_s}, &reply), u"error"_s);
        QVERIFY(isError(reply, u"jid-malformed"_s));
        QCOMPARE(command(alice, u"unblock"_s, {u"carol@localhost"_s, u"@localhost"_s}, &reply), u"error"_s);
        QVERIFY(isError(reply, u"jid-malformed"_s));
        inject(alice, u"<iq type='set' id='cmd'><block xmlns='urn:xmpp:blocking'><item/></block></iq>"_s);
        QVERIFY(isError(expect(alice), u"bad-request"_s));
        QCOMPARE(storedRows(u"alice"_s), QStringList{u"carol@localhost"_s});
        QCOMPARE(blocklist(alice), QStringList{u"carol@localhost"_s});
        // Someone else's block list is not reachable: a get to bob's JID is not this protocol.
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(bob, u"<iq type='get' id='x' to='alice@localhost'><blocklist xmlns='urn:xmpp:blocking'/></iq>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
    }

    void pushesGoToResourcesThatAskedForTheList()
    {
        Session *a1 = m_make->bound(u"alice"_s, u"one"_s);
        Session *a2 = m_make->bound(u"alice"_s, u"two"_s);
        Session *a3 = m_make->bound(u"alice"_s, u"three"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        QCOMPARE(blocklist(a1), QStringList());
        QCOMPARE(blocklist(a3), QStringList());
        blocklist(bob);
        // a2 asked for the roster only: interested in the roster, not in the block list.
        inject(a2, u"<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq>"_s);
        QCOMPARE(expect(a2).attribute(u"type"_s), u"result"_s);
        QVERIFY(a2->isInterested());

        QCOMPARE(command(a1, u"block"_s, {u"Carol@localhost"_s}), u"result"_s);
        for (Session *s : {a1, a3}) {
            const XmlElement push = expect(s);
            QCOMPARE(push.name(), u"iq"_s);
            QCOMPARE(push.attribute(u"type"_s), u"set"_s);
            QCOMPARE(push.attribute(u"to"_s), s->fullJid().toString());
            QVERIFY(!push.attribute(u"id"_s).isEmpty());
            QVERIFY(!push.hasAttribute(u"from"_s));
            QCOMPARE(itemsOf(push.firstChildElement(u"block"_s, BlockingNs)), QStringList{u"carol@localhost"_s});
        }
        QCOMPARE(m_sink->pending(a2), 0);
        QCOMPARE(m_sink->pending(bob), 0);   // another user's resources hear nothing

        // Unblock-all is pushed as an empty <unblock/>, from a resource that never asked itself.
        inject(a2, u"<iq type='set' id='u'><unblock xmlns='urn:xmpp:blocking'/></iq>"_s);
        QCOMPARE(expect(a2).attribute(u"type"_s), u"result"_s);
        QCOMPARE(m_sink->pending(a2), 0);
        for (Session *s : {a1, a3}) {
            const XmlElement push = expect(s);
            const XmlElement unblock = push.firstChildElement(u"unblock"_s, BlockingNs);
            QVERIFY(!unblock.isNull());
            QVERIFY(unblock.childElements().isEmpty());
        }
        // Distinct ids per push.
        QCOMPARE(command(a1, u"block"_s, {u"x@localhost"_s}), u"result"_s);
        const QString id1 = expect(a1).attribute(u"id"_s);
        const QString id3 = expect(a3).attribute(u"id"_s);
        QVERIFY(id1 != id3);
    }

    void matchingRules_data()
    {
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("jid");
        QTest::addColumn<bool>("blocked");
        // §6 1: a full JID: only that resource.
        QTest::newRow("full/same") << u"bob@example.org/phone"_s << u"bob@example.org/phone"_s << true;
        QTest::newRow("full/other resource") << u"bob@example.org/phone"_s << u"bob@example.org/desk"_s << false;
        QTest::newRow("full/bare") << u"bob@example.org/phone"_s << u"bob@example.org"_s << false;
        // §6 2: a bare JID: every resource, and itself.
        QTest::newRow("bare/full") << u"bob@example.org"_s << u"bob@example.org/desk"_s << true;
        QTest::newRow("bare/bare") << u"bob@example.org"_s << u"bob@example.org"_s << true;
        QTest::newRow("bare/other user") << u"bob@example.org"_s << u"bobby@example.org"_s << false;
        QTest::newRow("bare/other domain") << u"bob@example.org"_s << u"bob@example.net"_s << false;
        QTest::newRow("bare/domain") << u"bob@example.org"_s << u"example.org"_s << false;
        // §6 3: domain/resource: only that JID.
        QTest::newRow("domain-res/same") << u"example.org/bot"_s << u"example.org/bot"_s << true;
        QTest::newRow("domain-res/user") << u"example.org/bot"_s << u"bob@example.org/bot"_s << false;
        QTest::newRow("domain-res/domain") << u"example.org/bot"_s << u"example.org"_s << false;
        // §6 4: a domain: itself and everything at it; not a subdomain (v1.3).
        QTest::newRow("domain/itself") << u"example.org"_s << u"example.org"_s << true;
        QTest::newRow("domain/bare") << u"example.org"_s << u"bob@example.org"_s << true;
        QTest::newRow("domain/full") << u"example.org"_s << u"bob@example.org/desk"_s << true;
        QTest::newRow("domain/domain-res") << u"example.org"_s << u"example.org/bot"_s << true;
        QTest::newRow("domain/subdomain") << u"example.org"_s << u"chat.example.org"_s << false;
        QTest::newRow("domain/suffix") << u"example.org"_s << u"bob@notexample.org"_s << false;
        // Resources may hold '@' and '/': the split is at the first '/'.
        QTest::newRow("resource with @") << u"bob@example.org"_s << u"bob@example.org/a@b/c"_s << true;
        QTest::newRow("domain, resource with @") << u"x@example.org"_s << u"example.org/x@example.org"_s << false;
    }

    void matchingRules()
    {
        QFETCH(QString, item);
        QFETCH(QString, jid);
        QFETCH(bool, blocked);
        const QSet<QString> items{Jid::parse(item).toString(), u"unrelated@elsewhere.example"_s};
        QCOMPARE(BlockingModule::matches(items, QStringView(jid)), blocked);
        QCOMPARE(BlockingModule::matches(items, Jid::parse(jid)), blocked);
        QVERIFY(!BlockingModule::matches(QSet<QString>(), QStringView(jid)));
    }

    void matchingThroughTheRouter_data()
    {
        QTest::addColumn<QString>("item");
        QTest::addColumn<QString>("to");
        QTest::addColumn<bool>("blocked");
        QTest::newRow("full/same") << u"bob@localhost/phone"_s << u"bob@localhost/phone"_s << true;
        QTest::newRow("full/other resource") << u"bob@localhost/phone"_s << u"bob@localhost/desk"_s << false;
        QTest::newRow("full/bare") << u"bob@localhost/phone"_s << u"bob@localhost"_s << false;
        QTest::newRow("bare/full") << u"bob@localhost"_s << u"bob@localhost/desk"_s << true;
        QTest::newRow("bare/bare") << u"bob@localhost"_s << u"bob@localhost"_s << true;
        QTest::newRow("bare/other user") << u"bob@localhost"_s << u"carol@localhost"_s << false;
        QTest::newRow("domain-res/same") << u"localhost/bot"_s << u"localhost/bot"_s << true;
        QTest::newRow("domain-res/user") << u"localhost/bot"_s << u"bob@localhost/bot"_s << false;
        QTest::newRow("domain/user") << u"localhost"_s << u"bob@localhost"_s << true;
        QTest::newRow("domain/full") << u"localhost"_s << u"carol@localhost/x"_s << true;
        QTest::newRow("domain/domain-res") << u"localhost"_s << u"localhost/x"_s << true;
    }

    void matchingThroughTheRouter()
    {
        QFETCH(QString, item);
        QFETCH(QString, to);
        QFETCH(bool, blocked);
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QCOMPARE(command(alice, u"block"_s, {item}), u"result"_s);
        inject(alice, u"<message to='%1' type='chat' id='m'><body>hi</body></message>"_s.arg(to));
        const XmlElement reply = expect(alice);
        QCOMPARE(isBlockedError(reply), blocked);
        if (blocked)
            QCOMPARE(reply.attribute(u"from"_s), to);
    }

    void outboundStanzasGetTheBlockedError()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        QCOMPARE(command(alice, u"block"_s, {u"bob@localhost"_s}), u"result"_s);

        inject(alice, u"<message to='bob@localhost' type='chat' id='m1'><body>psst</body></message>"_s);
        const XmlElement error = expect(alice);
        QVERIFY2(isBlockedError(error), qPrintable(error.toString()));
        QCOMPARE(error.attribute(u"id"_s), u"m1"_s);
        QCOMPARE(error.attribute(u"from"_s), u"bob@localhost"_s);
        QCOMPARE(error.attribute(u"to"_s), u"alice@localhost/a"_s);
        QCOMPARE(error.childText(u"body"_s), u"psst"_s);
        inject(alice, u"<iq to='bob@localhost/b' type='get' id='q1'><ping xmlns='urn:xmpp:ping'/></iq>"_s);
        QVERIFY(isBlockedError(expect(alice)));
        inject(alice, u"<presence to='bob@localhost'/>"_s);   // directed presence
        QVERIFY(isBlockedError(expect(alice)));
        inject(alice, u"<presence to='bob@localhost' type='subscribe'/>"_s);
        QVERIFY(isBlockedError(expect(alice)));
        // An iq result or an error is dropped without an answer.
        inject(alice, u"<iq to='bob@localhost/b' type='result' id='q2'/>"_s);
        inject(alice, u"<message to='bob@localhost/b' type='error' id='m2'><error type='cancel'>"
                      "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"_s);
        QCOMPARE(m_sink->pending(alice), 0);
        QCOMPARE(m_sink->pending(bob), 0);
        // The server and the user's own account stay reachable.
        inject(alice, u"<iq to='localhost' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>"_s);
        QCOMPARE(expect(alice).attribute(u"type"_s), u"result"_s);
    }

    void inboundStanzasAreRefusedOrDropped()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(alice, u"<presence/>"_s);
        m_sink->clear();
        QCOMPARE(command(alice, u"block"_s, {u"bob@localhost"_s}), u"result"_s);

        // §3.3: message and iq get/set: service-unavailable, as if alice were not there.
        inject(bob, u"<message to='alice@localhost' type='chat' id='m1'><body>hello?</body></message>"_s);
        XmlElement error = expect(bob);
        QVERIFY2(isError(error, u"service-unavailable"_s), qPrintable(error.toString()));
        QVERIFY(!error.firstChildElement(u"error"_s).hasChildElement(u"blocked"_s, ErrorsNs));
        QCOMPARE(error.attribute(u"from"_s), u"alice@localhost"_s);
        inject(bob, u"<message to='alice@localhost/a' type='headline' id='m2'><body>news</body></message>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
        // The payload handlers run before iq/<target>: a disco of alice's account is refused too.
        inject(bob, u"<iq to='alice@localhost' type='get' id='d'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
        inject(bob, u"<iq to='alice@localhost/a' type='set' id='s'><query xmlns='urn:example'/></iq>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
        // Presence of any kind and iq result/error: silence.
        inject(bob, u"<presence to='alice@localhost' type='subscribe'/>"_s);
        inject(bob, u"<presence to='alice@localhost' type='probe'/>"_s);
        inject(bob, u"<presence to='alice@localhost/a'/>"_s);
        inject(bob, u"<iq to='alice@localhost/a' type='result' id='r'/>"_s);
        QCOMPARE(m_sink->pending(bob), 0);
        QCOMPARE(m_sink->pending(alice), 0);
        // The subscription request never reached alice's roster.
        QVERIFY(alice->roster() == nullptr || !alice->roster()->items.contains(Jid::parse(u"bob@localhost")));

        // Carol is not blocked.
        Session *carol = m_make->bound(u"carol"_s, u"c"_s);
        inject(carol, u"<message to='alice@localhost/a' type='chat'><body>hi</body></message>"_s);
        QCOMPARE(expect(alice).childText(u"body"_s), u"hi"_s);
    }

    void messagesFromABlockedJidAreNotStoredOffline()
    {
        Session *a = m_make->bound(u"alice"_s, u"a"_s);
        QCOMPARE(command(a, u"block"_s, {u"bob@localhost"_s}), u"result"_s);
        m_sessions->destroySession(a);
        QCOMPARE(m_sink->written().size(), 0);
        // The list of a user with no resource is still consulted (kept after the last one went).
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(bob, u"<message to='alice@localhost' type='chat'><body>while away</body></message>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
        Session *carol = m_make->bound(u"carol"_s, u"c"_s);
        inject(carol, u"<message to='alice@localhost' type='chat'><body>stored</body></message>"_s);
        QCOMPARE(m_sink->pending(carol), 0);
        QSqlQuery q(m_db->database()->connection());
        QVERIFY(q.exec(u"SELECT count(*) FROM offline_messages WHERE username = 'alice'"_s) && q.next());
        QCOMPARE(q.value(0).toInt(), 1);

        Session *alice = m_make->bound(u"alice"_s, u"again"_s);
        inject(alice, u"<presence/>"_s);
        QStringList bodies;
        for (const XmlElement &s : drain(alice)) {
            if (s.name() == u"message")
                bodies.append(s.childText(u"body"_s));
        }
        QCOMPARE(bodies, QStringList{u"stored"_s});
    }

    void presenceStopsBothWaysAndResumesOnUnblock()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        befriend(alice, bob);
        inject(alice, u"<presence><status>alice here</status></presence>"_s);
        inject(bob, u"<presence><status>bob here</status></presence>"_s);
        m_sink->clear();

        // §3.3: bob could see alice, so he gets her unavailable presence.
        QCOMPARE(command(alice, u"block"_s, {u"bob@localhost"_s}), u"result"_s);
        const XmlElement gone = expect(bob);
        QCOMPARE(gone.name(), u"presence"_s);
        QCOMPARE(gone.attribute(u"type"_s), u"unavailable"_s);
        QCOMPARE(gone.attribute(u"from"_s), u"alice@localhost/a"_s);
        QCOMPARE(m_sink->pending(bob), 0);

        // Broadcasts in both directions stop (the server writes them: the delivery filter).
        inject(alice, u"<presence><show>away</show></presence>"_s);
        inject(bob, u"<presence><show>dnd</show></presence>"_s);
        QVERIFY(from(drain(alice), u"bob@localhost/b"_s).isEmpty());
        QVERIFY(from(drain(bob), u"alice@localhost/a"_s).isEmpty());
        // Probe answers too: a new resource on either side learns nothing of the other.
        Session *alice2 = m_make->bound(u"alice"_s, u"a2"_s);
        inject(alice2, u"<presence/>"_s);
        Session *bob2 = m_make->bound(u"bob"_s, u"b2"_s);
        inject(bob2, u"<presence/>"_s);
        QVERIFY(from(drain(alice2), u"bob@localhost/b"_s).isEmpty());
        QVERIFY(from(drain(alice), u"bob@localhost/b2"_s).isEmpty());
        const QList<XmlElement> atBob2 = drain(bob2);
        QVERIFY(from(atBob2, u"alice@localhost/a"_s).isEmpty());
        QVERIFY(from(atBob2, u"alice@localhost/a2"_s).isEmpty());
        QVERIFY(from(drain(bob), u"alice@localhost/a2"_s).isEmpty());
        // Alice's own resources still see each other (§5).
        inject(alice2, u"<presence><status>second</status></presence>"_s);
        QCOMPARE(from(drain(alice), u"alice@localhost/a2"_s).size(), 1);
        m_sink->clear();

        // §3.4: unblock: bob's resources get alice's current presence, and alice gets bob's back.
        QCOMPARE(command(alice, u"unblock"_s, {u"bob@localhost"_s}), u"result"_s);
        const QList<XmlElement> atBob = drain(bob);
        const QList<XmlElement> desk = from(atBob, u"alice@localhost/a"_s);
        QCOMPARE(desk.size(), 1);
        QCOMPARE(desk.first().childText(u"show"_s), u"away"_s);
        QCOMPARE(from(atBob, u"alice@localhost/a2"_s).size(), 1);
        QCOMPARE(from(drain(bob2), u"alice@localhost/a"_s).size(), 1);
        const QList<XmlElement> back = from(drain(alice), u"bob@localhost/b"_s);
        QCOMPARE(back.size(), 1);
        QCOMPARE(back.first().childText(u"show"_s), u"dnd"_s);
        QCOMPARE(from(drain(alice2), u"bob@localhost/b2"_s).size(), 1);

        // And the flow goes on.
        inject(bob, u"<presence><show>chat</show></presence>"_s);
        QCOMPARE(from(drain(alice), u"bob@localhost/b"_s).size(), 1);
    }

    void directedPresenceRecipientsAreToldToo()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *carol = m_make->bound(u"carol"_s, u"c"_s);
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(carol, u"<presence/>"_s);
        inject(bob, u"<presence/>"_s);
        inject(alice, u"<presence/>"_s);
        // Carol has no subscription: she sees alice through directed presence only (RFC 6121 §4.6).
        inject(alice, u"<presence to='carol@localhost'><status>for carol</status></presence>"_s);
        inject(alice, u"<presence to='bob@localhost'/>"_s);
        inject(alice, u"<presence to='bob@localhost' type='unavailable'/>"_s);   // bob's ended
        m_sink->clear();
        QCOMPARE(command(alice, u"block"_s, {u"carol@localhost"_s, u"bob@localhost"_s}), u"result"_s);
        const XmlElement gone = expect(carol);
        QCOMPARE(gone.attribute(u"type"_s), u"unavailable"_s);
        QCOMPARE(gone.attribute(u"from"_s), u"alice@localhost/a"_s);
        QCOMPARE(m_sink->pending(bob), 0);
        // Alice's later unavailable does not reach carol (the filter), nor does her return.
        inject(alice, u"<presence type='unavailable'/>"_s);
        inject(alice, u"<presence/>"_s);
        QCOMPARE(m_sink->pending(carol), 0);
        drain(alice);   // her own presence, echoed
        inject(alice, u"<presence to='carol@localhost'/>"_s);
        QVERIFY(isBlockedError(expect(alice)));
        m_sink->clear();
        // The unavailable broadcast ended the directed presence: unblocking sends carol nothing.
        QCOMPARE(command(alice, u"unblock"_s, {}), u"result"_s);
        QCOMPARE(m_sink->pending(carol), 0);
    }

    void blockingOneResourceOnlyHidesThatResource()
    {
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        Session *phone = m_make->bound(u"bob"_s, u"phone"_s);
        Session *desk = m_make->bound(u"bob"_s, u"desk"_s);
        befriend(alice, desk);
        inject(phone, u"<presence/>"_s);
        inject(desk, u"<presence/>"_s);
        inject(alice, u"<presence/>"_s);
        m_sink->clear();
        QCOMPARE(command(alice, u"block"_s, {u"bob@localhost/phone"_s}), u"result"_s);
        QCOMPARE(expect(phone).attribute(u"type"_s), u"unavailable"_s);
        QCOMPARE(m_sink->pending(desk), 0);
        inject(alice, u"<message to='bob@localhost' type='chat'><body>to the bare JID</body></message>"_s);
        // The message goes to bob's resources; the blocked one does not get it.
        QCOMPARE(expect(desk).childText(u"body"_s), u"to the bare JID"_s);
        QCOMPARE(m_sink->pending(phone), 0);
        inject(alice, u"<presence><show>xa</show></presence>"_s);
        QCOMPARE(from(drain(desk), u"alice@localhost/a"_s).size(), 1);
        QVERIFY(from(drain(phone), u"alice@localhost/a"_s).isEmpty());
    }

    void ownResourcesAndTheServerAreNeverBlocked()
    {
        Session *a1 = m_make->bound(u"alice"_s, u"one"_s);
        Session *a2 = m_make->bound(u"alice"_s, u"two"_s);
        QCOMPARE(command(a1, u"block"_s, {u"alice@localhost"_s, u"localhost"_s}), u"result"_s);
        inject(a1, u"<message to='alice@localhost/two' type='chat'><body>me</body></message>"_s);
        QCOMPARE(expect(a2).childText(u"body"_s), u"me"_s);
        inject(a2, u"<iq to='localhost' type='get' id='p'><ping xmlns='urn:xmpp:ping'/></iq>"_s);
        QCOMPARE(expect(a2).attribute(u"type"_s), u"result"_s);
        QCOMPARE(blocklist(a1), (QStringList{u"alice@localhost"_s, u"localhost"_s}));
        // Everyone else at the domain is blocked by the domain item.
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(bob, u"<message to='alice@localhost/one' type='chat'><body>?</body></message>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
        QCOMPARE(m_sink->pending(a1), 0);
    }

    void theListSurvivesARestart()
    {
        {
            Session *alice = m_make->bound(u"alice"_s, u"a"_s);
            QCOMPARE(command(alice, u"block"_s, {u"bob@localhost"_s, u"carol@localhost/x"_s}), u"result"_s);
        }
        stopServer();
        startServer();
        Session *alice = m_make->bound(u"alice"_s, u"a"_s);
        QCOMPARE(blocklist(alice), (QStringList{u"bob@localhost"_s, u"carol@localhost/x"_s}));
        Session *bob = m_make->bound(u"bob"_s, u"b"_s);
        inject(bob, u"<message to='alice@localhost/a' type='chat'><body>?</body></message>"_s);
        QVERIFY(isError(expect(bob), u"service-unavailable"_s));
        QCOMPARE(m_sink->pending(alice), 0);
    }
};

QTEST_GUILESS_MAIN(TestBlocking)
#include "tst_blocking.moc"
