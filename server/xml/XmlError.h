#pragma once

// Why the XML layer refused a stream. The layer above maps each to its RFC 6120 §4.9.3 stream
// error (the names are chosen to match); the XML layer itself knows nothing of XMPP errors.
enum class XmlError {
    NotWellFormed,       // XML 1.0 or Namespaces in XML 1.0 broken (§4.9.3.13)
    RestrictedXml,       // DTD, comment, processing instruction (§11.1, §4.9.3.18)
    InvalidNamespace,    // the root is not <stream> in the streams namespace (§4.9.3.10)
    BadNamespacePrefix,  // a prefix used but never declared (§4.9.3.2)
    BadFormat,           // well-formed but not an XMPP stream, e.g. text between stanzas (§4.9.3.1)
    PolicyViolation,     // a size, depth or attribute limit (§4.9.3.15)
    UnsupportedEncoding, // not UTF-8 (§11.6, §4.9.3.22)
};
