#pragma once

#include <QByteArray>

// The XMPP subprotocol for WebSocket (RFC 7395) as a translation to and from the stream the
// rest of the server speaks (RFC 6120 §4). Each WebSocket message carries one complete element;
// the stream header and end become the framing's own elements:
//   <open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='…' version='1.0'/>  ⇄  <stream:stream …>
//   <close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>                       ⇄  </stream:stream>
// and elements of the stream namespace (features, errors) declare it themselves (§3.3.3).
// Everything else passes unchanged: the stream parser judges it as it judges TCP input.
namespace WebSocketFraming {

inline constexpr char Namespace[] = "urn:ietf:params:xml:ns:xmpp-framing";

// A received message as stream input: <open/> as a stream header (in jabber:client, with the
// stream prefix bound), <close/> as the stream's end, whitespace alone as nothing.
QByteArray toStream(const QByteArray &message);

// One write of the stream layer (one top-level element, or the header, or the end) as the
// text of one message.
QByteArray toMessage(const QByteArray &streamBytes);

} // namespace WebSocketFraming
