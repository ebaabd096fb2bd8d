#include "modules/StoredStanza.h"

#include "xml/XmlStreamParser.h"

using namespace Qt::StringLiterals;

namespace {
const QString ClientNs = u"jabber:client"_s;

// Collects the first top-level element of a one-stanza stream.
class Collector : public XmlStreamParser::Handler
{
public:
    XmlElement element;
    bool failed = false;
    void streamOpened(const XmlElement &, const QString &) override {}
    void elementReceived(const XmlElement &e) override
    {
        if (element.isNull())
            element = e;
    }
    void streamClosed() override {}
    void streamFailed(XmlStreamParser::Error, const QString &) override { failed = true; }
};
} // namespace

namespace StoredStanza {

QString toText(const XmlElement &stanza)
{
    return QString::fromUtf8(stanza.toXml(ClientNs));
}

XmlElement fromText(const QString &text)
{
    Collector collector;
    XmlStreamParser parser(&collector);
    XmlStreamParser::Limits limits;
    limits.maxStanzaBytes = 64 * 1024 * 1024;   // we wrote it ourselves; no hostile sizes here
    parser.setLimits(limits);
    parser.feed(QByteArrayLiteral("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")
                + text.toUtf8() + QByteArrayLiteral("</stream:stream>"));
    return collector.failed ? XmlElement() : collector.element;
}

} // namespace StoredStanza
