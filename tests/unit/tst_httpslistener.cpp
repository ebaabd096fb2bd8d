// The HTTPS listener: TLS with the server's certificate, routes by method and path, 404/405,
// and nothing listening until asked (http/HttpsListener).
#include "http/HttpsListener.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

class tst_HttpsListener : public QObject
{
    Q_OBJECT

    struct Reply
    {
        int status = 0;
        QByteArray body;
        QSslCertificate peer;
    };

    Reply request(const QByteArray &verb, quint16 port, const QString &path)
    {
        QNetworkAccessManager nam;
        QNetworkRequest req(QUrl(u"https://127.0.0.1:%1%2"_s.arg(port).arg(path)));
        QNetworkReply *reply = nam.sendCustomRequest(req, verb);
        connect(reply, &QNetworkReply::sslErrors, reply, [reply] { reply->ignoreSslErrors(); });
        QSignalSpy finished(reply, &QNetworkReply::finished);
        if (!finished.wait(10000))
            return Reply();
        Reply r;
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        r.body = reply->readAll();
        r.peer = reply->sslConfiguration().peerCertificate();
        reply->deleteLater();
        return r;
    }

private Q_SLOTS:
    void routesOverTlsWithTheServerCertificate()
    {
        QTemporaryDir dir;
        QString error;
        const CertificateStore::Identity identity = CertificateStore::loadOrGenerate(dir.path(), u"localhost"_s, &error);
        QVERIFY2(identity.isValid(), qPrintable(error));

        HttpsListener https;
        QVERIFY(!https.wanted());
        https.addRoute(QHttpServerRequest::Method::Get, u"/hello/([a-z]+)"_s,
                       [](const QHttpServerRequest &, QHttpServerResponder &responder, const QRegularExpressionMatch &m) {
                           responder.write((u"hi "_s + m.captured(1)).toUtf8(), "text/plain");
                       });
        QVERIFY(https.wanted());
        https.setUrlBase(QString(), u"localhost"_s);
        QVERIFY2(https.listen(QHostAddress::LocalHost, 0, identity, &error), qPrintable(error));
        QVERIFY(https.serverPort() != 0);
        QCOMPARE(https.url(u"/x"_s), u"https://localhost:%1/x"_s.arg(https.serverPort()));

        const Reply ok = request("GET", https.serverPort(), u"/hello/alice"_s);
        QCOMPARE(ok.status, 200);
        QCOMPARE(ok.body, QByteArray("hi alice"));
        QCOMPARE(ok.peer, identity.certificate);
        QCOMPARE(request("PUT", https.serverPort(), u"/hello/alice"_s).status, 405);
        QCOMPARE(request("GET", https.serverPort(), u"/hello/Alice"_s).status, 404);   // anchored pattern
        QCOMPARE(request("GET", https.serverPort(), u"/hello/alice/more"_s).status, 404);
    }

    void configuredBaseWins()
    {
        HttpsListener https;
        https.setUrlBase(u"https://files.example.org/x/"_s, u"example.org"_s);
        QCOMPARE(https.url(u"/upload/a"_s), u"https://files.example.org/x/upload/a"_s);
    }
};

QTEST_MAIN(tst_HttpsListener)
#include "tst_httpslistener.moc"
