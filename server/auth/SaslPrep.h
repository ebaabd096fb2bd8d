#pragma once

#include <QByteArray>
#include <QString>
#include <optional>

// String preparation for SASL (RFC 4013 SASLprep) and for the username-as-node (XMPP Nodeprep,
// RFC 3920 appendix A), both in query mode (unassigned code points allowed), through libidn.
namespace Sasl {

// Strict UTF-8 decoding of what a client sent: nullopt on malformed UTF-8 or an embedded NUL.
std::optional<QString> decodeUtf8(const QByteArray &utf8);

// RFC 4013. nullopt for a prohibited character (controls, non-characters, ...), a bidi rule
// violation, or a string that is not well-formed UTF-16. The result may be empty ("\u00AD").
std::optional<QString> saslPrep(const QString &input);

// XMPP Nodeprep. nullopt on failure, for an empty result, or for more than 1023 UTF-8 bytes.
std::optional<QString> nodePrep(const QString &input);

// What the account store keys accounts by: SASLprep, then Nodeprep, of the name a client gave.
std::optional<QString> prepareUsername(const QString &input);

} // namespace Sasl
