#pragma once

#include <QByteArray>
#include <QString>
#include <optional>

// Stream error conditions of RFC 6120 §4.9.3, in the urn:ietf:params:xml:ns:xmpp-streams namespace.
namespace StreamError {

enum class Condition {
    BadFormat,
    BadNamespacePrefix,
    Conflict,
    ConnectionTimeout,
    HostGone,
    HostUnknown,
    ImproperAddressing,
    InternalServerError,
    InvalidFrom,
    InvalidNamespace,
    InvalidXml,
    NotAuthorized,
    NotWellFormed,
    PolicyViolation,
    RemoteConnectionFailed,
    Reset,
    ResourceConstraint,
    RestrictedXml,
    SeeOtherHost,
    SystemShutdown,
    UndefinedCondition,
    UnsupportedEncoding,
    UnsupportedFeature,
    UnsupportedStanzaType,
    UnsupportedVersion,
};

inline constexpr auto Namespace = "urn:ietf:params:xml:ns:xmpp-streams";

// The element name of the condition, e.g. "not-well-formed".
QString conditionName(Condition condition);
std::optional<Condition> conditionFromName(const QString &name);

// The serialised <stream:error> element, ready to write on the stream (whose root element
// declares the "stream" prefix), e.g. for NotWellFormed and "oops":
// <stream:error><not-well-formed xmlns="urn:ietf:params:xml:ns:xmpp-streams"/>
// <text xmlns="urn:ietf:params:xml:ns:xmpp-streams">oops</text></stream:error>
// (without the line break). The <text/> child only when text is not empty; the children are
// written by XmlElement::toXml, with its quoting and escaping.
QByteArray streamErrorXml(Condition condition, const QString &text = QString());

} // namespace StreamError
