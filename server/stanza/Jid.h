#pragma once

#include <QHashFunctions>
#include <QString>
#include <QStringView>

// An XMPP address (RFC 7622): localpart@domainpart/resourcepart, stored prepared
// (localpart and resourcepart through stringprep's Nodeprep/Resourceprep as Prosody does,
// domainpart lowercased and through Nameprep / IDNA). An invalid Jid is null.
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
    Jid withResource(const QString &resource) const;   // prepares the resource; null on failure
    QString toString() const;                           // "node@domain/resource" as present
    QString bareString() const;

    bool operator==(const Jid &other) const = default;

    // Individual preparation steps (null QString on failure), exposed for the bind feature.
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
