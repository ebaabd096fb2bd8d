#include "StandardModulesTest.h"
#include "host/ModuleHost.h"
#include "modules/MucModule.h"
#include "modules/MucRoom.h"
#include "session/SessionManager.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using Muc::Affiliation;
using Muc::Role;

namespace {
const QString Room = u"room@conference.localhost"_s;

QSet<int> statusCodes(const XmlElement &stanza)
{
    QSet<int> codes;
    for (const XmlElement &s : stanza.firstChildElement(u"x"_s, Muc::UserNs).childElements()) {
        if (s.name() == u"status")
            codes.insert(s.attribute(u"code"_s).toInt());
    }
    return codes;
}
XmlElement itemOf(const XmlElement &stanza)
{
    return stanza.firstChildElement(u"x"_s, Muc::UserNs).firstChildElement(u"item"_s);
}
QString errorOf(const XmlElement &stanza)
{
    if (stanza.attribute(u"type"_s) != u"error")
        return QString();
    for (const XmlElement &c : stanza.firstChildElement(u"error"_s).childElements()) {
        if (c.name() != u"text")
            return c.name();
    }
    return QString();
}
Muc::HistoryEntry entry(int n, qint64 stamp, int chars)
{
    Muc::HistoryEntry e;
    e.message = XmlElement(u"message"_s);
    e.message.appendTextElement(u"body"_s, QString::number(n));
    e.stampMs = stamp;
    e.chars = chars;
    return e;
}
} // namespace

// XEP-0045 through the real router and every standard module: the room rules as pure functions
// row by row, then joins, roles, kicks and bans, history and nicknames on recorded sessions.
class TestMuc : public StandardModulesTest
{
    Q_OBJECT

private:
    Session *m_alice = nullptr;
    Session *m_bob = nullptr;
    Session *m_carol = nullptr;
    MucService *m_muc = nullptr;

    // Takes stanzas written to `to` until one matches; null if none does.
    XmlElement take(Session *to, const std::function<bool(const XmlElement &)> &match)
    {
        for (XmlElement s = expect(to); !s.isNull(); s = expect(to)) {
            if (match(s))
                return s;
        }
        return XmlElement();
    }
    XmlElement ownPresence(Session *s, const QString &nick)
    {
        return take(s, [&](const XmlElement &p) {
            return p.name() == u"presence" && p.attribute(u"from"_s) == Room + u'/' + nick;
        });
    }
    void join(Session *s, const QString &nick, const QString &extra = QString())
    {
        inject(s, u"<presence to='%1/%2'><x xmlns='http://jabber.org/protocol/muc'>%3</x></presence>"_s.arg(Room, nick,
                                                                                                         extra));
    }
    XmlElement iq(Session *from, const QString &type, const QString &payload)
    {
        inject(from, u"<iq type='%1' id='q1' to='%2'>%3</iq>"_s.arg(type, Room, payload));
        return take(from, [](const XmlElement &s) { return s.name() == u"iq" && s.attribute(u"id"_s) == u"q1"; });
    }
    // alice creates an instant room; bob joins.
    void instantRoomWithBob()
    {
        join(m_alice, u"Alice"_s);
        QVERIFY(statusCodes(ownPresence(m_alice, u"Alice"_s)).contains(201));
        QCOMPARE(iq(m_alice, u"set"_s,
                    u"<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>"_s)
                     .attribute(u"type"_s),
                 u"result"_s);
        join(m_bob, u"Bob"_s);
        QVERIFY(statusCodes(ownPresence(m_bob, u"Bob"_s)).contains(110));
        m_sink->clear();
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY2(openDatabase({u"alice"_s, u"bob"_s, u"carol"_s}), qPrintable(m_db->error()));
        startServer();
        m_alice = m_make->bound(u"alice"_s, u"a"_s);
        m_bob = m_make->bound(u"bob"_s, u"b"_s);
        m_carol = m_make->bound(u"carol"_s, u"c"_s);
        QVERIFY(m_alice && m_bob && m_carol);
        m_muc = m_host->find<MucService>();
        QVERIFY(m_muc);
        m_sink->clear();
    }
    void cleanup() { stopServer(); }

    void defaultRoles_data()
    {
        QTest::addColumn<Affiliation>("affiliation");
        QTest::addColumn<bool>("moderated");
        QTest::addColumn<Role>("role");
        QTest::newRow("owner") << Affiliation::Owner << false << Role::Moderator;
        QTest::newRow("admin") << Affiliation::Admin << true << Role::Moderator;
        QTest::newRow("member moderated") << Affiliation::Member << true << Role::Participant;
        QTest::newRow("none open") << Affiliation::None << false << Role::Participant;
        QTest::newRow("none moderated") << Affiliation::None << true << Role::Visitor;
        QTest::newRow("outcast") << Affiliation::Outcast << false << Role::None;
    }
    void defaultRoles()
    {
        QFETCH(Affiliation, affiliation);
        QFETCH(bool, moderated);
        QFETCH(Role, role);
        QCOMPARE(Muc::defaultRole(affiliation, moderated), role);
    }

    void roleChanges_data()
    {
        QTest::addColumn<Affiliation>("actor");
        QTest::addColumn<Role>("actorRole");
        QTest::addColumn<Affiliation>("target");
        QTest::addColumn<Role>("newRole");
        QTest::addColumn<QString>("refusal");
        QTest::newRow("participant kicks") << Affiliation::Member << Role::Participant << Affiliation::None << Role::None << u"forbidden"_s;
        QTest::newRow("moderator kicks none") << Affiliation::None << Role::Moderator << Affiliation::None << Role::None << QString();
        QTest::newRow("moderator kicks admin") << Affiliation::Owner << Role::Moderator << Affiliation::Admin << Role::None << u"not-allowed"_s;
        QTest::newRow("member moderator kicks member") << Affiliation::Member << Role::Moderator << Affiliation::Member << Role::None << QString();
        QTest::newRow("none moderator kicks member") << Affiliation::None << Role::Moderator << Affiliation::Member << Role::None << u"not-allowed"_s;
        QTest::newRow("member grants moderator") << Affiliation::Member << Role::Moderator << Affiliation::None << Role::Moderator << u"forbidden"_s;
        QTest::newRow("admin grants moderator") << Affiliation::Admin << Role::Moderator << Affiliation::Member << Role::Moderator << QString();
        QTest::newRow("admin silences owner") << Affiliation::Admin << Role::Moderator << Affiliation::Owner << Role::Visitor << u"not-allowed"_s;
    }
    void roleChanges()
    {
        QFETCH(Affiliation, actor);
        QFETCH(Role, actorRole);
        QFETCH(Affiliation, target);
        QFETCH(Role, newRole);
        QFETCH(QString, refusal);
        QCOMPARE(Muc::roleChangeRefusal(actor, actorRole, target, newRole), refusal);
    }

    void affiliationChanges_data()
    {
        QTest::addColumn<Affiliation>("actor");
        QTest::addColumn<Affiliation>("current");
        QTest::addColumn<Affiliation>("wanted");
        QTest::addColumn<QString>("refusal");
        QTest::newRow("owner makes admin") << Affiliation::Owner << Affiliation::None << Affiliation::Admin << QString();
        QTest::newRow("admin bans none") << Affiliation::Admin << Affiliation::None << Affiliation::Outcast << QString();
        QTest::newRow("admin makes admin") << Affiliation::Admin << Affiliation::Member << Affiliation::Admin << u"not-allowed"_s;
        QTest::newRow("admin bans owner") << Affiliation::Admin << Affiliation::Owner << Affiliation::Outcast << u"not-allowed"_s;
        QTest::newRow("member bans") << Affiliation::Member << Affiliation::None << Affiliation::Outcast << u"forbidden"_s;
    }
    void affiliationChanges()
    {
        QFETCH(Affiliation, actor);
        QFETCH(Affiliation, current);
        QFETCH(Affiliation, wanted);
        QFETCH(QString, refusal);
        QCOMPARE(Muc::affiliationChangeRefusal(actor, current, wanted), refusal);
    }

    void historyLimits_data()
    {
        QTest::addColumn<QString>("history");
        QTest::addColumn<QStringList>("bodies");
        // Five entries, one a second from t = 1000 s, each 100 characters; "now" is t = 1005 s.
        QTest::newRow("no limit") << QString() << QStringList{u"1"_s, u"2"_s, u"3"_s, u"4"_s, u"5"_s};
        QTest::newRow("maxstanzas 2") << u"maxstanzas='2'"_s << QStringList{u"4"_s, u"5"_s};
        QTest::newRow("maxstanzas 0") << u"maxstanzas='0'"_s << QStringList{};
        QTest::newRow("maxchars 250") << u"maxchars='250'"_s << QStringList{u"4"_s, u"5"_s};
        QTest::newRow("maxchars 0") << u"maxchars='0'"_s << QStringList{};
        QTest::newRow("seconds 3") << u"seconds='3'"_s << QStringList{u"3"_s, u"4"_s, u"5"_s};
        QTest::newRow("since") << u"since='1970-01-01T00:16:43Z'"_s << QStringList{u"4"_s, u"5"_s};
        QTest::newRow("both: the smaller") << u"maxstanzas='4' seconds='2'"_s << QStringList{u"4"_s, u"5"_s};
        QTest::newRow("negative ignored") << u"maxstanzas='-1'"_s << QStringList{u"1"_s, u"2"_s, u"3"_s, u"4"_s, u"5"_s};
    }
    void historyLimits()
    {
        QFETCH(QString, history);
        QFETCH(QStringList, bodies);
        std::deque<Muc::HistoryEntry> entries;
        for (int i = 1; i <= 5; ++i)
            entries.push_back(entry(i, 1000000 + (i - 1) * 1000, 100));
        XmlElement element;
        if (!history.isEmpty())
            element = RecordingSink::parse(u"<history %1/>"_s.arg(history));
        QStringList got;
        for (const Muc::HistoryEntry &e : Muc::selectHistory(entries, Muc::parseHistory(element, 1005000)))
            got.append(e.message.childText(u"body"_s));
        QCOMPARE(got, bodies);
    }

    void nickPreparation_data()
    {
        QTest::addColumn<QString>("nick");
        QTest::addColumn<QString>("prepared");
        QTest::newRow("plain") << u"Alice"_s << u"Alice"_s;
        QTest::newRow("case kept") << u"ALICE"_s << u"ALICE"_s;
        QTest::newRow("compatibility mapped") << u"henry\u2163"_s << u"henryIV"_s;
        QTest::newRow("private use") << u"bad\ue000"_s << QString();
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("spaces only") << u"   "_s << QString();
    }
    void nickPreparation()
    {
        QFETCH(QString, nick);
        QFETCH(QString, prepared);
        QCOMPARE(Muc::prepareNick(nick), prepared);
    }

    void occupantIdsAreStablePerRoom()
    {
        const QByteArray a(32, 'a'), b(32, 'b');
        QCOMPARE(Muc::occupantId(a, u"alice@localhost"_s), Muc::occupantId(a, u"alice@localhost"_s));
        QVERIFY(Muc::occupantId(a, u"alice@localhost"_s) != Muc::occupantId(a, u"bob@localhost"_s));
        QVERIFY(Muc::occupantId(a, u"alice@localhost"_s) != Muc::occupantId(b, u"alice@localhost"_s));
    }

    void configFormRoundTrip()
    {
        Muc::RoomConfig config;
        XmlElement submit = Muc::configForm(config);
        submit.setAttribute(u"type"_s, u"submit"_s);
        Muc::RoomConfig parsed = config;
        QString error;
        QVERIFY(Muc::applyConfigForm(submit, &parsed, &error));
        QCOMPARE(parsed, config);
        const XmlElement bad = RecordingSink::parse(
            u"<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_maxusers'><value>many</value></field></x>"_s);
        QVERIFY(!Muc::applyConfigForm(bad, &parsed, &error));
        QCOMPARE(parsed, config);
        const XmlElement noPassword = RecordingSink::parse(
            u"<x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field></x>"_s);
        QVERIFY(!Muc::applyConfigForm(noPassword, &parsed, &error));
        QCOMPARE(Muc::RoomConfig::fromJson(config.toJson()), config);
    }

    void createLockedThenInstant()
    {
        join(m_alice, u"Alice"_s);
        const XmlElement own = ownPresence(m_alice, u"Alice"_s);
        QCOMPARE(statusCodes(own), (QSet<int>{110, 170, 201}));   // 170: archived
        QCOMPARE(itemOf(own).attribute(u"affiliation"_s), u"owner"_s);
        QCOMPARE(itemOf(own).attribute(u"role"_s), u"moderator"_s);
        // Locked until configured (§10.1.1): others get item-not-found.
        join(m_bob, u"Bob"_s);
        QCOMPARE(errorOf(ownPresence(m_bob, u"Bob"_s)), u"item-not-found"_s);
        QCOMPARE(iq(m_alice, u"set"_s,
                    u"<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>"_s)
                     .attribute(u"type"_s),
                 u"result"_s);
        join(m_bob, u"Bob"_s);
        const XmlElement bob = ownPresence(m_bob, u"Bob"_s);
        QVERIFY(statusCodes(bob).contains(110));
        QVERIFY(!statusCodes(bob).contains(201));
        QCOMPARE(m_muc->occupants(Room).size(), 2);
        QCOMPARE(m_muc->occupancies(u"bob@localhost/b"_s).size(), 1);
    }

    void groupchatFanOutAndHistory()
    {
        instantRoomWithBob();
        for (int i = 0; i < 3; ++i)
            inject(m_alice, u"<message to='%1' type='groupchat'><body>m%2</body></message>"_s.arg(Room).arg(i));
        for (Session *s : {m_alice, m_bob}) {
            for (int i = 0; i < 3; ++i) {
                const XmlElement m = take(s, [](const XmlElement &e) { return e.name() == u"message"; });
                QCOMPARE(m.attribute(u"from"_s), Room + u"/Alice"_s);
                QCOMPARE(m.childText(u"body"_s), u"m%1"_s.arg(i));
                QVERIFY(m.hasChildElement(u"occupant-id"_s, Muc::OccupantIdNs));
                const XmlElement sid = m.firstChildElement(u"stanza-id"_s, u"urn:xmpp:sid:0"_s);
                QCOMPARE(sid.attribute(u"by"_s), Room);
                QVERIFY(!sid.attribute(u"id"_s).isEmpty());
            }
        }
        join(m_carol, u"Carol"_s, u"<history maxstanzas='2'/>"_s);
        QStringList bodies;
        for (XmlElement s = expect(m_carol); !s.isNull(); s = expect(m_carol)) {
            if (s.name() == u"message" && s.hasChildElement(u"delay"_s, u"urn:xmpp:delay"_s))
                bodies.append(s.childText(u"body"_s));
        }
        QCOMPARE(bodies, (QStringList{u"m1"_s, u"m2"_s}));
        // The room's archive (XEP-0313 on the room JID) holds all three.
        inject(m_carol, u"<iq type='set' id='mam' to='%1'><query xmlns='urn:xmpp:mam:2'/></iq>"_s.arg(Room));
        QStringList archived;
        for (XmlElement s = expect(m_carol); !s.isNull(); s = expect(m_carol)) {
            const XmlElement result = s.firstChildElement(u"result"_s, u"urn:xmpp:mam:2"_s);
            if (!result.isNull())
                archived.append(result.firstChildElement().firstChildElement(u"message"_s).childText(u"body"_s));
            if (s.name() == u"iq") {
                QCOMPARE(s.attribute(u"type"_s), u"result"_s);
                break;
            }
        }
        QCOMPARE(archived, (QStringList{u"m0"_s, u"m1"_s, u"m2"_s}));
    }

    void kickAndBanCodes()
    {
        instantRoomWithBob();
        inject(m_alice, u"<iq type='set' id='k' to='%1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                        "<item nick='Bob' role='none'><reason>out</reason></item></query></iq>"_s.arg(Room));
        const XmlElement kicked = ownPresence(m_bob, u"Bob"_s);
        QCOMPARE(kicked.attribute(u"type"_s), u"unavailable"_s);
        QCOMPARE(statusCodes(kicked), (QSet<int>{307, 110}));
        QCOMPARE(itemOf(kicked).childText(u"reason"_s), u"out"_s);
        QCOMPARE(itemOf(kicked).firstChildElement(u"actor"_s).attribute(u"nick"_s), u"Alice"_s);
        QCOMPARE(statusCodes(ownPresence(m_alice, u"Bob"_s)), QSet<int>{307});

        join(m_bob, u"Bob"_s);
        ownPresence(m_bob, u"Bob"_s);
        m_sink->clear();
        // A participant may not kick (§8.2).
        inject(m_bob, u"<iq type='set' id='k2' to='%1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item nick='Alice' role='none'/></query></iq>"_s.arg(Room));
        QCOMPARE(errorOf(take(m_bob, [](const XmlElement &s) { return s.name() == u"iq"; })), u"forbidden"_s);
        QCOMPARE(m_muc->ban(Room, u"bob@localhost"_s, u"spam"_s, u"console"_s), QString());
        const XmlElement banned = ownPresence(m_bob, u"Bob"_s);
        QCOMPARE(statusCodes(banned), (QSet<int>{301, 110}));
        join(m_bob, u"Bob"_s);
        QCOMPARE(errorOf(ownPresence(m_bob, u"Bob"_s)), u"forbidden"_s);
        // The last owner stays (§10.6).
        QVERIFY(!m_muc->setAffiliation(Room, u"alice@localhost"_s, Affiliation::None, QString(), u"console"_s).isEmpty());
    }

    void nicknames()
    {
        instantRoomWithBob();
        join(m_carol, u"Bob"_s);
        QCOMPARE(errorOf(ownPresence(m_carol, u"Bob"_s)), u"conflict"_s);
        inject(m_bob, u"<presence to='%1/Robert'/>"_s.arg(Room));
        const XmlElement gone = ownPresence(m_alice, u"Bob"_s);
        QVERIFY(statusCodes(gone).contains(303));
        QCOMPARE(itemOf(gone).attribute(u"nick"_s), u"Robert"_s);
        QVERIFY(!ownPresence(m_alice, u"Robert"_s).isNull());
        QCOMPARE(m_muc->occupancies(u"bob@localhost"_s).value(0).nick, u"Robert"_s);
    }

    void twoSessionsUnderOneNick()
    {
        instantRoomWithBob();
        Session *phone = m_make->bound(u"alice"_s, u"phone"_s);
        join(phone, u"Alice"_s);
        QVERIFY(statusCodes(ownPresence(phone, u"Alice"_s)).contains(110));
        QVERIFY(ownPresence(m_bob, u"Alice"_s).isNull());   // no change for the others
        QCOMPARE(m_muc->occupants(Room).size(), 2);
        QCOMPARE(m_muc->occupancies(u"alice@localhost"_s).size(), 2);
        m_sink->clear();
        inject(m_bob, u"<message to='%1' type='groupchat'><body>both</body></message>"_s.arg(Room));
        for (Session *s : {m_alice, phone})
            QCOMPARE(take(s, [](const XmlElement &e) { return e.name() == u"message"; }).childText(u"body"_s), u"both"_s);
        // Another user may not take the nick.
        join(m_carol, u"Alice"_s);
        QCOMPARE(errorOf(ownPresence(m_carol, u"Alice"_s)), u"conflict"_s);
        // The first session leaves: only it hears so; the phone stays the occupant.
        m_sink->clear();
        inject(m_alice, u"<presence to='%1/Alice' type='unavailable'/>"_s.arg(Room));
        QCOMPARE(ownPresence(m_alice, u"Alice"_s).attribute(u"type"_s), u"unavailable"_s);
        QVERIFY(ownPresence(m_bob, u"Alice"_s).isNull());
        QCOMPARE(m_muc->occupancies(u"alice@localhost"_s).value(0).realJid, u"alice@localhost/phone"_s);
        m_sessions->destroySession(phone);
        QCOMPARE(ownPresence(m_bob, u"Alice"_s).attribute(u"type"_s), u"unavailable"_s);
        QCOMPARE(m_muc->occupants(Room).size(), 1);
    }

    void sessionEndLeavesAndTemporaryRoomGoes()
    {
        instantRoomWithBob();
        QSignalSpy rooms(m_muc, &MucService::roomsChanged);
        m_sessions->destroySession(m_bob);
        const XmlElement left = ownPresence(m_alice, u"Bob"_s);
        QCOMPARE(left.attribute(u"type"_s), u"unavailable"_s);
        QVERIFY(rooms.count() > 0);
        inject(m_alice, u"<presence to='%1/Alice' type='unavailable'/>"_s.arg(Room));
        QVERIFY(m_muc->rooms().isEmpty());
    }

    void mediatedInvitationMakesMember()
    {
        join(m_alice, u"Alice"_s);
        QCOMPARE(iq(m_alice, u"set"_s,
                    u"<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='muc#roomconfig_membersonly'><value>1</value></field></x></query>"_s)
                     .attribute(u"type"_s),
                 u"result"_s);
        inject(m_carol, u"<presence/>"_s);
        m_sink->clear();
        inject(m_alice, u"<message to='%1'><x xmlns='http://jabber.org/protocol/muc#user'>"
                        "<invite to='carol@localhost'><reason>tea</reason></invite></x></message>"_s.arg(Room));
        const XmlElement invite = take(m_carol, [](const XmlElement &s) { return s.name() == u"message"; });
        QCOMPARE(invite.attribute(u"from"_s), Room);
        const XmlElement i = invite.firstChildElement(u"x"_s, Muc::UserNs).firstChildElement(u"invite"_s);
        QCOMPARE(i.attribute(u"from"_s), u"alice@localhost"_s);
        QCOMPARE(i.childText(u"reason"_s), u"tea"_s);
        join(m_carol, u"Carol"_s);
        QCOMPARE(itemOf(ownPresence(m_carol, u"Carol"_s)).attribute(u"affiliation"_s), u"member"_s);
        // A member may not invite into a members-only room that does not allow it (§7.8.2).
        m_sink->clear();
        inject(m_carol, u"<message to='%1'><x xmlns='http://jabber.org/protocol/muc#user'>"
                        "<invite to='bob@localhost'/></x></message>"_s.arg(Room));
        QCOMPARE(errorOf(take(m_carol, [](const XmlElement &s) { return s.name() == u"message"; })), u"forbidden"_s);
        join(m_bob, u"Bob"_s);
        QCOMPARE(errorOf(ownPresence(m_bob, u"Bob"_s)), u"registration-required"_s);
    }

    void roomVCardOwnersSetAnyoneGets()
    {
        instantRoomWithBob();
        const QString vcard = u"<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>aGVsbG8=</BINVAL></PHOTO></vCard>"_s;
        QCOMPARE(errorOf(iq(m_bob, u"set"_s, vcard)), u"forbidden"_s);
        QCOMPARE(iq(m_alice, u"set"_s, vcard).attribute(u"type"_s), u"result"_s);
        const XmlElement got = iq(m_carol, u"get"_s, u"<vCard xmlns='vcard-temp'/>"_s);
        QCOMPARE(got.firstChildElement(u"vCard"_s).firstChildElement(u"PHOTO"_s).childText(u"BINVAL"_s), u"aGVsbG8="_s);
        const XmlElement info = iq(m_carol, u"get"_s, u"<query xmlns='http://jabber.org/protocol/disco#info'/>"_s);
        QVERIFY(info.toXml().contains("muc#roominfo_avatarhash"));
        QVERIFY(info.toXml().contains("muc_temporary"));
        QVERIFY(info.toXml().contains("urn:xmpp:occupant-id:0"));
    }

    void passwordAndModeration()
    {
        join(m_alice, u"Alice"_s);
        QCOMPARE(iq(m_alice, u"set"_s,
                    u"<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>"
                    "<field var='muc#roomconfig_roomsecret'><value>s3cret</value></field>"
                    "<field var='muc#roomconfig_moderatedroom'><value>1</value></field></x></query>"_s)
                     .attribute(u"type"_s),
                 u"result"_s);
        join(m_bob, u"Bob"_s, u"<password>wrong</password>"_s);
        QCOMPARE(errorOf(ownPresence(m_bob, u"Bob"_s)), u"not-authorized"_s);
        join(m_bob, u"Bob"_s, u"<password>s3cret</password>"_s);
        QCOMPARE(itemOf(ownPresence(m_bob, u"Bob"_s)).attribute(u"role"_s), u"visitor"_s);
        m_sink->clear();
        inject(m_bob, u"<message to='%1' type='groupchat'><body>hi</body></message>"_s.arg(Room));
        QCOMPARE(errorOf(take(m_bob, [](const XmlElement &s) { return s.name() == u"message"; })), u"forbidden"_s);
        // Voice (§8.3): the moderator makes bob a participant; then he speaks.
        inject(m_alice, u"<iq type='set' id='v' to='%1'><query xmlns='http://jabber.org/protocol/muc#admin'>"
                        "<item nick='Bob' role='participant'/></query></iq>"_s.arg(Room));
        QCOMPARE(itemOf(ownPresence(m_bob, u"Bob"_s)).attribute(u"role"_s), u"participant"_s);
        inject(m_bob, u"<message to='%1' type='groupchat'><body>hi</body></message>"_s.arg(Room));
        QCOMPARE(take(m_alice, [](const XmlElement &s) { return s.name() == u"message"; }).childText(u"body"_s), u"hi"_s);
    }

    void creationLimitedToAdmins()
    {
        stopServer();
        m_config.moduleOptions.insert(u"muc_create"_s, u"admins"_s);
        m_config.moduleOptions.insert(u"admins"_s, u"alice@localhost"_s);
        startServer();
        Session *bob = m_make->bound(u"bob"_s, u"b2"_s);
        Session *alice = m_make->bound(u"alice"_s, u"a2"_s);
        join(bob, u"Bob"_s);
        QCOMPARE(errorOf(ownPresence(bob, u"Bob"_s)), u"not-allowed"_s);
        join(alice, u"Alice"_s);
        QVERIFY(statusCodes(ownPresence(alice, u"Alice"_s)).contains(201));
        // The service is listed in the domain's items.
        inject(alice, u"<iq type='get' id='i' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>"_s);
        QVERIFY(take(alice, [](const XmlElement &s) { return s.name() == u"iq"; }).toXml().contains("conference.localhost"));
        m_config.moduleOptions.clear();
    }

    // Fan-out to 1,000 occupants: each gets the message exactly once; the time of one broadcast
    // through the real session sink (serialisation and the socket write) is printed, not judged.
    void fanOutToThousand()
    {
        join(m_alice, u"Alice"_s);
        iq(m_alice, u"set"_s,
           u"<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>"_s);
        QList<Session *> occupants;
        QElapsedTimer joining;
        joining.start();
        for (int i = 0; i < 999; ++i) {
            Session *s = m_make->bound(u"user%1"_s.arg(i), u"r"_s);
            QVERIFY(s);
            join(s, u"n%1"_s.arg(i), u"<history maxstanzas='0'/>"_s);
            occupants.append(s);
            m_sink->clear();
        }
        qInfo("999 joins into one room: %lld ms", qint64(joining.elapsed()));
        QCOMPARE(m_muc->occupants(Room).size(), 1000);
        m_router->setSink(nullptr);   // the sessions' own streams: serialised and written
        QElapsedTimer broadcast;
        broadcast.start();
        constexpr int Messages = 20;
        for (int i = 0; i < Messages; ++i)
            inject(m_alice, u"<message to='%1' type='groupchat'><body>hello everyone %2</body></message>"_s.arg(Room).arg(i));
        qInfo("one groupchat message to 1,000 occupants: %.2f ms", double(broadcast.nsecsElapsed()) / 1e6 / Messages);
        m_router->setSink(m_sink.get());
        inject(m_alice, u"<message to='%1' type='groupchat'><body>counted</body></message>"_s.arg(Room));
        int delivered = 0;
        for (const RecordingSink::Written &w : m_sink->written())
            delivered += w.stanza.childText(u"body"_s) == u"counted" ? 1 : 0;
        QCOMPARE(delivered, 1000);
        QCOMPARE(m_sink->pending(occupants.constLast()), 1);
    }

    void persistentRoomSurvivesRestart()
    {
        join(m_alice, u"Alice"_s);
        QCOMPARE(iq(m_alice, u"set"_s,
                    u"<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='muc#roomconfig_persistentroom'><value>1</value></field>"
                    "<field var='muc#roomconfig_roomname'><value>Kept</value></field></x></query>"_s)
                     .attribute(u"type"_s),
                 u"result"_s);
        QCOMPARE(m_muc->addMember(Room, u"bob@localhost"_s, u"test"_s), QString());
        stopServer();
        startServer();
        m_muc = m_host->find<MucService>();
        MucRoomInfo info;
        QVERIFY(m_muc->room(Room, &info));
        QCOMPARE(info.name, u"Kept"_s);
        QVERIFY(info.persistent);
        QCOMPARE(m_muc->affiliations(Room).size(), 2);
        QCOMPARE(m_muc->affiliations(Room).value(0).affiliation, Affiliation::Owner);
        QCOMPARE(m_muc->destroy(Room, u"done"_s, QString(), u"test"_s), QString());
        stopServer();
        startServer();
        QVERIFY(!m_host->find<MucService>()->room(Room, nullptr));
    }
};

QTEST_GUILESS_MAIN(TestMuc)
#include "tst_muc.moc"
