#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"

#include <QByteArray>
#include <QString>

class HttpsListener;
struct C2SContext;

// XMPP over WebSocket (RFC 7395) on the HTTPS listener, and its discovery (XEP-0156):
//  - WebSocket upgrades at /xmpp-websocket with the "xmpp" subprotocol become client sessions
//    (c2s/WebSocketEndpoint); without the subprotocol the listener answers 501;
//  - GET /.well-known/host-meta (XRD, RFC 6415) and /.well-known/host-meta.json (JRD) name the
//    endpoint as the urn:xmpp:alt-connections:websocket link, readable from any web origin.
class WebSocketModule final : public Module
{
public:
    WebSocketModule(const C2SContext *context, HttpsListener *https);
    void load(ModuleHost &host) override;
    // websocket (default true): serve /xmpp-websocket and host-meta; false leaves the HTTPS
    // listener to the other modules (it does not listen if none uses it).
    static ModuleOptions options();

    // XEP-0156 §3: the two documents for one endpoint URL (wss://…/xmpp-websocket).
    static QByteArray hostMetaXrd(const QString &webSocketUrl);
    static QByteArray hostMetaJson(const QString &webSocketUrl);
    // The endpoint's URL from the listener's base URL (https → wss, http → ws).
    static QString webSocketUrl(const QString &httpsUrl);

private:
    const C2SContext *m_context;
    HttpsListener *m_https;
};
