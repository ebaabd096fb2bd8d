#pragma once

// An independent judge for what our serialiser writes: libexpat in namespace mode. The bytes
// must be namespace-well-formed XML (Namespaces in XML 1.0) and mean the same elements as our
// tree: names, namespaces, attributes by {namespace, local name} and text, in order.

#include "xml/XmlElement.h"

#include <QByteArray>
#include <QList>
#include <QString>

namespace ExpatJudge {

// Parses content (complete elements, text between them ignored) in a stream root whose default
// namespace is defaultNamespace; gives the top-level elements in canonical form. On an expat
// error returns false with the error and its position in *error.
bool parse(const QByteArray &content, const QString &defaultNamespace, QList<XmlElement> *elements,
           QString *error);

// Our tree in the same canonical form: every element with its resolved namespace (an element in
// no namespace marked so), prefixes and namespace declarations dropped, attributes named
// "{uri}local" (plain "local" in no namespace). An unbound attribute prefix makes *error.
XmlElement canonical(const XmlElement &element, const QString &defaultNamespace, QString *error);

// Serialises element with toXml(defaultNamespace), parses that with expat and compares; on a
// difference returns false with both sides described in *why.
bool check(const XmlElement &element, const QString &defaultNamespace, QString *why);

} // namespace ExpatJudge
