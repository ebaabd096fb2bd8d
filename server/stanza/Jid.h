#pragma once

#include <QHashFunctions>
#include <QString>
#include <QStringView>

// An XMPP address (RFC 7622): localpart@domainpart/resourcepart, stored prepared
// (localpart and resourcepart through stringprep's Nodeprep/Resourceprep as Prosody does,
// domainpart lowercased and through Nameprep / IDNA). An invalid Jid is null.
//
// Rules applied (RFC 7622 §3 with the stringprep profiles of RFC 6122):
// - parsing: the resourcepart starts at the first '/', the localpart ends at the first '@'
//   before it; a present but empty localpart or resourcepart, or an empty domainpart, is invalid;
// - each part is at most 1023 octets of UTF-8 once prepared;
// - code points unassigned in Unicode 3.2 are refused in every part (STRINGPREP_NO_UNASSIGNED,
//   the "stored strings" mode: addresses are stored and compared, so no later reinterpretation);
// - the domainpart loses one final dot; IP literals (127.0.0.1, [::1]) are kept as written,
//   lowercased; other domains may hold only a-z 0-9 '-' '.' '_' in ASCII, and each label must
//   pass IDNA ToASCII (1..63 octets);
// - a resourcepart made only of spaces is refused.
// Stringprep is older than PRECIS: symbols such as U+265A are accepted, and compatibility
// characters are mapped rather than refused (henry\u2163 becomes "henryiv").
class Jid
{
public:
    Jid() = default;
    // Parses and prepares; returns a null Jid if any part fails RFC 7622 rules.
    static Jid parse(QStringView text);
    // Builds from parts, preparing each; null on failure. Empty node/resource mean "absent".
    static Jid fromParts(const QString &node, const QString &domain, const QString &resource = QString());

    bool isNull() const { return m_domain.isEmpty(); }
    bool isValid() const { return !isNull(); }
    bool isBare() const { return m_resource.isEmpty(); }
    bool isFull() const { return !m_resource.isEmpty(); }
    bool isDomain() const { return m_node.isEmpty() && m_resource.isEmpty(); }

    const QString &node() const { return m_node; }
    const QString &domain() const { return m_domain; }
    const QString &resource() const { return m_resource; }

    Jid bare() const;
    // Prepares the resource; null on failure (or if this Jid is null). An empty resource gives bare().
    Jid withResource(const QString &resource) const;
    QString toString() const;                           // "node@domain/resource" as present; empty if null
    QString bareString() const;

    bool operator==(const Jid &other) const = default;

    // Individual preparation steps (null QString on failure, and for an empty input), exposed
    // for the bind feature.
    static QString prepareNode(const QString &node);
    static QString prepareDomain(const QString &domain);
    static QString prepareResource(const QString &resource);

private:
    QString m_node;
    QString m_domain;
    QString m_resource;
};

inline size_t qHash(const Jid &jid, size_t seed = 0)
{
    return qHashMulti(seed, jid.node(), jid.domain(), jid.resource());
}
