#include "XmlConsoleBuffer.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;

XmlConsoleBuffer::XmlConsoleBuffer(int capacity)
    : m_capacity(qMax(1, capacity))
{
    m_entries.reserve(m_capacity);
}

QString XmlConsoleBuffer::redact(const QString &xml)
{
    // The SASL elements that carry credentials or proofs, with or without a prefix, closed in
    // this chunk or cut off by its end.
    static const QRegularExpression closed(
        u"(<((?:[\\w.-]+:)?(?:auth|response|challenge|success))(?:\\s[^>]*)?>)([^<]+)(</\\2\\s*>)"_s);
    static const QRegularExpression unterminated(
        u"(<(?:[\\w.-]+:)?(?:auth|response|challenge|success)(?:\\s[^>]*)?>)([^<]+)$"_s);
    QString result = xml;
    result.replace(closed, u"\\1[redacted]\\4"_s);
    result.replace(unterminated, u"\\1[redacted]"_s);
    return result;
}

bool XmlConsoleBuffer::append(bool incoming, const QByteArray &data, const QDateTime &time)
{
    Entry entry;
    entry.time = time;
    entry.incoming = incoming;
    // One line per entry: line breaks between elements carry no meaning in XMPP.
    QString text = redact(QString::fromUtf8(data));
    text.replace(u'\r', u' ');
    text.replace(u'\n', u' ');
    entry.text = text.trimmed();
    if (entry.text.isEmpty())
        return false;   // whitespace keepalives
    if (m_entries.size() < m_capacity) {
        m_entries.append(std::move(entry));
    } else {
        m_entries[m_next] = std::move(entry);
        m_next = (m_next + 1) % m_capacity;
    }
    return true;
}

void XmlConsoleBuffer::clear()
{
    m_entries.clear();
    m_next = 0;
}

QList<XmlConsoleBuffer::Entry> XmlConsoleBuffer::entries() const
{
    if (m_entries.size() < m_capacity || m_next == 0)
        return m_entries;
    return m_entries.mid(m_next) + m_entries.mid(0, m_next);
}

const XmlConsoleBuffer::Entry &XmlConsoleBuffer::last() const
{
    if (m_entries.size() < m_capacity || m_next == 0)
        return m_entries.constLast();
    return m_entries[(m_next + m_capacity - 1) % m_capacity];
}

QString XmlConsoleBuffer::format(const Entry &entry)
{
    return u"%1 %2 %3"_s.arg(entry.time.toString(u"HH:mm:ss.zzz"_s), entry.incoming ? u"C→S"_s : u"S→C"_s, entry.text);
}

QString XmlConsoleBuffer::toText() const
{
    QStringList lines;
    const auto all = entries();
    lines.reserve(all.size());
    for (const Entry &entry : all)
        lines.append(format(entry));
    return lines.join(u'\n');
}
