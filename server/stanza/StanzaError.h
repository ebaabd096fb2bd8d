#pragma once

#include "xml/XmlElement.h"

#include <QString>

// Stanza errors of RFC 6120 §8.3, in the urn:ietf:params:xml:ns:xmpp-stanzas namespace.
namespace StanzaError {

enum class Type { Auth, Cancel, Continue, Modify, Wait };

enum class Condition {
    BadRequest,
    Conflict,
    FeatureNotImplemented,
    Forbidden,
    Gone,
    InternalServerError,
    ItemNotFound,
    JidMalformed,
    NotAcceptable,
    NotAllowed,
    NotAuthorized,
    PolicyViolation,
    RecipientUnavailable,
    Redirect,
    RegistrationRequired,
    RemoteServerNotFound,
    RemoteServerTimeout,
    ResourceConstraint,
    ServiceUnavailable,
    SubscriptionRequired,
    UndefinedCondition,
    UnexpectedRequest,
};

inline constexpr auto Namespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

QString conditionName(Condition condition);
QString typeName(Type type);
// The type RFC 6120 §8.3.3 recommends for the condition.
Type defaultType(Condition condition);

// <error type=...><condition/><text?/></error>
XmlElement makeErrorElement(Condition condition, const QString &text = QString());
XmlElement makeErrorElement(Condition condition, Type type, const QString &text = QString());

// The error reply to a stanza (§8.3.1): same name and id, from/to swapped, type="error",
// the original payload kept, and the error element appended.
XmlElement makeErrorReply(const XmlElement &stanza, Condition condition, const QString &text = QString());

} // namespace StanzaError
