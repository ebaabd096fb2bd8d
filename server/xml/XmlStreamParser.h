#pragma once

#include "xml/XmlElement.h"
#include "stanza/StreamError.h"

#include <QByteArray>
#include <QXmlStreamReader>
#include <memory>

// Incremental parser for one direction of an XMPP stream (RFC 6120 §4). Bytes go in with
// feed(); the stream header, every complete top-level (depth 1) element and the stream end come
// out through the Handler. Restricted XML (RFC 6120 §11.1: DTDs, comments, processing
// instructions) and malformed input produce one error, after which the parser stays failed.
class XmlStreamParser
{
public:
    class Handler
    {
    public:
        virtual ~Handler() = default;
        // <stream:stream ...>: the element carries the header's attributes (no children).
        // Namespace declarations are given as the xmlns() of the element (the default
        // namespace, e.g. jabber:client) and streamNamespace (the prefix binding of "stream").
        virtual void streamOpened(const XmlElement &header, const QString &streamNamespace) = 0;
        virtual void elementReceived(const XmlElement &element) = 0;
        virtual void streamClosed() = 0;
        virtual void streamFailed(StreamError::Condition condition, const QString &text) = 0;
    };

    struct Limits
    {
        qint64 maxStanzaBytes = 256 * 1024;
        int maxDepth = 64;
        int maxAttributes = 64;
    };

    explicit XmlStreamParser(Handler *handler);
    ~XmlStreamParser();

    void setLimits(const Limits &limits);
    // Parses as much as possible; calls the handler synchronously for each event.
    void feed(const QByteArray &data);
    // Asks for a fresh parser (stream restart after STARTTLS or SASL success, RFC 6120 §5.4.3.3,
    // §6.4.6). Safe to call from inside a handler callback: it takes effect when that callback
    // returns, and the rest of the bytes of the current feed() are dropped.
    void requestReset();
    bool hasFailed() const;

private:
    void resetNow();
    void fail(StreamError::Condition condition, const QString &text);

    Handler *m_handler;
    Limits m_limits;
    std::unique_ptr<QXmlStreamReader> m_reader;
    QList<XmlElement> m_stack;   // open elements below the stream root
    bool m_inStream = false;
    bool m_resetRequested = false;
    bool m_failed = false;
    bool m_feeding = false;
    qint64 m_stanzaStartOffset = 0;
};
