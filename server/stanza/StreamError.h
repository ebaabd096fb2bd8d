#pragma once

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

} // namespace StreamError
