// The incremental stream parser fed arbitrary bytes, in pieces whose size the input chooses,
// with the production limits or small ones. Every element it delivers must survive the
// serializer: written out and parsed again, it is the same element, and libexpat (where it is
// built in) reads the written bytes as namespace-well-formed XML meaning the same element.

#include "FuzzSupport.h"

#include "xml/XmlStreamParser.h"

#ifdef SWITCHBOARD_HAVE_EXPAT
#include "ExpatJudge.h"
#endif

#include <cstdlib>

namespace {

const QByteArray RoundTripHeader =
    QByteArrayLiteral("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>");

struct Collector : XmlStreamParser::Handler
{
    QList<XmlElement> elements;
    bool failed = false;
    void streamOpened(const XmlElement &header, const QString &) override { header.toXml(); }
    void elementReceived(const XmlElement &element) override { elements.append(element); }
    void streamClosed() override {}
    void streamFailed(XmlStreamParser::Error, const QString &) override { failed = true; }
};

void checkRoundTrip(const XmlElement &element)
{
#ifdef SWITCHBOARD_HAVE_EXPAT
    // Under a default namespace too: the stream's own (jabber:client) is where stanzas live.
    for (const QString &outer : {QString(), QStringLiteral("jabber:client")}) {
        QString why;
        if (!ExpatJudge::check(element, outer, &why)) {
            qInstallMessageHandler(nullptr);
            qCritical("libexpat disagrees with the serialiser:\n%s", qUtf8Printable(why));
            std::abort();
        }
    }
#endif
    const QByteArray xml = element.toXml();
    Collector again;
    XmlStreamParser parser(&again);
    XmlStreamParser::Limits generous;
    generous.maxStanzaBytes = 64 * 1024 * 1024;
    generous.maxDepth = 100000;
    generous.maxAttributes = 100000;
    parser.setLimits(generous);
    parser.feed(RoundTripHeader + xml);
    if (again.failed || again.elements.size() != 1 || again.elements.first() != element) {
        qInstallMessageHandler(nullptr);
        qCritical("round trip changed an element:\n%s\n%s", xml.constData(),
                  again.elements.isEmpty() ? "(nothing)" : again.elements.first().toXml().constData());
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    FuzzSupport::init();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 256 * 1024)
        return 0;
    const uint8_t control = data[0];
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    Collector collector;
    XmlStreamParser parser(&collector);
    if (control & 1) {
        XmlStreamParser::Limits small;
        small.maxStanzaBytes = 512;
        small.maxDepth = 6;
        small.maxAttributes = 6;
        parser.setLimits(small);
    }
    // Piece sizes 1..64 as the input says; the events must not depend on them (the unit test
    // checks that on known streams; here it just must not crash).
    const qsizetype piece = 1 + ((control >> 1) & 63);
    for (qsizetype at = 0; at < input.size(); at += piece) {
        parser.feed(input.mid(at, piece));
        if (control & 0x80 && collector.elements.size() == 1)
            parser.requestReset();   // a stream restart, as after STARTTLS or SASL
    }
    for (const XmlElement &element : std::as_const(collector.elements))
        checkRoundTrip(element);
    return 0;
}
