#pragma once

#include "routing/StanzaRouter.h"
#include "session/Session.h"
#include "xml/XmlStreamParser.h"

#include <QList>

// The test seam behind the router's delivery path: every stanza the router would write to a
// session is recorded instead, so the router, modules and streams are tested without reading
// sockets. inject() feeds a client's stanza (XML text) into the router as the c2s stream would;
// expect() takes the next stanza delivered to one session.
class RecordingSink final : public DeliverySink
{
public:
    struct Written
    {
        Session *to;
        XmlElement stanza;
    };

    explicit RecordingSink(StanzaRouter &router) : m_router(router) { router.setSink(this); }
    ~RecordingSink() override { m_router.setSink(nullptr); }

    void write(Session *to, const XmlElement &stanza) override { m_written.append({to, stanza}); }

    // Parses one stanza in the jabber:client namespace; null if it is not well-formed.
    static XmlElement parse(const QString &xml)
    {
        Collector collector;
        XmlStreamParser parser(&collector);
        parser.feed(QByteArrayLiteral("<stream:stream xmlns='jabber:client' "
                                      "xmlns:stream='http://etherx.jabber.org/streams'>")
                    + xml.toUtf8());
        return collector.element;
    }

    void inject(Session *from, const QString &xml) { m_router.routeFromClient(from, parse(xml)); }

    // The oldest stanza written to `to` not taken yet (removed); null when there is none.
    XmlElement expect(Session *to)
    {
        for (qsizetype i = 0; i < m_written.size(); ++i) {
            if (m_written.at(i).to == to)
                return m_written.takeAt(i).stanza;
        }
        return XmlElement();
    }
    // How many stanzas were written to `to` and not taken.
    int pending(Session *to) const
    {
        int n = 0;
        for (const Written &w : m_written)
            n += w.to == to ? 1 : 0;
        return n;
    }
    const QList<Written> &written() const { return m_written; }
    void clear() { m_written.clear(); }

private:
    class Collector : public XmlStreamParser::Handler
    {
    public:
        XmlElement element;
        void streamOpened(const XmlElement &, const QString &) override {}
        void elementReceived(const XmlElement &e) override
        {
            if (element.isNull())
                element = e;
        }
        void streamClosed() override {}
        void streamFailed(XmlStreamParser::Error, const QString &) override {}
    };

    StanzaRouter &m_router;
    QList<Written> m_written;
};
