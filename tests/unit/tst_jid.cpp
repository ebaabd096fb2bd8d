#include "stanza/Jid.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_Jid : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validJids_data();
    void validJids();
    void invalidJids_data();
    void invalidJids();
    void normalisation_data();
    void normalisation();
    void lengthLimits();
    void fromParts_data();
    void fromParts();
    void prepareSteps();
    void bareAndResource();
    void predicates();
    void equalityAndHash();
};

void tst_Jid::validJids_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("domain");
    QTest::addColumn<QString>("resource");

    // RFC 7622 §3.5.
    QTest::newRow("bare") << u"juliet@example.com"_s << u"juliet"_s << u"example.com"_s << QString();
    QTest::newRow("full") << u"juliet@example.com/foo"_s << u"juliet"_s << u"example.com"_s << u"foo"_s;
    QTest::newRow("space in resource") << u"juliet@example.com/foo bar"_s << u"juliet"_s << u"example.com"_s
                                       << u"foo bar"_s;
    QTest::newRow("at in resource") << u"juliet@example.com/foo@bar"_s << u"juliet"_s << u"example.com"_s
                                    << u"foo@bar"_s;
    QTest::newRow("escaped localpart") << u"foo\\20bar@example.com"_s << u"foo\\20bar"_s << u"example.com"_s
                                       << QString();
    QTest::newRow("fussball") << u"fussball@example.com"_s << u"fussball"_s << u"example.com"_s << QString();
    // Nodeprep case-folds sharp s to "ss" (PRECIS would keep it).
    QTest::newRow("fußball") << u"fu\u00DFball@example.com"_s << u"fussball"_s << u"example.com"_s << QString();
    QTest::newRow("pi") << u"\u03C0@example.com"_s << u"\u03C0"_s << u"example.com"_s << QString();
    QTest::newRow("capital sigma") << u"\u03A3@example.com/foo"_s << u"\u03C3"_s << u"example.com"_s << u"foo"_s;
    QTest::newRow("small sigma") << u"\u03C3@example.com/foo"_s << u"\u03C3"_s << u"example.com"_s << u"foo"_s;
    // Final sigma is case-folded to sigma too.
    QTest::newRow("final sigma") << u"\u03C2@example.com/foo"_s << u"\u03C3"_s << u"example.com"_s << u"foo"_s;
    // Stringprep predates PRECIS: this symbol is a valid localpart here (RFC 7622 refuses it).
    QTest::newRow("chess king") << u"\u265A@example.com"_s << u"\u265A"_s << u"example.com"_s << QString();
    // Compatibility characters are mapped by NFKC, not refused (RFC 7622 §3.6 refuses them).
    QTest::newRow("roman numeral four") << u"henry\u2163@example.com"_s << u"henryiv"_s << u"example.com"_s
                                        << QString();
    QTest::newRow("domain") << u"example.com"_s << QString() << u"example.com"_s << QString();
    QTest::newRow("domain with resource") << u"example.com/foobar"_s << QString() << u"example.com"_s
                                          << u"foobar"_s;
    QTest::newRow("at after slash") << u"a.example.com/b@example.net"_s << QString() << u"a.example.com"_s
                                    << u"b@example.net"_s;
    QTest::newRow("localhost") << u"localhost"_s << QString() << u"localhost"_s << QString();
    QTest::newRow("ipv6") << u"[::1]"_s << QString() << u"[::1]"_s << QString();
    QTest::newRow("ipv6 with node and resource") << u"juliet@[2001:DB8::1]/r"_s << u"juliet"_s
                                                 << u"[2001:db8::1]"_s << u"r"_s;
    QTest::newRow("ipv4") << u"127.0.0.1"_s << QString() << u"127.0.0.1"_s << QString();
    QTest::newRow("ipv4 with node") << u"juliet@192.0.2.7/x"_s << u"juliet"_s << u"192.0.2.7"_s << u"x"_s;
    QTest::newRow("slash in resource") << u"juliet@example.com/a/b"_s << u"juliet"_s << u"example.com"_s
                                       << u"a/b"_s;
    QTest::newRow("trailing dot") << u"juliet@example.com./r"_s << u"juliet"_s << u"example.com"_s << u"r"_s;
    QTest::newRow("idn domain") << u"juliet@b\u00FCcher.example"_s << u"juliet"_s << u"b\u00FCcher.example"_s
                                << QString();
    QTest::newRow("underscore domain") << u"_service.example.com"_s << QString() << u"_service.example.com"_s
                                       << QString();
    QTest::newRow("mapped to nothing dropped") << u"jul\u00ADiet@example.com"_s << u"juliet"_s
                                               << u"example.com"_s << QString();
    QTest::newRow("resource with leading space") << u"juliet@example.com/ x"_s << u"juliet"_s << u"example.com"_s
                                                 << u" x"_s;
}

void tst_Jid::validJids()
{
    QFETCH(QString, input);
    QFETCH(QString, node);
    QFETCH(QString, domain);
    QFETCH(QString, resource);

    const Jid jid = Jid::parse(input);
    QVERIFY(jid.isValid());
    QVERIFY(!jid.isNull());
    QCOMPARE(jid.node(), node);
    QCOMPARE(jid.domain(), domain);
    QCOMPARE(jid.resource(), resource);

    // The prepared form parses to itself.
    const Jid again = Jid::parse(jid.toString());
    QVERIFY(again.isValid());
    QCOMPARE(again, jid);
    QCOMPARE(again.toString(), jid.toString());
}

void tst_Jid::invalidJids_data()
{
    QTest::addColumn<QString>("input");

    // RFC 7622 §3.6.
    QTest::newRow("quotes in localpart") << u"\"juliet\"@example.com"_s;
    QTest::newRow("space in localpart") << u"foo bar@example.com"_s;
    QTest::newRow("space-only resource") << u"juliet@example.com/ "_s;
    QTest::newRow("empty resource") << u"juliet@example.com/"_s;
    QTest::newRow("empty localpart and resource") << u"@example.com/"_s;
    QTest::newRow("empty domain after at") << u"juliet@"_s;
    QTest::newRow("empty domain before slash") << u"/foobar"_s;

    // Empty parts.
    QTest::newRow("empty") << QString();
    QTest::newRow("empty localpart") << u"@example.com"_s;
    QTest::newRow("only at") << u"@"_s;
    QTest::newRow("only slash") << u"/"_s;
    QTest::newRow("at and slash") << u"juliet@/r"_s;
    QTest::newRow("only a dot") << u"."_s;
    QTest::newRow("two trailing dots") << u"example.com.."_s;
    QTest::newRow("empty label") << u"example..com"_s;
    QTest::newRow("leading dot") << u".example.com"_s;
    QTest::newRow("resource of mapped-to-nothing") << u"juliet@example.com/\u200B"_s;
    QTest::newRow("localpart of mapped-to-nothing") << u"\u00AD@example.com"_s;

    // Characters nodeprep prohibits in a localpart.
    QTest::newRow("ampersand") << u"a&b@example.com"_s;
    QTest::newRow("apostrophe") << u"a'b@example.com"_s;
    QTest::newRow("colon") << u"a:b@example.com"_s;
    QTest::newRow("less than") << u"a<b@example.com"_s;
    QTest::newRow("greater than") << u"a>b@example.com"_s;
    QTest::newRow("two ats") << u"a@b@example.com"_s;

    // Domain troubles.
    QTest::newRow("space in domain") << u"juliet@exa mple.com"_s;
    QTest::newRow("colon in domain") << u"example.com:5222"_s;
    QTest::newRow("label too long") << QString(u"juliet@"_s + QString(64, u'a') + u".com"_s);
    QTest::newRow("unclosed ipv6") << u"[::1"_s;
    QTest::newRow("bad ipv6") << u"[::g]"_s;

    // Prohibited or unassigned code points.
    QTest::newRow("control in resource") << u"juliet@example.com/a\u0007b"_s;
    QTest::newRow("private use in localpart") << u"\uE000@example.com"_s;
    QTest::newRow("unassigned in localpart") << u"\u0221@example.com"_s;   // assigned only after Unicode 3.2
    QTest::newRow("unassigned in resource") << u"juliet@example.com/\u0221"_s;
    QTest::newRow("unassigned in domain") << u"juliet@\u0221.example"_s;
}

void tst_Jid::invalidJids()
{
    QFETCH(QString, input);
    const Jid jid = Jid::parse(input);
    QVERIFY2(jid.isNull(), qPrintable(jid.toString()));
    QVERIFY(!jid.isValid());
    QVERIFY(jid.toString().isEmpty());
    QVERIFY(jid.bareString().isEmpty());
}

void tst_Jid::normalisation_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("node and domain folded") << u"JuLiet@Example.COM/Balcony"_s << u"juliet@example.com/Balcony"_s;
    QTest::newRow("resource case kept") << u"juliet@example.com/FOO"_s << u"juliet@example.com/FOO"_s;
    QTest::newRow("idn domain folded") << u"B\u00DCCHER.example"_s << u"b\u00FCcher.example"_s;
    QTest::newRow("full-width letter mapped") << u"a\uFF21@example.com"_s << u"aa@example.com"_s;
    QTest::newRow("resource nfkc") << u"example.com/\uFB01"_s << u"example.com/fi"_s;
    // NFKC turns the no-break space into a plain space before the prohibition check.
    QTest::newRow("no-break space in resource") << u"example.com/a\u00A0b"_s << u"example.com/a b"_s;
    QTest::newRow("ideographic full stop") << u"juliet@example\u3002com"_s << u"juliet@example.com"_s;
    QTest::newRow("ipv6 lowercased") << u"[FE80::1]"_s << u"[fe80::1]"_s;
}

void tst_Jid::normalisation()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(Jid::parse(input).toString(), expected);
}

void tst_Jid::lengthLimits()
{
    const QString node1023(1023, u'a');
    const QString node1024(1024, u'a');
    QVERIFY(Jid::parse(node1023 + u"@example.com"_s).isValid());
    QVERIFY(Jid::parse(node1024 + u"@example.com"_s).isNull());

    // The limit is in UTF-8 octets: 512 two-octet characters are 1024 octets.
    QVERIFY(Jid::parse(QString(511, u'\u00E9') + u"@example.com"_s).isValid());
    QVERIFY(Jid::parse(QString(512, u'\u00E9') + u"@example.com"_s).isNull());

    QVERIFY(Jid::parse(u"juliet@example.com/"_s + QString(1023, u'r')).isValid());
    QVERIFY(Jid::parse(u"juliet@example.com/"_s + QString(1024, u'r')).isNull());

    // The limit applies after preparation: U+00DF folds to two octets "ss".
    QVERIFY(Jid::parse(QString(511, u'\u00DF') + u"@example.com"_s).isValid());
    QVERIFY(Jid::parse(QString(512, u'\u00DF') + u"@example.com"_s).isNull());

    // A domain of 1023 octets in short enough labels is valid, one more octet is not.
    QString domain;
    for (int i = 0; i < 16; ++i)
        domain += QString(62, u'd') + u'.';
    domain += QString(1023 - domain.size(), u'e');
    QCOMPARE(domain.size(), 1023);
    QVERIFY(Jid::parse(domain).isValid());
    QVERIFY(Jid::parse(domain + u'e').isNull());

    // Very large input is refused without trouble.
    QVERIFY(Jid::parse(QString(100000, u'x') + u"@example.com"_s).isNull());
    QVERIFY(Jid::parse(u"example.com/"_s + QString(100000, u'\uFB01')).isNull());
}

void tst_Jid::fromParts_data()
{
    QTest::addColumn<QString>("node");
    QTest::addColumn<QString>("domain");
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QString>("expected");   // empty: null

    QTest::newRow("all") << u"Juliet"_s << u"Example.com"_s << u"Balcony"_s << u"juliet@example.com/Balcony"_s;
    QTest::newRow("no resource") << u"juliet"_s << u"example.com"_s << QString() << u"juliet@example.com"_s;
    QTest::newRow("domain only") << QString() << u"example.com"_s << QString() << u"example.com"_s;
    QTest::newRow("slash in resource") << u"juliet"_s << u"example.com"_s << u"a/b"_s
                                       << u"juliet@example.com/a/b"_s;
    QTest::newRow("no domain") << u"juliet"_s << QString() << u"r"_s << QString();
    QTest::newRow("bad node") << u"a@b"_s << u"example.com"_s << QString() << QString();
    QTest::newRow("slash in node") << u"a/b"_s << u"example.com"_s << QString() << QString();
    QTest::newRow("bad domain") << u"juliet"_s << u"exa mple.com"_s << QString() << QString();
    QTest::newRow("bad resource") << u"juliet"_s << u"example.com"_s << u" "_s << QString();
}

void tst_Jid::fromParts()
{
    QFETCH(QString, node);
    QFETCH(QString, domain);
    QFETCH(QString, resource);
    QFETCH(QString, expected);

    const Jid jid = Jid::fromParts(node, domain, resource);
    QCOMPARE(jid.toString(), expected);
    QCOMPARE(jid.isNull(), expected.isEmpty());
    if (!expected.isEmpty())
        QCOMPARE(jid, Jid::parse(expected));
}

void tst_Jid::prepareSteps()
{
    QCOMPARE(Jid::prepareNode(u"JULIET"_s), u"juliet"_s);
    QVERIFY(Jid::prepareNode(u"a b"_s).isNull());
    QVERIFY(Jid::prepareNode(QString()).isNull());
    QCOMPARE(Jid::prepareDomain(u"EXAMPLE.com."_s), u"example.com"_s);
    QVERIFY(Jid::prepareDomain(u"."_s).isNull());
    QVERIFY(Jid::prepareDomain(QString()).isNull());
    QCOMPARE(Jid::prepareResource(u"Home Laptop"_s), u"Home Laptop"_s);
    QVERIFY(Jid::prepareResource(u"   "_s).isNull());
    QVERIFY(Jid::prepareResource(QString()).isNull());
}

void tst_Jid::bareAndResource()
{
    const Jid full = Jid::parse(u"juliet@example.com/balcony"_s);
    QVERIFY(full.isFull());

    const Jid bare = full.bare();
    QCOMPARE(bare.toString(), u"juliet@example.com"_s);
    QCOMPARE(bare.bareString(), u"juliet@example.com"_s);
    QCOMPARE(full.bareString(), u"juliet@example.com"_s);
    QVERIFY(bare.isBare());
    QCOMPARE(bare.bare(), bare);

    const Jid other = bare.withResource(u"Chamber"_s);
    QCOMPARE(other.toString(), u"juliet@example.com/Chamber"_s);
    QCOMPARE(other.bare(), bare);
    QCOMPARE(full.withResource(u"balcony"_s), full);
    QCOMPARE(full.withResource(QString()), bare);
    QVERIFY(full.withResource(u" "_s).isNull());
    QVERIFY(full.withResource(u"a\u0007"_s).isNull());
    QCOMPARE(full.withResource(u"\uFB01"_s).resource(), u"fi"_s);
    QVERIFY(Jid().withResource(u"r"_s).isNull());
    QVERIFY(Jid().bare().isNull());
    QVERIFY(Jid().toString().isEmpty());

    const Jid domain = Jid::parse(u"example.com"_s);
    QCOMPARE(domain.withResource(u"x"_s).toString(), u"example.com/x"_s);
    QCOMPARE(domain.bareString(), u"example.com"_s);
}

void tst_Jid::predicates()
{
    const Jid domain = Jid::parse(u"example.com"_s);
    QVERIFY(domain.isDomain());
    QVERIFY(domain.isBare());
    QVERIFY(!domain.isFull());

    const Jid domainResource = Jid::parse(u"example.com/r"_s);
    QVERIFY(!domainResource.isDomain());
    QVERIFY(domainResource.isFull());

    const Jid bare = Jid::parse(u"juliet@example.com"_s);
    QVERIFY(!bare.isDomain());
    QVERIFY(bare.isBare());

    QVERIFY(Jid().isNull());
    QVERIFY(!Jid().isValid());
}

void tst_Jid::equalityAndHash()
{
    const Jid a = Jid::parse(u"JULIET@Example.com./Balcony"_s);
    const Jid b = Jid::fromParts(u"juliet"_s, u"example.com"_s, u"Balcony"_s);
    const Jid c = Jid::parse(u"juliet@example.com/balcony"_s);
    QCOMPARE(a, b);
    QCOMPARE(qHash(a), qHash(b));
    QCOMPARE(qHash(a, 42), qHash(b, 42));
    QVERIFY(a != c);
    QVERIFY(a.bare() == c.bare());
    QVERIFY(Jid() == Jid());

    QSet<Jid> set;
    set.insert(a);
    set.insert(b);
    set.insert(c);
    set.insert(c.bare());
    QCOMPARE(set.size(), 3);
    QVERIFY(set.contains(Jid::parse(u"juliet@EXAMPLE.com/Balcony"_s)));
    QVERIFY(!set.contains(Jid::parse(u"romeo@example.com"_s)));
}

QTEST_GUILESS_MAIN(tst_Jid)
#include "tst_jid.moc"
