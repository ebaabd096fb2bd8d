// RFC 7395 framing as a translation of the stream: <open/> and <close/> to and from the
// stream header and end, the stream namespace declared on its own elements, everything else
// unchanged; and the WebSocket transport over a real loopback WebSocket: one message per
// write, messages read one at a time with their ends marked.
#include "net/WebSocketFraming.h"
#include "net/WebSocketTransport.h"
#include "xml/XmlStreamParser.h"

#include <QHostAddress>
#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <QWebSocketServer>

using namespace Qt::StringLiterals;

namespace {
class Recorder final : public Transport::Handler
{
public:
    int readyReads = 0;
    int disconnects = 0;
    void connectionReadyRead() override { ++readyReads; }
    void connectionEncrypted() override {}
    void connectionDisconnected() override { ++disconnects; }
};

// What the stream parser makes of translated messages.
class ParseLog final : public XmlStreamParser::Handler
{
public:
    QStringList events;
    void streamOpened(const XmlElement &header, const QString &ns) override
    {
        events << u"open %1 %2 to=%3 version=%4"_s.arg(header.xmlns(), ns, header.attribute(u"to"_s),
                                                      header.attribute(u"version"_s));
    }
    void elementReceived(const XmlElement &element) override { events << u"element "_s + element.name(); }
    void streamClosed() override { events << u"close"_s; }
    void streamFailed(XmlStreamParser::Error, const QString &) override { events << u"failed"_s; }
};
} // namespace

class tst_WebSocketFraming : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void toStream_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<QByteArray>("stream");
        QTest::newRow("open") << QByteArray("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>")
                              << QByteArray("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                                            "to='example.com' version='1.0'>");
        QTest::newRow("open with lang, quotes") << QByteArray("<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"a&amp;b\" xml:lang=\"de\" version=\"1.0\" />")
                              << QByteArray("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                                            "to='a&amp;b' version='1.0' xml:lang='de'>");
        QTest::newRow("close") << QByteArray("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>") << QByteArray("</stream:stream>");
        QTest::newRow("stanza unchanged") << QByteArray("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>")
                                          << QByteArray("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>");
        QTest::newRow("whitespace") << QByteArray(" \r\n ") << QByteArray();
        // Not the framing's: left to the stream parser, which refuses it.
        QTest::newRow("open, wrong namespace") << QByteArray("<open xmlns='jabber:client' to='x'/>") << QByteArray("<open xmlns='jabber:client' to='x'/>");
        QTest::newRow("open, not empty") << QByteArray("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'><x/></open>")
                                         << QByteArray("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'><x/></open>");
        QTest::newRow("open, broken") << QByteArray("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'") << QByteArray("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'");
    }
    void toStream()
    {
        QFETCH(QByteArray, message);
        QFETCH(QByteArray, stream);
        QCOMPARE(WebSocketFraming::toStream(message), stream);
    }

    void toMessage_data()
    {
        QTest::addColumn<QByteArray>("stream");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("header") << QByteArray("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                                              "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='example.com' "
                                              "id='7-ab' to='u@example.com' xml:lang='en'>")
                                << QByteArray("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='example.com' "
                                              "to='u@example.com' id='7-ab' version='1.0' xml:lang='en'/>");
        QTest::newRow("end") << QByteArray("</stream:stream>") << QByteArray("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
        QTest::newRow("features") << QByteArray("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>")
                                  << QByteArray("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
                                                "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
        QTest::newRow("empty features") << QByteArray("<stream:features/>")
                                        << QByteArray("<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>");
        QTest::newRow("error") << QByteArray("<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")
                               << QByteArray("<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
                                             "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
        QTest::newRow("already declared") << QByteArray("<stream:error xmlns:stream='http://etherx.jabber.org/streams'/>")
                                          << QByteArray("<stream:error xmlns:stream='http://etherx.jabber.org/streams'/>");
        // Stanzas name the stream's default namespace themselves (clients ignore them otherwise).
        QTest::newRow("stanza") << QByteArray("<message to='a@b'><body>&lt;stream:x&gt;</body></message>")
                                << QByteArray("<message xmlns='jabber:client' to='a@b'><body>&lt;stream:x&gt;</body></message>");
        QTest::newRow("empty stanza") << QByteArray("<presence/>") << QByteArray("<presence xmlns='jabber:client'/>");
        QTest::newRow("attribute value mentions xmlns") << QByteArray("<iq id=\"xmlns='x'\" type='get'/>")
                                                       << QByteArray("<iq xmlns='jabber:client' id=\"xmlns='x'\" type='get'/>");
        QTest::newRow("own namespace") << QByteArray("<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">eA==</success>")
                                       << QByteArray("<success xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">eA==</success>");
        QTest::newRow("sm element") << QByteArray("<r xmlns='urn:xmpp:sm:3'/>") << QByteArray("<r xmlns='urn:xmpp:sm:3'/>");
    }
    void toMessage()
    {
        QFETCH(QByteArray, stream);
        QFETCH(QByteArray, message);
        QCOMPARE(WebSocketFraming::toMessage(stream), message);
    }

    // The translated messages are a stream the ordinary parser accepts, restarts included.
    void parsesAsStream()
    {
        ParseLog log;
        XmlStreamParser parser(&log);
        const QByteArray open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>";
        parser.feed(WebSocketFraming::toStream(open));
        QVERIFY(parser.isBetweenElements());
        parser.feed(WebSocketFraming::toStream("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>"));
        QVERIFY(parser.isBetweenElements());
        parser.requestReset();   // SASL success: the client opens anew
        parser.feed(WebSocketFraming::toStream(open));
        parser.feed(WebSocketFraming::toStream("<iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>"));
        // A message cut inside an element: the parser waits, and the framing check sees it.
        parser.feed(WebSocketFraming::toStream("<message><body>half"));
        QVERIFY(!parser.isBetweenElements());
        parser.feed(WebSocketFraming::toStream("</body></message>"));
        QVERIFY(parser.isBetweenElements());
        parser.feed(WebSocketFraming::toStream("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"));
        const QStringList expected = {
            u"open jabber:client http://etherx.jabber.org/streams to=example.com version=1.0"_s,
            u"element auth"_s,
            u"open jabber:client http://etherx.jabber.org/streams to=example.com version=1.0"_s,
            u"element iq"_s,
            u"element message"_s,
            u"close"_s,
        };
        QCOMPARE(log.events, expected);
    }

    // Over a real loopback WebSocket: messages in, one by one with their ends; writes out as
    // one message each, translated; the peer's close reported once.
    void transportOverLoopback()
    {
        QWebSocketServer server(u"test"_s, QWebSocketServer::NonSecureMode);
        server.setSupportedSubprotocols({u"xmpp"_s});
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QWebSocket client;
        QStringList received;
        connect(&client, &QWebSocket::textMessageReceived, this, [&](const QString &m) { received << m; });
        QWebSocketHandshakeOptions options;
        options.setSubprotocols({u"xmpp"_s});
        client.open(QUrl(u"ws://127.0.0.1:%1/xmpp-websocket"_s.arg(server.serverPort())), options);
        QTRY_VERIFY_WITH_TIMEOUT(server.hasPendingConnections(), 5000);
        QWebSocket *accepted = server.nextPendingConnection();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 5000);
        QCOMPARE(client.subprotocol(), u"xmpp"_s);

        auto *transport = new WebSocketTransport(accepted, 1024);
        Recorder recorder;
        transport->setHandler(&recorder);
        QCOMPARE(transport->kind(), Transport::Kind::WebSocket);
        QVERIFY(transport->isEncrypted());

        client.sendTextMessage(u"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>"_s);
        client.sendTextMessage(u"<presence/>"_s);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.readyReads > 0 && transport->bytesAvailable() == 127, 5000);
        // Bounded reads stop at a message's end, and say so.
        QByteArray header = transport->read(40);
        QVERIFY(!transport->lastReadEndedMessage());
        header += transport->read(1000);
        QVERIFY(transport->lastReadEndedMessage());
        QVERIFY(header.startsWith("<stream:stream xmlns='jabber:client'"));
        QCOMPARE(transport->read(1000), QByteArray("<presence/>"));
        QVERIFY(transport->lastReadEndedMessage());
        QCOMPARE(transport->bytesAvailable(), 0);

        // Reading off: input waits without calls; on again: the handler is called for it.
        transport->setReadEnabled(false);
        const int calls = recorder.readyReads;
        client.sendTextMessage(u"<iq type='get' id='a'/>"_s);
        QTRY_COMPARE_WITH_TIMEOUT(transport->bytesAvailable(), 23, 5000);
        QTest::qWait(50);
        QCOMPARE(recorder.readyReads, calls);
        transport->setReadEnabled(true);
        QTRY_VERIFY_WITH_TIMEOUT(recorder.readyReads > calls, 5000);
        QCOMPARE(transport->read(1000), QByteArray("<iq type='get' id='a'/>"));

        transport->write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                         "version='1.0' from='example.com' id='1-x' xml:lang='en'>");
        transport->write("<stream:features/>");
        transport->write("<message><body>one</body></message>");
        transport->write("</stream:stream>");
        QTRY_COMPARE_WITH_TIMEOUT(received.size(), 4, 5000);
        QCOMPARE(received.at(0), u"<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='example.com' id='1-x' version='1.0' xml:lang='en'/>"_s);
        QCOMPARE(received.at(1), u"<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>"_s);
        QCOMPARE(received.at(2), u"<message xmlns='jabber:client'><body>one</body></message>"_s);
        QCOMPARE(received.at(3), u"<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>"_s);

        // More unread input than allowed: the transport gives up on the client.
        transport->setReadEnabled(false);
        client.sendTextMessage(QString(2000, u'x'));
        QTRY_COMPARE_WITH_TIMEOUT(recorder.disconnects, 1, 5000);
        QVERIFY(!transport->isOpen());
        transport->setHandler(nullptr);
        QPointer<WebSocketTransport> alive(transport);
        transport->closeGracefully(1000);
        QTRY_VERIFY_WITH_TIMEOUT(!alive, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 5000);
    }

    // The peer closing is reported once; a graceful close from our side sends the WebSocket
    // close and the object goes away.
    void peerCloseAndGracefulClose()
    {
        QWebSocketServer server(u"test"_s, QWebSocketServer::NonSecureMode);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        for (int round = 0; round < 2; ++round) {
            QWebSocket client;
            client.open(QUrl(u"ws://127.0.0.1:%1/"_s.arg(server.serverPort())));
            QTRY_VERIFY_WITH_TIMEOUT(server.hasPendingConnections(), 5000);
            auto *transport = new WebSocketTransport(server.nextPendingConnection(), 1024);
            QPointer<WebSocketTransport> alive(transport);
            Recorder recorder;
            transport->setHandler(&recorder);
            QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::ConnectedState, 5000);
            if (round == 0) {
                client.close();
                QTRY_COMPARE_WITH_TIMEOUT(recorder.disconnects, 1, 5000);
                transport->closeGracefully(1000);
            } else {
                QSignalSpy closed(&client, &QWebSocket::disconnected);
                transport->closeGracefully(5000);
                QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
                QCOMPARE(client.closeCode(), QWebSocketProtocol::CloseCodeNormal);
                QCOMPARE(recorder.disconnects, 0);
            }
            QTRY_VERIFY_WITH_TIMEOUT(!alive, 5000);
        }
    }
};

QTEST_GUILESS_MAIN(tst_WebSocketFraming)
#include "tst_websocketframing.moc"
