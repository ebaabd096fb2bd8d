#include "stanza/Jid.h"

#include <QByteArray>

#include <idn-free.h>
#include <idna.h>
#include <stringprep.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

// RFC 7622 §3.2-3.4: each part is at most 1023 octets once prepared and UTF-8 encoded.
constexpr qsizetype MaxPartBytes = 1023;

// Input is refused before preparation past this size. Preparation can shrink a string only by
// dropping the "mapped to nothing" code points (RFC 3454 table B.1), and nobody legitimately
// sends a part that is three quarters soft hyphens, so this bounds the work per part.
constexpr qsizetype MaxRawPartBytes = 4 * MaxPartBytes;

// Runs one stringprep profile over text. Unassigned code points (of Unicode 3.2, the version
// stringprep is defined on) are refused: STRINGPREP_NO_UNASSIGNED is the "stored strings"
// behaviour of RFC 3454 §7, the right one for a server that stores and compares addresses.
// Returns a null QString on any failure.
QString runStringprep(const QString &text, const Stringprep_profile *profile)
{
    const QByteArray utf8 = text.toUtf8();
    if (utf8.size() > MaxRawPartBytes)
        return QString();
    // stringprep works in place in a NUL-terminated buffer of the given size. Case folding and
    // NFKC may grow the string; four times the input plus some slack is ample for any real part.
    QByteArray buffer(utf8.size() * 4 + 16, '\0');
    std::copy(utf8.cbegin(), utf8.cend(), buffer.begin());
    const int rc = stringprep(buffer.data(), size_t(buffer.size()), STRINGPREP_NO_UNASSIGNED, profile);
    if (rc != STRINGPREP_OK)
        return QString();
    const qsizetype length = qstrnlen(buffer.constData(), buffer.size());
    if (length > MaxPartBytes)
        return QString();
    QString prepared = QString::fromUtf8(buffer.constData(), length);
    // An empty result (the input was only "mapped to nothing" code points) is no part at all.
    return prepared.isEmpty() ? QString() : prepared;
}

bool isIpv6Literal(const QString &domain)
{
    if (domain.size() < 3 || !domain.startsWith(u'[') || !domain.endsWith(u']'))
        return false;
    const QByteArray inner = domain.mid(1, domain.size() - 2).toLatin1();
    in6_addr address;
    return inet_pton(AF_INET6, inner.constData(), &address) == 1;
}

bool isIpv4Literal(const QString &domain)
{
    for (QChar c : domain) {
        if (!(c.isDigit() && c.unicode() < 0x80) && c != u'.')
            return false;
    }
    const QByteArray latin1 = domain.toLatin1();
    in_addr address;
    return inet_pton(AF_INET, latin1.constData(), &address) == 1;
}

} // namespace

QString Jid::prepareNode(const QString &node)
{
    if (node.isEmpty())
        return QString();
    // Nodeprep prohibits the characters RFC 7622 §3.3.1 keeps out of a localpart
    // (space " & ' / : < > @) along with the control, private-use and other tables.
    return runStringprep(node, stringprep_xmpp_nodeprep);
}

QString Jid::prepareResource(const QString &resource)
{
    if (resource.isEmpty())
        return QString();
    QString prepared = runStringprep(resource, stringprep_xmpp_resourceprep);
    // Resourceprep lets ASCII spaces through, but a resourcepart made of nothing else is
    // refused (RFC 7622 §3.6 lists "juliet@example.com/ " among the invalid addresses).
    if (!prepared.isEmpty() && std::all_of(prepared.cbegin(), prepared.cend(), [](QChar c) { return c == u' '; }))
        return QString();
    return prepared;
}

QString Jid::prepareDomain(const QString &domain)
{
    if (domain.isEmpty())
        return QString();

    // IP literals are used as they are (only lowercased, for hexadecimal IPv6 digits).
    if (isIpv6Literal(domain) || isIpv4Literal(domain))
        return domain.toLower();

    // The other label separators of IDNA (RFC 3490 §3.1) are full stops too.
    QString lowered = domain.toLower();
    for (QChar &c : lowered) {
        if (c == u'\u3002' || c == u'\uFF0E' || c == u'\uFF61')
            c = u'.';
    }
    QString prepared = runStringprep(lowered, stringprep_nameprep);
    if (prepared.isEmpty())
        return QString();

    // One final dot is not part of the domain (RFC 7622 §3.2); no label may be empty.
    if (prepared.endsWith(u'.'))
        prepared.chop(1);
    if (prepared.isEmpty() || prepared.startsWith(u'.') || prepared.endsWith(u'.') || prepared.contains(u".."_s))
        return QString();

    // Nameprep keeps the ASCII range apart from controls; a host name has only letters, digits,
    // hyphens and dots there. The underscore is let through for the service names that use it.
    for (QChar c : std::as_const(prepared)) {
        const char16_t u = c.unicode();
        if (u >= 0x80)
            continue;
        const bool ok = (u >= u'a' && u <= u'z') || (u >= u'0' && u <= u'9') || u == u'-' || u == u'.' || u == u'_';
        if (!ok)
            return QString();
    }

    // The IDNA conversion checks each label: none empty, none over 63 octets in ASCII form.
    char *ascii = nullptr;
    const QByteArray utf8 = prepared.toUtf8();
    const int rc = idna_to_ascii_8z(utf8.constData(), &ascii, 0);
    if (ascii)
        idn_free(ascii);
    if (rc != IDNA_SUCCESS)
        return QString();

    return prepared;
}

Jid Jid::parse(QStringView text)
{
    // RFC 7622 §3.1: the resourcepart starts at the first '/', and the localpart ends at the
    // first '@' before it; what lies between is the domainpart.
    const qsizetype slash = text.indexOf(u'/');
    const QStringView beforeResource = slash < 0 ? text : text.left(slash);
    const qsizetype at = beforeResource.indexOf(u'@');

    Jid jid;
    if (at >= 0) {
        const QStringView node = beforeResource.left(at);
        if (node.isEmpty())
            return Jid();
        jid.m_node = prepareNode(node.toString());
        if (jid.m_node.isEmpty())
            return Jid();
    }

    const QStringView domain = at >= 0 ? beforeResource.mid(at + 1) : beforeResource;
    jid.m_domain = prepareDomain(domain.toString());
    if (jid.m_domain.isEmpty())
        return Jid();

    if (slash >= 0) {
        const QStringView resource = text.mid(slash + 1);
        if (resource.isEmpty())
            return Jid();
        jid.m_resource = prepareResource(resource.toString());
        if (jid.m_resource.isEmpty())
            return Jid();
    }
    return jid;
}

Jid Jid::fromParts(const QString &node, const QString &domain, const QString &resource)
{
    Jid jid;
    if (!node.isEmpty()) {
        jid.m_node = prepareNode(node);
        if (jid.m_node.isEmpty())
            return Jid();
    }
    jid.m_domain = prepareDomain(domain);
    if (jid.m_domain.isEmpty())
        return Jid();
    if (!resource.isEmpty()) {
        jid.m_resource = prepareResource(resource);
        if (jid.m_resource.isEmpty())
            return Jid();
    }
    return jid;
}

Jid Jid::bare() const
{
    Jid jid;
    jid.m_node = m_node;
    jid.m_domain = m_domain;
    return jid;
}

Jid Jid::withResource(const QString &resource) const
{
    if (isNull())
        return Jid();
    Jid jid = bare();
    if (resource.isEmpty())
        return jid;
    jid.m_resource = prepareResource(resource);
    if (jid.m_resource.isEmpty())
        return Jid();
    return jid;
}

QString Jid::bareString() const
{
    if (isNull())
        return QString();
    if (m_node.isEmpty())
        return m_domain;
    return m_node + u'@' + m_domain;
}

QString Jid::toString() const
{
    QString result = bareString();
    if (!m_resource.isEmpty()) {
        result += u'/';
        result += m_resource;
    }
    return result;
}
