#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>

// The details pane's XML console: the last N chunks of one session's traffic (a chunk is what
// one read or write carried, in practice one stanza), timestamped, with SASL payloads
// (<auth/>, <challenge/>, <response/>, <success/>) redacted before they are stored.
class XmlConsoleBuffer
{
public:
    struct Entry
    {
        QDateTime time;
        bool incoming = false;
        QString text;
    };

    explicit XmlConsoleBuffer(int capacity = 500);

    // False when there was nothing to keep (whitespace keepalives).
    bool append(bool incoming, const QByteArray &data, const QDateTime &time = QDateTime::currentDateTime());
    void clear();
    int capacity() const { return m_capacity; }
    int size() const { return int(m_entries.size()); }
    // Oldest first.
    QList<Entry> entries() const;
    const Entry &last() const;

    // One line: "12:34:56.789 C→S <message …/>" (C→S from the client, S→C to it).
    static QString format(const Entry &entry);
    QString toText() const;
    static QString redact(const QString &xml);

private:
    int m_capacity;
    QList<Entry> m_entries;   // ring: m_next is the oldest once full
    int m_next = 0;
};
