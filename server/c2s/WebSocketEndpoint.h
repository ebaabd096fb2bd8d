#pragma once

#include <QLatin1StringView>
#include <memory>

struct C2SContext;
class QWebSocket;

// XMPP over WebSocket (RFC 7395): a WebSocket upgraded by the HTTPS listener at
// /xmpp-websocket with the "xmpp" subprotocol becomes a client session exactly as a TCP
// connection does (same admission limits, stream state machine, SASL, bind, modules); only
// its transport differs (net/WebSocketTransport).
namespace WebSocketEndpoint {

inline constexpr QLatin1StringView Path{"/xmpp-websocket"};
inline constexpr QLatin1StringView Subprotocol{"xmpp"};

// Takes an upgraded WebSocket: a session, or a refusal (a stream error in the framing when a
// connection limit is reached, a WebSocket close when it is not for this endpoint).
void accept(const C2SContext *context, std::unique_ptr<QWebSocket> socket);

} // namespace WebSocketEndpoint
