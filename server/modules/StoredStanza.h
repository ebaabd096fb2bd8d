#pragma once

#include "xml/XmlElement.h"

#include <QString>

// Stanzas kept in the database (offline messages, subscription requests) as text and back.
namespace StoredStanza {

// Serialised in the jabber:client namespace (no xmlns on the root, as on the wire).
QString toText(const XmlElement &stanza);
// Parses one stanza written by toText(); a null element if it is not well-formed.
XmlElement fromText(const QString &text);

} // namespace StoredStanza
