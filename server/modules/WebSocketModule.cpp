#include "modules/WebSocketModule.h"

#include "c2s/WebSocketEndpoint.h"
#include "host/ModuleHost.h"
#include "http/HttpsListener.h"
#include "xml/XmlElement.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QWebSocket>

using namespace Qt::StringLiterals;

namespace {
const QString AltConnectionRel = u"urn:xmpp:alt-connections:websocket"_s;
}

WebSocketModule::WebSocketModule(const C2SContext *context, HttpsListener *https)
    : m_context(context)
    , m_https(https)
{
}

QString WebSocketModule::webSocketUrl(const QString &httpsUrl)
{
    if (httpsUrl.startsWith(u"https:"_s))
        return u"wss:"_s + httpsUrl.sliced(6);
    if (httpsUrl.startsWith(u"http:"_s))
        return u"ws:"_s + httpsUrl.sliced(5);
    return httpsUrl;
}

QByteArray WebSocketModule::hostMetaXrd(const QString &url)
{
    return "<?xml version='1.0' encoding='utf-8'?>\n"
           "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n"
           "  <Link rel='" + xmlEscape(AltConnectionRel) + "' href='" + xmlEscape(url) + "'/>\n"
           "</XRD>\n";
}

QByteArray WebSocketModule::hostMetaJson(const QString &url)
{
    const QJsonObject link{{u"rel"_s, AltConnectionRel}, {u"href"_s, url}};
    return QJsonDocument(QJsonObject{{u"links"_s, QJsonArray{link}}}).toJson(QJsonDocument::Compact);
}

ModuleOptions WebSocketModule::options()
{
    ModuleOptions options;
    options.append({u"websocket"_s, ModuleOption::Type::Boolean, 0, 0, {}});
    return options;
}

void WebSocketModule::load(ModuleHost &host)
{
    if (!m_https || !m_context || !host.optionBool(u"websocket"_s, true))
        return;
    const C2SContext *context = m_context;
    m_https->setWebSocketHandler([context](std::unique_ptr<QWebSocket> socket) {
        WebSocketEndpoint::accept(context, std::move(socket));
    });
    m_https->setWebSocketSubprotocols({QString(WebSocketEndpoint::Subprotocol)});

    // XEP-0156 §3: web clients fetch these from another origin, hence the CORS header.
    HttpsListener *https = m_https;
    m_https->addRoute(QHttpServerRequest::Method::Get, u"/\\.well-known/host-meta"_s,
                      [https](const QHttpServerRequest &, QHttpServerResponder &responder, const QRegularExpressionMatch &) {
                          responder.write(hostMetaXrd(webSocketUrl(https->url(WebSocketEndpoint::Path))),
                                          {{"Content-Type", "application/xrd+xml"}, {"Access-Control-Allow-Origin", "*"}});
                      });
    m_https->addRoute(QHttpServerRequest::Method::Get, u"/\\.well-known/host-meta\\.json"_s,
                      [https](const QHttpServerRequest &, QHttpServerResponder &responder, const QRegularExpressionMatch &) {
                          responder.write(hostMetaJson(webSocketUrl(https->url(WebSocketEndpoint::Path))),
                                          {{"Content-Type", "application/json"}, {"Access-Control-Allow-Origin", "*"}});
                      });
}
