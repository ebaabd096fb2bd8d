#pragma once

#include "xml/XmlElement.h"
#include "xml/XmlTokenizer.h"
#include "xml/XmlError.h"

#include <QByteArray>

// Incremental parser for one direction of an XMPP stream (RFC 6120 §4). Bytes go in with
// feed(); the stream header, every complete top-level (depth 1) element and the stream end come
// out through the Handler. Restricted XML (RFC 6120 §11.1: DTDs, comments, processing
// instructions) and malformed input produce one error, after which the parser stays failed.
// Only UTF-8 is accepted (§11.6); non-space character data between stanzas is bad-format.
// Between stanzas it holds no input bytes: the tokenizer keeps only a token in progress.
class XmlStreamParser : private XmlTokenizer::Sink
{
public:
    // Why the stream was refused; the XMPP layer maps it to a stream error.
    using Error = XmlError;

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
        virtual void streamFailed(Error error, const QString &text) = 0;
    };

    // Breaking any of these is policy-violation, detected at the exact offending byte.
    struct Limits
    {
        // Bytes of one top-level element, counted from the end of the previous one (whitespace
        // between stanzas is not counted); before the header, bytes from the document start.
        qint64 maxStanzaBytes = 256 * 1024;
        // Element nesting, the stanza itself being 1.
        int maxDepth = 64;
        // Attributes plus namespace declarations on one element, the header included.
        int maxAttributes = 64;
    };

    explicit XmlStreamParser(Handler *handler);
    ~XmlStreamParser();

    void setLimits(const Limits &limits);
    // Parses as much as possible; calls the handler synchronously for each event. Ignored once
    // failed or stopped, after </stream:stream> (until a reset), and when called from a callback.
    void feed(const QByteArray &data);
    // Asks for a fresh parser (stream restart after STARTTLS or SASL success, RFC 6120 §5.4.3.3,
    // §6.4.6). Safe to call from inside a handler callback: it takes effect when that callback
    // returns, and the rest of the bytes of the current feed() are dropped.
    // Also clears a failure or a stop: the next feed() starts a new document.
    void requestReset();
    bool hasFailed() const;
    // Ignores all further input until a reset, e.g. once the handler has sent a stream error
    // itself. Safe inside a callback: no event follows the one being delivered.
    void stop();
    bool isStopped() const;
    // Nothing of a top-level element is pending: before the header, between two top-level
    // elements, or after the stream ended. A message-framed transport (RFC 7395 §3.3.3, one
    // complete element per message) checks it where each message ends.
    bool isBetweenElements() const;

private:
    // A byte-level pre-pass over the input: it follows tags, quotes, comments, CDATA and PIs
    // well enough to know the element depth, where each top-level element ends and how many
    // attributes a start tag has, so the limits are enforced at an exact byte before the
    // tokenizer buffers or parses the offending part. It also validates UTF-8 and refuses C0
    // controls, so the tokenizer sees only valid UTF-8 XML characters (but U+FFFE/U+FFFF).
    struct Scanner
    {
        enum State : quint8 { Content, TagOpen, StartTag, EndTag, Bang, BangDash, Comment, CData, Pi, Decl, Quote };
        State state = Content;
        State afterQuote = Content;
        char quote = 0;
        char prev = 0;
        int run = 0;        // repeated ']', '-' or '?' towards the end of CDATA, comment, PI
        int brackets = 0;   // '[' nesting inside <!DOCTYPE ...>
        int equals = 0;     // attributes (and namespace declarations) of the current start tag
        int depth = 0;      // 1 inside the stream header
        int utf8Need = 0;      // continuation bytes still expected
        uchar utf8Low = 0x80;  // range of the next continuation byte (Unicode Table 3-7)
        uchar utf8High = 0xbf;
        qint64 pos = 0;        // bytes of the document scanned
        qint64 boundary = 0;   // offset just past the last complete top-level item
    };
    void resetNow();
    void fail(XmlError condition, const QString &text);
    struct Violation
    {
        qsizetype index = -1;   // in the scanned data; -1 if none
        XmlError condition = XmlError::PolicyViolation;
        QString text;
    };
    // The first byte of data that breaks a limit or is not UTF-8.
    Violation scan(const QByteArray &data);
    bool proceeding() const;

    // XmlTokenizer::Sink
    bool startElement(const XmlTokenizer::StartTag &tag) override;
    bool endElement(int depth) override;
    bool characters(const QString &text) override;
    void failed(XmlError condition, const QString &text) override;

    Handler *m_handler;
    Limits m_limits;
    XmlTokenizer m_tokenizer;
    QList<XmlElement> m_stack;   // open elements below the stream root
    bool m_inStream = false;
    bool m_resetRequested = false;
    bool m_failed = false;
    bool m_feeding = false;
    bool m_stopped = false;
    bool m_closed = false;       // </stream:stream> seen
    quint8 m_sniffed = 0;        // first bytes of the document seen (up to 2)
    char m_firstByte = 0;        // held until the second comes, to tell UTF-16 from UTF-8
    Scanner m_scanner;
};
