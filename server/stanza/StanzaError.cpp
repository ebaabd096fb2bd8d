#include "stanza/StanzaError.h"

#include <QLatin1StringView>

#include <array>

namespace StanzaError {

namespace {

struct Entry
{
    Condition condition;
    QLatin1StringView name;
    Type type;   // the type RFC 6120 §8.3.3 gives with the condition
};

// RFC 6120 §8.3.3, in the order of the enumeration.
constexpr std::array<Entry, 22> Conditions = {{
    {Condition::BadRequest, QLatin1StringView("bad-request"), Type::Modify},
    {Condition::Conflict, QLatin1StringView("conflict"), Type::Cancel},
    {Condition::FeatureNotImplemented, QLatin1StringView("feature-not-implemented"), Type::Cancel},
    {Condition::Forbidden, QLatin1StringView("forbidden"), Type::Auth},
    {Condition::Gone, QLatin1StringView("gone"), Type::Cancel},
    {Condition::InternalServerError, QLatin1StringView("internal-server-error"), Type::Cancel},
    {Condition::ItemNotFound, QLatin1StringView("item-not-found"), Type::Cancel},
    {Condition::JidMalformed, QLatin1StringView("jid-malformed"), Type::Modify},
    {Condition::NotAcceptable, QLatin1StringView("not-acceptable"), Type::Modify},
    {Condition::NotAllowed, QLatin1StringView("not-allowed"), Type::Cancel},
    {Condition::NotAuthorized, QLatin1StringView("not-authorized"), Type::Auth},
    {Condition::PolicyViolation, QLatin1StringView("policy-violation"), Type::Modify},
    {Condition::RecipientUnavailable, QLatin1StringView("recipient-unavailable"), Type::Wait},
    {Condition::Redirect, QLatin1StringView("redirect"), Type::Modify},
    {Condition::RegistrationRequired, QLatin1StringView("registration-required"), Type::Auth},
    {Condition::RemoteServerNotFound, QLatin1StringView("remote-server-not-found"), Type::Cancel},
    {Condition::RemoteServerTimeout, QLatin1StringView("remote-server-timeout"), Type::Wait},
    {Condition::ResourceConstraint, QLatin1StringView("resource-constraint"), Type::Wait},
    {Condition::ServiceUnavailable, QLatin1StringView("service-unavailable"), Type::Cancel},
    {Condition::SubscriptionRequired, QLatin1StringView("subscription-required"), Type::Auth},
    {Condition::UndefinedCondition, QLatin1StringView("undefined-condition"), Type::Cancel},
    {Condition::UnexpectedRequest, QLatin1StringView("unexpected-request"), Type::Wait},
}};

constexpr std::array<std::pair<Type, QLatin1StringView>, 5> Types = {{
    {Type::Auth, QLatin1StringView("auth")},
    {Type::Cancel, QLatin1StringView("cancel")},
    {Type::Continue, QLatin1StringView("continue")},
    {Type::Modify, QLatin1StringView("modify")},
    {Type::Wait, QLatin1StringView("wait")},
}};

const Entry &entryOf(Condition condition)
{
    for (const Entry &entry : Conditions) {
        if (entry.condition == condition)
            return entry;
    }
    // Not reachable with a valid enumerator; undefined-condition is the catch-all.
    return Conditions[size_t(Condition::UndefinedCondition)];
}

QString ns()
{
    return QString(QLatin1StringView(Namespace));
}

} // namespace

QString conditionName(Condition condition)
{
    return QString(entryOf(condition).name);
}

std::optional<Condition> conditionFromName(const QString &name)
{
    for (const Entry &entry : Conditions) {
        if (name == entry.name)
            return entry.condition;
    }
    return std::nullopt;
}

QString typeName(Type type)
{
    for (const auto &[value, name] : Types) {
        if (value == type)
            return QString(name);
    }
    return QString(QLatin1StringView("cancel"));
}

std::optional<Type> typeFromName(const QString &name)
{
    for (const auto &[value, typeName] : Types) {
        if (name == typeName)
            return value;
    }
    return std::nullopt;
}

Type defaultType(Condition condition)
{
    return entryOf(condition).type;
}

XmlElement makeErrorElement(Condition condition, const QString &text)
{
    return makeErrorElement(condition, defaultType(condition), text);
}

XmlElement makeErrorElement(Condition condition, Type type, const QString &text)
{
    XmlElement error(QStringLiteral("error"));
    error.setAttribute(QStringLiteral("type"), typeName(type));
    error.appendChild(XmlElement(conditionName(condition), ns()));
    if (!text.isEmpty())
        error.appendTextElement(QStringLiteral("text"), text, ns());
    return error;
}

XmlElement makeErrorReply(const XmlElement &stanza, Condition condition, const QString &text)
{
    const QString from = QStringLiteral("from");
    const QString to = QStringLiteral("to");
    const QString oldFrom = stanza.hasAttribute(from) ? stanza.attribute(from) : QString();
    const QString oldTo = stanza.hasAttribute(to) ? stanza.attribute(to) : QString();
    const bool hadFrom = stanza.hasAttribute(from);
    const bool hadTo = stanza.hasAttribute(to);

    XmlElement reply = stanza;
    // Swap in place where both are present, so attribute order stays that of the original.
    if (hadTo)
        reply.setAttribute(from, oldTo);
    else
        reply.removeAttribute(from);
    if (hadFrom)
        reply.setAttribute(to, oldFrom);
    else
        reply.removeAttribute(to);
    reply.setAttribute(QStringLiteral("type"), QStringLiteral("error"));

    XmlElement error = makeErrorElement(condition, text);
    error.setXmlns(stanza.xmlns());
    reply.appendChild(error);
    return reply;
}

} // namespace StanzaError
