#include "stanza/StreamError.h"

#include "xml/XmlElement.h"

#include <QLatin1StringView>

#include <array>
#include <utility>

namespace StreamError {

namespace {

using Entry = std::pair<Condition, QLatin1StringView>;

// RFC 6120 §4.9.3, in the order of the enumeration.
constexpr std::array<Entry, 25> Conditions = {{
    {Condition::BadFormat, QLatin1StringView("bad-format")},
    {Condition::BadNamespacePrefix, QLatin1StringView("bad-namespace-prefix")},
    {Condition::Conflict, QLatin1StringView("conflict")},
    {Condition::ConnectionTimeout, QLatin1StringView("connection-timeout")},
    {Condition::HostGone, QLatin1StringView("host-gone")},
    {Condition::HostUnknown, QLatin1StringView("host-unknown")},
    {Condition::ImproperAddressing, QLatin1StringView("improper-addressing")},
    {Condition::InternalServerError, QLatin1StringView("internal-server-error")},
    {Condition::InvalidFrom, QLatin1StringView("invalid-from")},
    {Condition::InvalidNamespace, QLatin1StringView("invalid-namespace")},
    {Condition::InvalidXml, QLatin1StringView("invalid-xml")},
    {Condition::NotAuthorized, QLatin1StringView("not-authorized")},
    {Condition::NotWellFormed, QLatin1StringView("not-well-formed")},
    {Condition::PolicyViolation, QLatin1StringView("policy-violation")},
    {Condition::RemoteConnectionFailed, QLatin1StringView("remote-connection-failed")},
    {Condition::Reset, QLatin1StringView("reset")},
    {Condition::ResourceConstraint, QLatin1StringView("resource-constraint")},
    {Condition::RestrictedXml, QLatin1StringView("restricted-xml")},
    {Condition::SeeOtherHost, QLatin1StringView("see-other-host")},
    {Condition::SystemShutdown, QLatin1StringView("system-shutdown")},
    {Condition::UndefinedCondition, QLatin1StringView("undefined-condition")},
    {Condition::UnsupportedEncoding, QLatin1StringView("unsupported-encoding")},
    {Condition::UnsupportedFeature, QLatin1StringView("unsupported-feature")},
    {Condition::UnsupportedStanzaType, QLatin1StringView("unsupported-stanza-type")},
    {Condition::UnsupportedVersion, QLatin1StringView("unsupported-version")},
}};

} // namespace

QString conditionName(Condition condition)
{
    for (const auto &[value, name] : Conditions) {
        if (value == condition)
            return QString(name);
    }
    return QString(QLatin1StringView("undefined-condition"));
}

std::optional<Condition> conditionFromName(const QString &name)
{
    for (const auto &[value, conditionName] : Conditions) {
        if (name == conditionName)
            return value;
    }
    return std::nullopt;
}

QByteArray streamErrorXml(Condition condition, const QString &text)
{
    // The children are serialised by the element tree, so quoting and escaping are those of
    // every other element written on the stream; only the prefixed wrapper is written here.
    const QString ns(QLatin1StringView{Namespace});
    QByteArray out("<stream:error>");
    out += XmlElement(conditionName(condition), ns).toXml();
    if (!text.isEmpty()) {
        XmlElement textElement(QStringLiteral("text"), ns);
        textElement.appendText(text);
        out += textElement.toXml();
    }
    out += "</stream:error>";
    return out;
}

} // namespace StreamError
