#include "stanza/StanzaError.h"
#include "stanza/StreamError.h"
#include "xml/XmlElement.h"
#include "xml/XmlStreamParser.h"

#include <QSet>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

const QString StanzasNs = u"urn:ietf:params:xml:ns:xmpp-stanzas"_s;

XmlElement sampleMessage()
{
    XmlElement message(u"message"_s, u"jabber:client"_s);
    message.setAttribute(u"from"_s, u"juliet@example.com/balcony"_s);
    message.setAttribute(u"to"_s, u"romeo@example.net"_s);
    message.setAttribute(u"id"_s, u"m1"_s);
    message.setAttribute(u"type"_s, u"chat"_s);
    message.appendTextElement(u"body"_s, u"Art thou not Romeo?"_s, u"jabber:client"_s);
    return message;
}

// Collects what the stream parser delivers.
struct Collector : XmlStreamParser::Handler
{
    QList<XmlElement> elements;
    bool failed = false;
    void streamOpened(const XmlElement &, const QString &) override {}
    void elementReceived(const XmlElement &element) override { elements.append(element); }
    void streamClosed() override {}
    void streamFailed(XmlStreamParser::Error, const QString &) override { failed = true; }
};

QList<XmlElement> parseInStream(const QByteArray &body, bool *failed)
{
    Collector collector;
    XmlStreamParser parser(&collector);
    parser.feed("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
    parser.feed(body);
    *failed = collector.failed;
    return collector.elements;
}

} // namespace

class tst_StanzaError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stanzaConditions_data();
    void stanzaConditions();
    void stanzaConditionNamesUnique();
    void types_data();
    void types();
    void errorElement();
    void errorElementWithText();
    void errorElementExplicitType();
    void errorReply();
    void errorReplyMissingAddresses_data();
    void errorReplyMissingAddresses();
    void errorReplyIq();
    void errorReplyParsesBack();
    void streamConditions_data();
    void streamConditions();
    void streamConditionNamesUnique();
    void streamErrorXml();
    void streamErrorParses();
};

void tst_StanzaError::stanzaConditions_data()
{
    using C = StanzaError::Condition;
    using T = StanzaError::Type;
    QTest::addColumn<C>("condition");
    QTest::addColumn<QString>("name");
    QTest::addColumn<T>("type");

    QTest::newRow("bad-request") << C::BadRequest << u"bad-request"_s << T::Modify;
    QTest::newRow("conflict") << C::Conflict << u"conflict"_s << T::Cancel;
    QTest::newRow("feature-not-implemented") << C::FeatureNotImplemented << u"feature-not-implemented"_s << T::Cancel;
    QTest::newRow("forbidden") << C::Forbidden << u"forbidden"_s << T::Auth;
    QTest::newRow("gone") << C::Gone << u"gone"_s << T::Cancel;
    QTest::newRow("internal-server-error") << C::InternalServerError << u"internal-server-error"_s << T::Cancel;
    QTest::newRow("item-not-found") << C::ItemNotFound << u"item-not-found"_s << T::Cancel;
    QTest::newRow("jid-malformed") << C::JidMalformed << u"jid-malformed"_s << T::Modify;
    QTest::newRow("not-acceptable") << C::NotAcceptable << u"not-acceptable"_s << T::Modify;
    QTest::newRow("not-allowed") << C::NotAllowed << u"not-allowed"_s << T::Cancel;
    QTest::newRow("not-authorized") << C::NotAuthorized << u"not-authorized"_s << T::Auth;
    QTest::newRow("policy-violation") << C::PolicyViolation << u"policy-violation"_s << T::Modify;
    QTest::newRow("recipient-unavailable") << C::RecipientUnavailable << u"recipient-unavailable"_s << T::Wait;
    QTest::newRow("redirect") << C::Redirect << u"redirect"_s << T::Modify;
    QTest::newRow("registration-required") << C::RegistrationRequired << u"registration-required"_s << T::Auth;
    QTest::newRow("remote-server-not-found") << C::RemoteServerNotFound << u"remote-server-not-found"_s << T::Cancel;
    QTest::newRow("remote-server-timeout") << C::RemoteServerTimeout << u"remote-server-timeout"_s << T::Wait;
    QTest::newRow("resource-constraint") << C::ResourceConstraint << u"resource-constraint"_s << T::Wait;
    QTest::newRow("service-unavailable") << C::ServiceUnavailable << u"service-unavailable"_s << T::Cancel;
    QTest::newRow("subscription-required") << C::SubscriptionRequired << u"subscription-required"_s << T::Auth;
    QTest::newRow("undefined-condition") << C::UndefinedCondition << u"undefined-condition"_s << T::Cancel;
    QTest::newRow("unexpected-request") << C::UnexpectedRequest << u"unexpected-request"_s << T::Wait;
}

void tst_StanzaError::stanzaConditions()
{
    QFETCH(StanzaError::Condition, condition);
    QFETCH(QString, name);
    QFETCH(StanzaError::Type, type);

    QCOMPARE(StanzaError::conditionName(condition), name);
    QCOMPARE(StanzaError::conditionFromName(name), std::optional(condition));
    QCOMPARE(StanzaError::defaultType(condition), type);
}

void tst_StanzaError::stanzaConditionNamesUnique()
{
    QSet<QString> names;
    for (int i = 0; i <= int(StanzaError::Condition::UnexpectedRequest); ++i)
        names.insert(StanzaError::conditionName(StanzaError::Condition(i)));
    QCOMPARE(names.size(), int(StanzaError::Condition::UnexpectedRequest) + 1);
    QVERIFY(!StanzaError::conditionFromName(u"not-a-condition"_s).has_value());
    QVERIFY(!StanzaError::conditionFromName(QString()).has_value());
    QVERIFY(!StanzaError::conditionFromName(u"Conflict"_s).has_value());
}

void tst_StanzaError::types_data()
{
    using T = StanzaError::Type;
    QTest::addColumn<T>("type");
    QTest::addColumn<QString>("name");
    QTest::newRow("auth") << T::Auth << u"auth"_s;
    QTest::newRow("cancel") << T::Cancel << u"cancel"_s;
    QTest::newRow("continue") << T::Continue << u"continue"_s;
    QTest::newRow("modify") << T::Modify << u"modify"_s;
    QTest::newRow("wait") << T::Wait << u"wait"_s;
}

void tst_StanzaError::types()
{
    QFETCH(StanzaError::Type, type);
    QFETCH(QString, name);
    QCOMPARE(StanzaError::typeName(type), name);
    QCOMPARE(StanzaError::typeFromName(name), std::optional(type));
    QVERIFY(!StanzaError::typeFromName(u"error"_s).has_value());
}

void tst_StanzaError::errorElement()
{
    const XmlElement error = StanzaError::makeErrorElement(StanzaError::Condition::ServiceUnavailable);
    QCOMPARE(error.name(), u"error"_s);
    QVERIFY(error.xmlns().isEmpty());
    QCOMPARE(error.attribute(u"type"_s), u"cancel"_s);
    QCOMPARE(error.childElements().size(), 1);
    const XmlElement condition = error.firstChildElement();
    QCOMPARE(condition.name(), u"service-unavailable"_s);
    QCOMPARE(condition.xmlns(), StanzasNs);
    QVERIFY(!error.hasChildElement(u"text"_s));

    QCOMPARE(error.toXml(u"jabber:client"_s),
             "<error type=\"cancel\"><service-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error>");
}

void tst_StanzaError::errorElementWithText()
{
    const XmlElement error = StanzaError::makeErrorElement(StanzaError::Condition::Forbidden, u"No <way> & no 'how'"_s);
    QCOMPARE(error.attribute(u"type"_s), u"auth"_s);
    QCOMPARE(error.childElements().size(), 2);
    QCOMPARE(error.childElements().at(0).name(), u"forbidden"_s);
    QCOMPARE(error.childText(u"text"_s, StanzasNs), u"No <way> & no 'how'"_s);
    QCOMPARE(error.firstChildElement(u"text"_s).xmlns(), StanzasNs);

    QCOMPARE(error.toXml(u"jabber:client"_s),
             "<error type=\"auth\"><forbidden xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>"
             "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">No &lt;way&gt; &amp; no 'how'</text>"
             "</error>");
}

void tst_StanzaError::errorElementExplicitType()
{
    const XmlElement error = StanzaError::makeErrorElement(StanzaError::Condition::Conflict, StanzaError::Type::Wait);
    QCOMPARE(error.attribute(u"type"_s), u"wait"_s);
    QCOMPARE(error.firstChildElement().name(), u"conflict"_s);
}

void tst_StanzaError::errorReply()
{
    const XmlElement message = sampleMessage();
    const XmlElement reply =
        StanzaError::makeErrorReply(message, StanzaError::Condition::RecipientUnavailable, u"Gone to bed"_s);

    QCOMPARE(reply.name(), u"message"_s);
    QCOMPARE(reply.xmlns(), u"jabber:client"_s);
    QCOMPARE(reply.attribute(u"from"_s), u"romeo@example.net"_s);
    QCOMPARE(reply.attribute(u"to"_s), u"juliet@example.com/balcony"_s);
    QCOMPARE(reply.attribute(u"id"_s), u"m1"_s);
    QCOMPARE(reply.attribute(u"type"_s), u"error"_s);

    // The payload is kept, the error comes last.
    const QList<XmlElement> children = reply.childElements();
    QCOMPARE(children.size(), 2);
    QCOMPARE(children.at(0), message.firstChildElement(u"body"_s));
    const XmlElement error = children.at(1);
    QCOMPARE(error.name(), u"error"_s);
    QCOMPARE(error.xmlns(), u"jabber:client"_s);
    QCOMPARE(error.attribute(u"type"_s), u"wait"_s);
    QVERIFY(error.hasChildElement(u"recipient-unavailable"_s, StanzasNs));
    QCOMPARE(error.childText(u"text"_s, StanzasNs), u"Gone to bed"_s);

    // The original is untouched.
    QCOMPARE(message, sampleMessage());

    QCOMPARE(reply.toXml(u"jabber:client"_s),
             "<message from=\"romeo@example.net\" to=\"juliet@example.com/balcony\" id=\"m1\" type=\"error\">"
             "<body>Art thou not Romeo?</body>"
             "<error type=\"wait\"><recipient-unavailable xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/>"
             "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\">Gone to bed</text></error>"
             "</message>");
}

void tst_StanzaError::errorReplyMissingAddresses_data()
{
    QTest::addColumn<QString>("from");   // null: absent
    QTest::addColumn<QString>("to");

    QTest::newRow("no from") << QString() << u"example.com"_s;
    QTest::newRow("no to") << u"juliet@example.com/balcony"_s << QString();
    QTest::newRow("neither") << QString() << QString();
}

void tst_StanzaError::errorReplyMissingAddresses()
{
    QFETCH(QString, from);
    QFETCH(QString, to);

    XmlElement presence(u"presence"_s, u"jabber:client"_s);
    if (!from.isNull())
        presence.setAttribute(u"from"_s, from);
    if (!to.isNull())
        presence.setAttribute(u"to"_s, to);

    const XmlElement reply = StanzaError::makeErrorReply(presence, StanzaError::Condition::NotAllowed);
    QCOMPARE(reply.hasAttribute(u"to"_s), !from.isNull());
    QCOMPARE(reply.hasAttribute(u"from"_s), !to.isNull());
    if (!from.isNull())
        QCOMPARE(reply.attribute(u"to"_s), from);
    if (!to.isNull())
        QCOMPARE(reply.attribute(u"from"_s), to);
    QVERIFY(!reply.hasAttribute(u"id"_s));
    QCOMPARE(reply.attribute(u"type"_s), u"error"_s);
    QCOMPARE(reply.childElements().size(), 1);
    QCOMPARE(reply.firstChildElement(u"error"_s).attribute(u"type"_s), u"cancel"_s);
}

void tst_StanzaError::errorReplyIq()
{
    XmlElement iq(u"iq"_s, u"jabber:client"_s);
    iq.setAttribute(u"id"_s, u"q7"_s);
    iq.setAttribute(u"type"_s, u"get"_s);
    iq.setAttribute(u"to"_s, u"example.com"_s);
    iq.appendChild(XmlElement(u"query"_s, u"jabber:iq:version"_s));

    const XmlElement reply = StanzaError::makeErrorReply(iq, StanzaError::Condition::FeatureNotImplemented);
    QCOMPARE(reply.attribute(u"id"_s), u"q7"_s);
    QCOMPARE(reply.attribute(u"type"_s), u"error"_s);
    QCOMPARE(reply.attribute(u"from"_s), u"example.com"_s);
    QVERIFY(!reply.hasAttribute(u"to"_s));
    QCOMPARE(reply.childElements().size(), 2);
    QCOMPARE(reply.childElements().at(0).xmlns(), u"jabber:iq:version"_s);
    QCOMPARE(reply.childElements().at(1).name(), u"error"_s);
    QVERIFY(reply.childElements().at(1).hasChildElement(u"feature-not-implemented"_s, StanzasNs));
}

void tst_StanzaError::streamConditions_data()
{
    using C = StreamError::Condition;
    QTest::addColumn<C>("condition");
    QTest::addColumn<QString>("name");

    QTest::newRow("bad-format") << C::BadFormat << u"bad-format"_s;
    QTest::newRow("bad-namespace-prefix") << C::BadNamespacePrefix << u"bad-namespace-prefix"_s;
    QTest::newRow("conflict") << C::Conflict << u"conflict"_s;
    QTest::newRow("connection-timeout") << C::ConnectionTimeout << u"connection-timeout"_s;
    QTest::newRow("host-gone") << C::HostGone << u"host-gone"_s;
    QTest::newRow("host-unknown") << C::HostUnknown << u"host-unknown"_s;
    QTest::newRow("improper-addressing") << C::ImproperAddressing << u"improper-addressing"_s;
    QTest::newRow("internal-server-error") << C::InternalServerError << u"internal-server-error"_s;
    QTest::newRow("invalid-from") << C::InvalidFrom << u"invalid-from"_s;
    QTest::newRow("invalid-namespace") << C::InvalidNamespace << u"invalid-namespace"_s;
    QTest::newRow("invalid-xml") << C::InvalidXml << u"invalid-xml"_s;
    QTest::newRow("not-authorized") << C::NotAuthorized << u"not-authorized"_s;
    QTest::newRow("not-well-formed") << C::NotWellFormed << u"not-well-formed"_s;
    QTest::newRow("policy-violation") << C::PolicyViolation << u"policy-violation"_s;
    QTest::newRow("remote-connection-failed") << C::RemoteConnectionFailed << u"remote-connection-failed"_s;
    QTest::newRow("reset") << C::Reset << u"reset"_s;
    QTest::newRow("resource-constraint") << C::ResourceConstraint << u"resource-constraint"_s;
    QTest::newRow("restricted-xml") << C::RestrictedXml << u"restricted-xml"_s;
    QTest::newRow("see-other-host") << C::SeeOtherHost << u"see-other-host"_s;
    QTest::newRow("system-shutdown") << C::SystemShutdown << u"system-shutdown"_s;
    QTest::newRow("undefined-condition") << C::UndefinedCondition << u"undefined-condition"_s;
    QTest::newRow("unsupported-encoding") << C::UnsupportedEncoding << u"unsupported-encoding"_s;
    QTest::newRow("unsupported-feature") << C::UnsupportedFeature << u"unsupported-feature"_s;
    QTest::newRow("unsupported-stanza-type") << C::UnsupportedStanzaType << u"unsupported-stanza-type"_s;
    QTest::newRow("unsupported-version") << C::UnsupportedVersion << u"unsupported-version"_s;
}

void tst_StanzaError::streamConditions()
{
    QFETCH(StreamError::Condition, condition);
    QFETCH(QString, name);
    QCOMPARE(StreamError::conditionName(condition), name);
    QCOMPARE(StreamError::conditionFromName(name), std::optional(condition));
}

void tst_StanzaError::streamConditionNamesUnique()
{
    QSet<QString> names;
    for (int i = 0; i <= int(StreamError::Condition::UnsupportedVersion); ++i)
        names.insert(StreamError::conditionName(StreamError::Condition(i)));
    QCOMPARE(names.size(), 25);
    QVERIFY(!StreamError::conditionFromName(u"bad-request"_s).has_value());
    QVERIFY(!StreamError::conditionFromName(QString()).has_value());
}

void tst_StanzaError::streamErrorXml()
{
    QCOMPARE(StreamError::streamErrorXml(StreamError::Condition::NotWellFormed),
             "<stream:error><not-well-formed xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>");
    QCOMPARE(StreamError::streamErrorXml(StreamError::Condition::HostUnknown, u"No <such> host & \"more\""_s),
             "<stream:error><host-unknown xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
             "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">No &lt;such&gt; host &amp; \"more\"</text>"
             "</stream:error>");
    // Text is UTF-8.
    QCOMPARE(StreamError::streamErrorXml(StreamError::Condition::PolicyViolation, u"zu gro\u00DF"_s),
             QByteArray("<stream:error><policy-violation xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
                        "<text xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\">zu gro\xC3\x9F</text></stream:error>"));
}

void tst_StanzaError::errorReplyParsesBack()
{
    // Serialised inside a jabber:client stream and read back, the reply is the same tree:
    // the appended <error/> is in the stanza's namespace.
    const XmlElement reply =
        StanzaError::makeErrorReply(sampleMessage(), StanzaError::Condition::ItemNotFound, u"No such item"_s);
    bool failed = true;
    const QList<XmlElement> parsed = parseInStream(reply.toXml(u"jabber:client"_s), &failed);
    QVERIFY(!failed);
    QCOMPARE(parsed.size(), 1);
    QCOMPARE(parsed.first(), reply);
}

void tst_StanzaError::streamErrorParses()
{
    const QByteArray xml = StreamError::streamErrorXml(StreamError::Condition::HostUnknown, u"a & b"_s);
    bool failed = true;
    const QList<XmlElement> parsed = parseInStream(xml, &failed);
    QVERIFY(!failed);
    QCOMPARE(parsed.size(), 1);
    const XmlElement error = parsed.first();
    QCOMPARE(error.xmlns(), u"http://etherx.jabber.org/streams"_s);
    QVERIFY(error.hasChildElement(u"host-unknown"_s, u"urn:ietf:params:xml:ns:xmpp-streams"_s));
    QCOMPARE(error.childText(u"text"_s, u"urn:ietf:params:xml:ns:xmpp-streams"_s), u"a & b"_s);
}

QTEST_GUILESS_MAIN(tst_StanzaError)
#include "tst_stanzaerror.moc"
