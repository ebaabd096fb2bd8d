#pragma once

#include "xml/XmlElement.h"

#include <QString>
#include <optional>

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
std::optional<Condition> conditionFromName(const QString &name);
QString typeName(Type type);
std::optional<Type> typeFromName(const QString &name);
// The type RFC 6120 §8.3.3 recommends for the condition.
Type defaultType(Condition condition);

// <error type=...><condition/><text?/></error>. The <error/> element has no namespace of its own
// (xmlns() empty): it belongs to the stanza it is put in. The <text/> child only if text is not empty.
XmlElement makeErrorElement(Condition condition, const QString &text = QString());
XmlElement makeErrorElement(Condition condition, Type type, const QString &text = QString());

// The error reply to a stanza (§8.3.1): same name and id, from/to swapped, type="error",
// the original payload kept, and the error element appended. A from or to absent from the
// original stays absent in the reply. The appended <error/> takes the stanza's namespace, so it
// serialises without an xmlns of its own and compares equal to a parsed reply.
XmlElement makeErrorReply(const XmlElement &stanza, Condition condition, const QString &text = QString());

} // namespace StanzaError
