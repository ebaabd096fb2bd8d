// Parses and re-serialises 100,000 typical message stanzas two ways: our XmlStreamParser and
// XmlElement tree, and QXmlStreamReader tokens built into a QDomDocument per stanza. Each way
// runs in its own process so that the peak resident sizes do not mix; "keep" variants hold all
// trees at once to show what one tree costs.

#include "xml/XmlStreamParser.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QDomDocument>
#include <QDomElement>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QXmlStreamReader>

#include <cstdio>
#include <ctime>
#include <malloc.h>
#include <memory>
#include <vector>

using namespace Qt::StringLiterals;

namespace {

constexpr int StanzaCount = 100000;
constexpr qsizetype ChunkSize = 4096;   // about what one socket read brings

const QByteArray StreamHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
    " to='capulet.lit' version='1.0' xml:lang='en'>"_ba;

QByteArray makeStream()
{
    QByteArray stream = StreamHeader;
    for (int i = 0; i < StanzaCount; ++i) {
        const QByteArray n = QByteArray::number(i);
        stream += "<message from='romeo@montague.lit/orchard' to='juliet@capulet.lit/balcony' type='chat' id='m-" + n
            + "' xml:lang='en'><body>But soft, what light through yonder window breaks? It is the east, &amp; "
              "Juliet is the sun \xe2\x98\x80 #" + n + "</body>"
              "<active xmlns='http://jabber.org/protocol/chatstates'/><request xmlns='urn:xmpp:receipts'/>"
              "<origin-id xmlns='urn:xmpp:sid:0' id='o-" + n + "'/></message>\n";
    }
    return stream;
}

long statusKiB(const char *field)
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    const QList<QByteArray> lines = status.readAll().split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith(field))
            return line.mid(qstrlen(field)).trimmed().split(' ').first().toLong();
    }
    return -1;
}

struct TreeHandler : XmlStreamParser::Handler
{
    bool keep = false;
    QList<XmlElement> kept;
    qint64 outputBytes = 0;
    int count = 0;
    void streamOpened(const XmlElement &, const QString &) override {}
    void elementReceived(const XmlElement &element) override
    {
        outputBytes += element.toXml(u"jabber:client"_s).size();
        ++count;
        if (keep)
            kept.append(element);
    }
    void streamClosed() override {}
    void streamFailed(XmlStreamParser::Error, const QString &text) override
    {
        std::fprintf(stderr, "parser failed: %s\n", qPrintable(text));
    }
};

void runOurs(const QByteArray &stream, bool keep, qint64 &outputBytes, int &count)
{
    TreeHandler handler;
    handler.keep = keep;
    handler.kept.reserve(keep ? StanzaCount : 0);
    XmlStreamParser parser(&handler);
    XmlStreamParser::Limits limits;
    parser.setLimits(limits);
    for (qsizetype i = 0; i < stream.size(); i += ChunkSize)
        parser.feed(stream.mid(i, ChunkSize));
    outputBytes = handler.outputBytes;
    count = handler.count;
}

// What a server built on Qt Xml would do: the same incremental reader, one QDomDocument per
// stanza, serialised with QDomDocument::toByteArray.
void runDom(const QByteArray &stream, bool keep, qint64 &outputBytes, int &count)
{
    QList<QDomDocument> kept;
    kept.reserve(keep ? StanzaCount : 0);
    QXmlStreamReader reader;
    QDomDocument doc;
    QDomNode current;
    int depth = 0;
    outputBytes = 0;
    count = 0;
    for (qsizetype i = 0; i < stream.size(); i += ChunkSize) {
        reader.addData(stream.mid(i, ChunkSize));
        while (true) {
            const QXmlStreamReader::TokenType token = reader.readNext();
            if (token == QXmlStreamReader::Invalid)
                break;
            if (token == QXmlStreamReader::StartElement) {
                ++depth;
                if (depth == 1)
                    continue;   // the stream header
                if (depth == 2)
                    doc = QDomDocument();
                QDomElement element = doc.createElementNS(reader.namespaceUri().toString(), reader.name().toString());
                const QXmlStreamAttributes attributes = reader.attributes();
                for (const QXmlStreamAttribute &attribute : attributes) {
                    if (attribute.namespaceUri().isEmpty())
                        element.setAttribute(attribute.name().toString(), attribute.value().toString());
                    else
                        element.setAttributeNS(attribute.namespaceUri().toString(), attribute.qualifiedName().toString(),
                                               attribute.value().toString());
                }
                current = depth == 2 ? doc.appendChild(element) : current.appendChild(element);
            } else if (token == QXmlStreamReader::EndElement) {
                --depth;
                if (depth >= 1)
                    current = current.parentNode();
                if (depth == 1) {
                    outputBytes += doc.toByteArray(-1).size();
                    ++count;
                    if (keep)
                        kept.append(doc);
                }
            } else if (token == QXmlStreamReader::Characters && depth >= 2) {
                current.appendChild(doc.createTextNode(reader.text().toString()));
            }
        }
    }
}

// The floor: QXmlStreamReader's tokens alone, no tree, no output.
void runReader(const QByteArray &stream, int &count)
{
    QXmlStreamReader reader;
    int depth = 0;
    count = 0;
    for (qsizetype i = 0; i < stream.size(); i += ChunkSize) {
        reader.addData(stream.mid(i, ChunkSize));
        while (true) {
            const QXmlStreamReader::TokenType token = reader.readNext();
            if (token == QXmlStreamReader::Invalid)
                break;
            if (token == QXmlStreamReader::StartElement)
                ++depth;
            else if (token == QXmlStreamReader::EndElement && --depth == 1)
                ++count;
        }
    }
}

// Heap bytes one idle parser holds (its object included): many parsers are fed what a session's
// parser sees up to the first idle moment (header, a few stanzas, a keepalive), then the heap in
// use is compared with what it was before they were created (glibc's mallinfo2).
int runIdle()
{
    constexpr int Parsers = 2000;
    const QByteArray input = StreamHeader
        + "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>"
          "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq><presence><priority>1</priority></presence>"
          "<message to='romeo@montague.lit' type='chat' id='m1'><body>Art thou not Romeo?</body>"
          "<active xmlns='http://jabber.org/protocol/chatstates'/></message>\n"_ba;
    struct Idle : XmlStreamParser::Handler
    {
        int elements = 0;
        void streamOpened(const XmlElement &, const QString &) override {}
        void elementReceived(const XmlElement &) override { ++elements; }
        void streamClosed() override {}
        void streamFailed(XmlStreamParser::Error, const QString &) override {}
    } handler;
    // A first parser warms whatever is shared between parsers (none of it is per session).
    XmlStreamParser warm(&handler);
    warm.feed(input);
    std::vector<std::unique_ptr<XmlStreamParser>> parsers;
    parsers.reserve(Parsers);
    const size_t before = mallinfo2().uordblks;
    for (int i = 0; i < Parsers; ++i) {
        parsers.push_back(std::make_unique<XmlStreamParser>(&handler));
        parsers.back()->feed(input);
    }
    const size_t after = mallinfo2().uordblks;
    std::printf("idle       %d parsers after header + 4 stanzas: %.0f heap bytes each (sizeof %zu), %d elements\n",
                Parsers, double(after - before) / Parsers, sizeof(XmlStreamParser), handler.elements);
    return handler.elements == 4 * (Parsers + 1) ? 0 : 1;
}

int runMode(const QString &mode)
{
    if (mode == u"idle"_s)
        return runIdle();

    const QByteArray stream = makeStream();
    const long baseline = statusKiB("VmRSS:");
    const bool keep = mode.endsWith(u"-keep"_s);
    qint64 outputBytes = 0;
    int count = 0;
    // CPU time as well as wall time: the machine may be shared, and CPU time is what we pay.
    QElapsedTimer timer;
    timer.start();
    const std::clock_t cpuStart = std::clock();
    if (mode == u"reader"_s)
        runReader(stream, count);
    else if (mode.startsWith(u"ours"_s))
        runOurs(stream, keep, outputBytes, count);
    else
        runDom(stream, keep, outputBytes, count);
    const qint64 ms = timer.elapsed();
    const qint64 cpuMs = qint64(std::clock() - cpuStart) * 1000 / CLOCKS_PER_SEC;
    // Peak taken while the kept trees are still alive (they die with runOurs/runDom's locals,
    // but VmHWM remembers).
    const long peak = statusKiB("VmHWM:");
    std::printf("%-10s %7d stanzas  wall %5lld ms  cpu %5lld ms  %7.0f stanzas/cpu-s  peak RSS %6.1f MiB"
                " (input alone %4.1f MiB)  output %lld bytes\n",
                qPrintable(mode), count, qint64(ms), cpuMs, count * 1000.0 / qMax<qint64>(cpuMs, 1), peak / 1024.0,
                baseline / 1024.0, outputBytes);
    return count == StanzaCount ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() > 1)
        return runMode(args.at(1));

    std::printf("%d message stanzas of ~%lld bytes, fed in %lld-byte chunks\n", StanzaCount,
                qint64((makeStream().size() - StreamHeader.size()) / StanzaCount), qint64(ChunkSize));
    std::fflush(stdout);
    int status = 0;
    for (const QString &mode : {u"reader"_s, u"ours"_s, u"dom"_s, u"ours-keep"_s, u"dom-keep"_s, u"idle"_s}) {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedChannels);
        child.start(app.applicationFilePath(), {mode});
        child.waitForFinished(-1);
        status |= child.exitCode();
    }
    return status;
}
