#include "StandardModulesTest.h"
#include "modules/MamModule.h"
#include "storage/ArchiveStore.h"

#include <QTest>

using namespace Qt::StringLiterals;

namespace {
const QString MamNs = u"urn:xmpp:mam:2"_s;
const QString SidNs = u"urn:xmpp:sid:0"_s;
const QString RsmNs = u"http://jabber.org/protocol/rsm"_s;
const QString ForwardNs = u"urn:xmpp:forward:0"_s;
const QString CarbonsNs = u"urn:xmpp:carbons:2"_s;
const QString InfoNs = u"http://jabber.org/protocol/disco#info"_s;

struct Result
{
    QString id;
    XmlElement message;   // the archived message
    QString stamp;
};

struct Answer
{
    XmlElement iq;
    QList<Result> results;
    XmlElement fin() const { return iq.firstChildElement(u"fin"_s, MamNs); }
    XmlElement set() const { return fin().firstChildElement(u"set"_s, RsmNs); }
    bool complete() const { return fin().attribute(u"complete"_s) == u"true"; }
    QStringList bodies() const
    {
        QStringList b;
        for (const Result &r : results)
            b.append(r.message.childText(u"body"_s));
        return b;
    }
    QStringList ids() const
    {
        QStringList b;
        for (const Result &r : results)
            b.append(r.id);
        return b;
    }
};

QString stanzaIdBy(const XmlElement &message, const QString &by)
{
    for (const XmlElement &child : message.childElements()) {
        if (child.name() == u"stanza-id" && child.xmlns() == SidNs && child.attribute(u"by"_s) == by)
            return child.attribute(u"id"_s);
    }
    return QString();
}

int stanzaIdCount(const XmlElement &message)
{
    int n = 0;
    for (const XmlElement &child : message.childElements())
        n += child.name() == u"stanza-id" && child.xmlns() == SidNs ? 1 : 0;
    return n;
}
} // namespace

// XEP-0313 and XEP-0359 through the real router and every standard module. alice has laptop and
// phone, bob has home, carol has desk; all available.
class TestMam : public StandardModulesTest
{
    Q_OBJECT

private:
    Session *m_laptop = nullptr;
    Session *m_phone = nullptr;
    Session *m_bob = nullptr;
    Session *m_carol = nullptr;

    XmlElement iq(Session *from, const QString &payload, const QString &type = u"set"_s)
    {
        inject(from, u"<iq type='%1' id='q1'>%2</iq>"_s.arg(type, payload));
        for (XmlElement e = expect(from); !e.isNull(); e = expect(from)) {
            if (e.name() == u"iq")
                return e;
        }
        return XmlElement();
    }
    // A query with form fields and an RSM <set/>; results collected from the messages before the
    // answer.
    Answer query(Session *from, const QList<std::pair<QString, QString>> &fields, const QString &rsm = {},
                 const QString &extra = {})
    {
        QString form;
        if (!fields.isEmpty()) {
            form = u"<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"_s;
            for (const auto &[var, value] : fields)
                form += u"<field var='%1'><value>%2</value></field>"_s.arg(var, value);
            form += u"</x>"_s;
        }
        const QString set = rsm.isNull() ? QString() : u"<set xmlns='http://jabber.org/protocol/rsm'>%1</set>"_s.arg(rsm);
        inject(from, u"<iq type='set' id='mq'><query xmlns='urn:xmpp:mam:2' queryid='f1'>%1%2%3</query></iq>"_s.arg(form, set, extra));
        Answer answer;
        for (XmlElement e = expect(from); !e.isNull(); e = expect(from)) {
            if (e.name() == u"iq") {
                answer.iq = e;
                break;
            }
            const XmlElement result = e.firstChildElement(u"result"_s, MamNs);
            if (result.isNull() || result.attribute(u"queryid"_s) != u"f1")
                continue;
            const XmlElement forwarded = result.firstChildElement(u"forwarded"_s, ForwardNs);
            answer.results.append({result.attribute(u"id"_s), forwarded.firstChildElement(u"message"_s),
                                   forwarded.firstChildElement(u"delay"_s).attribute(u"stamp"_s)});
        }
        return answer;
    }
    void available(Session *s, int priority = 0)
    {
        inject(s, u"<presence><priority>%1</priority></presence>"_s.arg(priority));
    }
    // Sends a chat message; returns what the recipient session got (null if nothing).
    XmlElement chat(Session *from, const QString &to, const QString &body, Session *recipient,
                    const QString &extra = {})
    {
        inject(from, u"<message to='%1' type='chat' id='%2'><body>%2</body>%3</message>"_s.arg(to, body, extra));
        XmlElement got;
        for (XmlElement e = expect(recipient); !e.isNull(); e = expect(recipient)) {
            if (e.name() == u"message" && e.childText(u"body"_s) == body)
                got = e;
        }
        return got;
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s, u"carol"_s}), qPrintable(m_db->error()));
        startServer();
        m_laptop = m_make->bound(u"alice"_s, u"laptop"_s);
        m_phone = m_make->bound(u"alice"_s, u"phone"_s);
        m_bob = m_make->bound(u"bob"_s, u"home"_s);
        m_carol = m_make->bound(u"carol"_s, u"desk"_s);
        QVERIFY(m_laptop && m_phone && m_bob && m_carol);
        available(m_laptop, 1);
        available(m_phone, 0);
        available(m_bob);
        available(m_carol);
        m_sink->clear();
    }

    void cleanup()
    {
        stopServer();
        m_db.reset();
    }

    void discoOnTheAccount()
    {
        inject(m_laptop, u"<iq type='get' id='d' to='alice@localhost'><query xmlns='%1'/></iq>"_s.arg(InfoNs));
        const XmlElement result = expect(m_laptop);
        QStringList features;
        for (const XmlElement &f : result.firstChildElement(u"query"_s, InfoNs).childElements())
            features.append(f.attribute(u"var"_s));
        QVERIFY2(features.contains(MamNs), qPrintable(features.join(u' ')));
        QVERIFY(features.contains(u"urn:xmpp:mam:2#extended"_s));
        QVERIFY(features.contains(SidNs));
    }

    void bothSidesArchivedWithTheLiveIds()
    {
        const XmlElement atAlice = chat(m_bob, u"alice@localhost"_s, u"b1"_s, m_laptop);
        QVERIFY(!atAlice.isNull());
        const QString aliceId = stanzaIdBy(atAlice, u"alice@localhost"_s);
        QVERIFY(!aliceId.isEmpty());
        QCOMPARE(stanzaIdCount(atAlice), 1);   // only the recipient's own id
        const XmlElement atBob = chat(m_laptop, u"bob@localhost"_s, u"a1"_s, m_bob);
        const QString bobId = stanzaIdBy(atBob, u"bob@localhost"_s);
        QVERIFY(!bobId.isEmpty());
        QCOMPARE(stanzaIdCount(atBob), 1);     // alice's archive id is not leaked to bob

        const Answer a = query(m_phone, {});
        QCOMPARE(a.iq.attribute(u"type"_s), u"result"_s);
        QCOMPARE(a.bodies(), (QStringList{u"b1"_s, u"a1"_s}));
        QCOMPARE(a.results.at(0).id, aliceId);
        QCOMPARE(a.results.at(0).message.attribute(u"from"_s), u"bob@localhost/home"_s);
        QCOMPARE(a.results.at(1).message.attribute(u"from"_s), u"alice@localhost/laptop"_s);
        QVERIFY(a.results.at(0).stamp.endsWith(u'Z'));
        QVERIFY(a.complete());
        QCOMPARE(a.set().childText(u"count"_s), u"2"_s);

        const Answer b = query(m_bob, {});
        QCOMPARE(b.bodies(), (QStringList{u"b1"_s, u"a1"_s}));
        QCOMPARE(b.results.at(1).id, bobId);
    }

    void pagingForwardAndBackward()
    {
        for (int i = 0; i < 30; ++i)
            chat(i % 2 ? m_laptop : m_bob, i % 2 ? u"bob@localhost"_s : u"alice@localhost"_s, u"m%1"_s.arg(i),
                 i % 2 ? m_bob : m_laptop);
        QStringList all;
        QString after;
        for (int page = 0; page < 3; ++page) {
            const QString rsm = after.isEmpty() ? u"<max>10</max>"_s : u"<max>10</max><after>%1</after>"_s.arg(after);
            const Answer a = query(m_phone, {}, rsm);
            QCOMPARE(a.results.size(), 10);
            QCOMPARE(a.set().childText(u"count"_s), u"30"_s);
            QCOMPARE(a.set().firstChildElement(u"first"_s).attribute(u"index"_s), QString::number(page * 10));
            QCOMPARE(a.set().childText(u"first"_s), a.results.first().id);
            QCOMPARE(a.set().childText(u"last"_s), a.results.last().id);
            QCOMPARE(a.complete(), page == 2);
            all += a.bodies();
            after = a.results.last().id;
        }
        QStringList expected;
        for (int i = 0; i < 30; ++i)
            expected.append(u"m%1"_s.arg(i));
        QCOMPARE(all, expected);

        // Backwards from the end: the last page first, pages still in archive order.
        const Answer last = query(m_phone, {}, u"<max>10</max><before/>"_s);
        QCOMPARE(last.bodies(), expected.mid(20));
        QVERIFY(!last.complete());
        QCOMPARE(last.set().firstChildElement(u"first"_s).attribute(u"index"_s), u"20"_s);
        const Answer middle = query(m_phone, {}, u"<max>10</max><before>%1</before>"_s.arg(last.results.first().id));
        QCOMPARE(middle.bodies(), expected.mid(10, 10));
        QCOMPARE(middle.set().firstChildElement(u"first"_s).attribute(u"index"_s), u"10"_s);
        const Answer first = query(m_phone, {}, u"<max>10</max><before>%1</before>"_s.arg(middle.results.first().id));
        QCOMPARE(first.bodies(), expected.mid(0, 10));
        QVERIFY(first.complete());

        // #extended flip-page: the same page, newest first.
        const Answer flipped = query(m_phone, {}, u"<max>10</max><before/>"_s, u"<flip-page/>"_s);
        QStringList reversed = expected.mid(20);
        std::reverse(reversed.begin(), reversed.end());
        QCOMPARE(flipped.bodies(), reversed);

        // max 0: only the count (XEP-0059 §2.7).
        const Answer count = query(m_phone, {}, u"<max>0</max>"_s);
        QCOMPARE(count.results.size(), 0);
        QCOMPARE(count.set().childText(u"count"_s), u"30"_s);

        // An unknown id: item-not-found.
        const Answer unknown = query(m_phone, {}, u"<max>10</max><after>nope</after>"_s);
        QCOMPARE(unknown.iq.attribute(u"type"_s), u"error"_s);
        QVERIFY(unknown.iq.firstChildElement(u"error"_s).hasChildElement(u"item-not-found"_s));
    }

    void withAndIdFilters()
    {
        chat(m_bob, u"alice@localhost"_s, u"bob1"_s, m_laptop);
        chat(m_carol, u"alice@localhost"_s, u"carol1"_s, m_laptop);
        chat(m_laptop, u"carol@localhost/desk"_s, u"tocarol"_s, m_carol);
        chat(m_bob, u"alice@localhost"_s, u"bob2"_s, m_laptop);
        chat(m_laptop, u"bob@localhost"_s, u"tobob"_s, m_bob);

        QCOMPARE(query(m_phone, {{u"with"_s, u"bob@localhost"_s}}).bodies(),
                 (QStringList{u"bob1"_s, u"bob2"_s, u"tobob"_s}));
        QCOMPARE(query(m_phone, {{u"with"_s, u"carol@localhost"_s}}).bodies(),
                 (QStringList{u"carol1"_s, u"tocarol"_s}));
        // A full JID matches that resource only.
        QCOMPARE(query(m_phone, {{u"with"_s, u"carol@localhost/desk"_s}}).bodies(),
                 (QStringList{u"carol1"_s, u"tocarol"_s}));
        QCOMPARE(query(m_phone, {{u"with"_s, u"carol@localhost/other"_s}}).bodies(), QStringList());

        const Answer all = query(m_phone, {});
        QCOMPARE(all.results.size(), 5);
        const QString second = all.results.at(1).id;
        const QString fourth = all.results.at(3).id;
        QCOMPARE(query(m_phone, {{u"after-id"_s, second}}).bodies(), (QStringList{u"tocarol"_s, u"bob2"_s, u"tobob"_s}));
        QCOMPARE(query(m_phone, {{u"before-id"_s, fourth}}).bodies(), (QStringList{u"bob1"_s, u"carol1"_s, u"tocarol"_s}));
        QCOMPARE(query(m_phone, {{u"after-id"_s, second}, {u"before-id"_s, fourth}}).bodies(), (QStringList{u"tocarol"_s}));
        QCOMPARE(query(m_phone, {{u"with"_s, u"bob@localhost"_s}, {u"after-id"_s, second}}).bodies(),
                 (QStringList{u"bob2"_s, u"tobob"_s}));
        const Answer unknown = query(m_phone, {{u"before-id"_s, u"nope"_s}});
        QVERIFY(unknown.iq.firstChildElement(u"error"_s).hasChildElement(u"item-not-found"_s));

        // Time: everything is from today; a start in the future finds nothing, one in the past all.
        QCOMPARE(query(m_phone, {{u"start"_s, u"2999-01-01T00:00:00Z"_s}}).results.size(), 0);
        QCOMPARE(query(m_phone, {{u"start"_s, u"2000-01-01T00:00:00.123456+02:00"_s}}).results.size(), 5);
        QCOMPARE(query(m_phone, {{u"end"_s, u"2000-01-01T00:00:00Z"_s}}).results.size(), 0);
    }

    void badQueriesAreRefused()
    {
        for (const auto &fields : QList<QList<std::pair<QString, QString>>>{
                 {{u"start"_s, u"yesterday"_s}},
                 {{u"start"_s, u"2020-01-01T00:00:00"_s}},   // XEP-0082 needs a time zone
                 {{u"with"_s, u"@@"_s}},
                 {{u"colour"_s, u"blue"_s}}}) {
            const Answer a = query(m_phone, fields);
            QCOMPARE(a.iq.attribute(u"type"_s), u"error"_s);
            QVERIFY(a.iq.firstChildElement(u"error"_s).hasChildElement(u"bad-request"_s));
        }
        // The form itself.
        const XmlElement form = iq(m_phone, u"<query xmlns='urn:xmpp:mam:2'/>"_s, u"get"_s);
        QCOMPARE(form.attribute(u"type"_s), u"result"_s);
        QStringList vars;
        for (const XmlElement &f : form.firstChildElement(u"query"_s, MamNs).firstChildElement(u"x"_s).childElements())
            vars.append(f.attribute(u"var"_s));
        QVERIFY(vars.contains(u"with"_s) && vars.contains(u"before-id"_s) && vars.contains(u"after-id"_s));
    }

    void preferences()
    {
        XmlElement prefs = iq(m_laptop, u"<prefs xmlns='urn:xmpp:mam:2'/>"_s, u"get"_s);
        QCOMPARE(prefs.firstChildElement(u"prefs"_s, MamNs).attribute(u"default"_s), u"always"_s);

        prefs = iq(m_laptop, u"<prefs xmlns='urn:xmpp:mam:2' default='never'><always><jid>carol@localhost</jid></always><never/></prefs>"_s);
        QCOMPARE(prefs.attribute(u"type"_s), u"result"_s);
        QCOMPARE(prefs.firstChildElement(u"prefs"_s, MamNs).attribute(u"default"_s), u"never"_s);
        QCOMPARE(prefs.firstChildElement(u"prefs"_s, MamNs).firstChildElement(u"always"_s).childText(u"jid"_s),
                 u"carol@localhost"_s);

        // never: no row, and so no stanza-id on the live message.
        const XmlElement live = chat(m_bob, u"alice@localhost"_s, u"unarchived"_s, m_laptop);
        QVERIFY(!live.isNull());
        QCOMPARE(stanzaIdCount(live), 0);
        chat(m_laptop, u"bob@localhost"_s, u"alsonot"_s, m_bob);
        chat(m_carol, u"alice@localhost"_s, u"always"_s, m_laptop);
        QCOMPARE(query(m_phone, {}).bodies(), QStringList{u"always"_s});
        // bob archives his side as before.
        QCOMPARE(query(m_bob, {}).bodies(), (QStringList{u"unarchived"_s, u"alsonot"_s}));

        // roster: only contacts in the roster.
        iq(m_laptop, u"<query xmlns='jabber:iq:roster'><item jid='bob@localhost'/></query>"_s);
        m_sink->clear();
        iq(m_laptop, u"<prefs xmlns='urn:xmpp:mam:2' default='roster'/>"_s);
        chat(m_bob, u"alice@localhost"_s, u"rosterbob"_s, m_laptop);
        chat(m_carol, u"alice@localhost"_s, u"rostercarol"_s, m_laptop);
        QCOMPARE(query(m_phone, {}).bodies(), (QStringList{u"always"_s, u"rosterbob"_s}));

        // never wins over the default for a listed JID; bad values are refused.
        iq(m_laptop, u"<prefs xmlns='urn:xmpp:mam:2' default='always'><never><jid>bob@localhost</jid></never></prefs>"_s);
        chat(m_bob, u"alice@localhost"_s, u"neverbob"_s, m_laptop);
        QCOMPARE(query(m_phone, {}).results.size(), 2);
        const XmlElement bad = iq(m_laptop, u"<prefs xmlns='urn:xmpp:mam:2' default='sometimes'/>"_s);
        QCOMPARE(bad.attribute(u"type"_s), u"error"_s);
    }

    void forgedStanzaIdsAreRemoved()
    {
        const XmlElement got = chat(m_bob, u"alice@localhost"_s, u"forged"_s, m_laptop,
                                    u"<stanza-id xmlns='urn:xmpp:sid:0' by='alice@localhost' id='fake'/>"
                                    "<stanza-id xmlns='urn:xmpp:sid:0' by='elsewhere.example' id='theirs'/>"_s);
        QCOMPARE(stanzaIdCount(got), 2);   // ours, and the foreign one (not ours to judge)
        QVERIFY(stanzaIdBy(got, u"alice@localhost"_s) != u"fake"_s);
        QCOMPARE(stanzaIdBy(got, u"elsewhere.example"_s), u"theirs"_s);
        const Answer a = query(m_phone, {});
        QCOMPARE(a.results.size(), 1);
        QCOMPARE(a.results.first().id, stanzaIdBy(got, u"alice@localhost"_s));
    }

    void offlineRecipientArchivedAndStoredWithTheSameId()
    {
        m_sessions->destroySession(m_laptop);
        m_sessions->destroySession(m_phone);
        m_sink->clear();
        inject(m_bob, u"<message to='alice@localhost' type='chat'><body>while away</body></message>"_s);
        QCOMPARE(m_sink->written().size(), 0);   // stored, no error
        Session *back = m_make->bound(u"alice"_s, u"back"_s);
        available(back);
        XmlElement stored;
        for (XmlElement e = expect(back); !e.isNull(); e = expect(back)) {
            if (e.childText(u"body"_s) == u"while away")
                stored = e;
        }
        QVERIFY(!stored.isNull());
        const QString id = stanzaIdBy(stored, u"alice@localhost"_s);
        QVERIFY(!id.isEmpty());
        const Answer a = query(back, {});
        QCOMPARE(a.results.size(), 1);
        QCOMPARE(a.results.first().id, id);
    }

    void carbonsAreNotArchivedTwiceAndSentCopiesCarryTheId()
    {
        for (Session *s : {m_laptop, m_phone})
            QCOMPARE(iq(s, u"<enable xmlns='urn:xmpp:carbons:2'/>"_s).attribute(u"type"_s), u"result"_s);
        m_sink->clear();
        inject(m_laptop, u"<message to='bob@localhost' type='chat' id='c1'><body>carbon</body></message>"_s);
        const XmlElement copy = expect(m_phone);
        const XmlElement inner = copy.firstChildElement(u"sent"_s, CarbonsNs)
                                     .firstChildElement(u"forwarded"_s, ForwardNs)
                                     .firstChildElement(u"message"_s);
        QCOMPARE(inner.childText(u"body"_s), u"carbon"_s);
        const QString sentId = stanzaIdBy(inner, u"alice@localhost"_s);
        QVERIFY(!sentId.isEmpty());
        // To a bare JID reaching only the laptop: the phone gets a received carbon.
        inject(m_bob, u"<message to='alice@localhost/laptop' type='chat' id='c2'><body>back</body></message>"_s);
        const XmlElement direct = expect(m_laptop);
        const XmlElement received = expect(m_phone).firstChildElement(u"received"_s, CarbonsNs)
                                        .firstChildElement(u"forwarded"_s, ForwardNs)
                                        .firstChildElement(u"message"_s);
        QCOMPARE(stanzaIdBy(received, u"alice@localhost"_s), stanzaIdBy(direct, u"alice@localhost"_s));

        const Answer a = query(m_phone, {});
        QCOMPARE(a.bodies(), (QStringList{u"carbon"_s, u"back"_s}));   // once each
        QCOMPARE(a.results.first().id, sentId);
    }

    void notArchived()
    {
        // No body, groupchat, headline, a hint, and a message to a nonexistent account.
        inject(m_bob, u"<message to='alice@localhost' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>"_s);
        inject(m_bob, u"<message to='alice@localhost/laptop' type='groupchat'><body>g</body></message>"_s);
        inject(m_bob, u"<message to='alice@localhost' type='headline'><body>h</body></message>"_s);
        inject(m_bob, u"<message to='alice@localhost' type='chat'><body>n</body><no-store xmlns='urn:xmpp:hints'/></message>"_s);
        inject(m_laptop, u"<message to='nobody@localhost' type='chat'><body>x</body></message>"_s);
        m_sink->clear();
        QCOMPARE(query(m_phone, {}).results.size(), 0);
        QCOMPARE(query(m_bob, {}).results.size(), 0);
    }

    void roomArchiveQuery()
    {
        // What the group chat module does with a room's archive: archive what the room sends,
        // answer a query sent to the room JID (results from the room, every stanza through the
        // router to the requester), and remove the archive with the room.
        auto *mam = m_host->find<MamModule>();
        QVERIFY(mam && mam->isReady());
        const Jid room = Jid::parse(u"lobby@rooms.localhost"_s);
        QStringList ids;
        for (int i = 0; i < 4; ++i) {
            const QString nick = i % 2 ? u"bob"_s : u"alice"_s;
            const XmlElement message = RecordingSink::parse(
                u"<message from='lobby@rooms.localhost/%1' to='carol@localhost/desk' type='groupchat' id='g%2'>"
                "<body>g%2</body></message>"_s.arg(nick).arg(i));
            QVERIFY(!message.isNull());
            ids.append(mam->archiveRoomMessage(room, Jid::parse(u"lobby@rooms.localhost/"_s + nick), message));
            QVERIFY(!ids.last().isEmpty());
        }
        // A user's archive does not see the room's rows.
        QCOMPARE(query(m_laptop, {}).results.size(), 0);

        const auto ask = [&](const QString &payload) {
            const XmlElement iq = RecordingSink::parse(
                u"<iq type='set' id='rq' from='alice@localhost/laptop' to='lobby@rooms.localhost'>%1</iq>"_s.arg(payload));
            const Jid requester = Jid::parse(u"alice@localhost/laptop"_s);
            StanzaRouter *router = m_router.get();
            const bool handled = mam->handleRoomIq(iq, requester, room, [router, requester](const XmlElement &stanza) {
                router->deliverToFullJid(requester, stanza);
            });
            Answer answer;
            if (!handled)
                return answer;
            for (XmlElement e = expect(m_laptop); !e.isNull(); e = expect(m_laptop)) {
                if (e.name() == u"iq") {
                    answer.iq = e;
                    break;
                }
                const XmlElement result = e.firstChildElement(u"result"_s, MamNs);
                if (result.isNull() || e.attribute(u"from"_s) != u"lobby@rooms.localhost")
                    continue;
                const XmlElement forwarded = result.firstChildElement(u"forwarded"_s, ForwardNs);
                answer.results.append({result.attribute(u"id"_s), forwarded.firstChildElement(u"message"_s),
                                       forwarded.firstChildElement(u"delay"_s).attribute(u"stamp"_s)});
            }
            return answer;
        };

        // The last page of two, then the page before it.
        Answer last = ask(u"<query xmlns='urn:xmpp:mam:2' queryid='r'><set xmlns='%1'><max>2</max><before/></set></query>"_s.arg(RsmNs));
        QCOMPARE(last.iq.attribute(u"type"_s), u"result"_s);
        QCOMPARE(last.iq.attribute(u"from"_s), u"lobby@rooms.localhost"_s);
        QCOMPARE(last.bodies(), (QStringList{u"g2"_s, u"g3"_s}));
        QCOMPARE(last.ids(), ids.mid(2));
        QCOMPARE(last.set().childText(u"count"_s), u"4"_s);
        QCOMPARE(last.set().firstChildElement(u"first"_s).attribute(u"index"_s), u"2"_s);
        QVERIFY(!last.complete());
        QCOMPARE(last.results.first().message.attribute(u"from"_s), u"lobby@rooms.localhost/alice"_s);
        QVERIFY(!last.results.first().message.hasAttribute(u"to"_s));   // not one occupant's copy
        Answer before = ask(u"<query xmlns='urn:xmpp:mam:2'><set xmlns='%1'><max>2</max><before>%2</before></set></query>"_s
                                .arg(RsmNs, ids.at(2)));
        QCOMPARE(before.ids(), ids.mid(0, 2));
        QVERIFY(before.complete());

        // 'with' an occupant's room JID: that nick's messages.
        const Answer bob = ask(u"<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'>"
                               "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>"
                               "<field var='with'><value>lobby@rooms.localhost/bob</value></field></x></query>"_s);
        QCOMPARE(bob.bodies(), (QStringList{u"g1"_s, u"g3"_s}));

        // Errors come from the room, with the RFC's condition.
        const Answer bad = ask(u"<query xmlns='urn:xmpp:mam:2'><set xmlns='%1'><after>nope</after></set></query>"_s.arg(RsmNs));
        QCOMPARE(bad.iq.attribute(u"type"_s), u"error"_s);
        QCOMPARE(bad.iq.attribute(u"from"_s), u"lobby@rooms.localhost"_s);
        QVERIFY(bad.iq.firstChildElement(u"error"_s).hasChildElement(u"item-not-found"_s));

        QVERIFY(mam->removeRoomArchive(room));
        QCOMPARE(ask(u"<query xmlns='urn:xmpp:mam:2'/>"_s).results.size(), 0);
        // Something else to the room is not the archive's.
        QVERIFY(!mam->handleRoomIq(RecordingSink::parse(u"<iq type='get' id='x'><query xmlns='jabber:iq:version'/></iq>"_s),
                                   Jid::parse(u"alice@localhost/laptop"_s), room, [](const XmlElement &) {}));
    }
};

QTEST_GUILESS_MAIN(TestMam)
#include "tst_mam.moc"
