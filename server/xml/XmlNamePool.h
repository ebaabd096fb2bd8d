#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

// Element and attribute names, prefixes and namespace URIs, shared by every parser of a thread:
// a stanza carries references to these implicitly shared strings instead of its own copies, and
// a parser keeps no table of its own (RFC 6120 streams repeat a few dozen names). The pool is
// bounded (entries and entry length), so hostile names cost at most its cap; past it, callers
// get unshared copies, which are equally correct.
namespace XmlNamePool {

// The string for these UTF-8 bytes (valid UTF-8, as the tokenizer guarantees).
QString string(QByteArrayView utf8);
// The same bytes as a shared QByteArray, for comparing raw names without decoding them.
QByteArray bytes(QByteArrayView utf8);

} // namespace XmlNamePool
