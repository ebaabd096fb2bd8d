#include "modules/UploadModule.h"

#include "base/Logging.h"
#include "host/ModuleHost.h"
#include "http/HttpRange.h"
#include "http/HttpsListener.h"
#include "http/StreamedRequest.h"
#include "routing/StanzaRouter.h"
#include "stanza/StanzaError.h"

#include <QFile>
#include <QSslSocket>
#include <QTimer>
#include <QUrl>

using namespace Qt::StringLiterals;
using Status = QHttpServerResponder::StatusCode;

namespace {
constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 DefaultMaxSize = 100 * MiB;
constexpr qint64 DefaultQuota = 1024 * MiB;
constexpr qint64 DefaultExpiresAfter = 30 * 86400;
constexpr qint64 DefaultSlotLifetime = 300;
const QString DiscoInfo = u"http://jabber.org/protocol/disco#info"_s;
const QString DiscoItems = u"http://jabber.org/protocol/disco#items"_s;

// The file name in URLs is for people only (the server finds files by id): one path segment,
// never "." or "..", which a client might otherwise resolve against the id's segment.
QString displayName(const QString &filename)
{
    QString name = filename.section(u'/', -1).section(u'\\', -1).trimmed();
    if (name.isEmpty() || name == u"." || name == u"..")
        name = u"file"_s;
    return name.left(200);
}

// Every HTTP answer carries these: web clients upload and download from another origin, and a
// file is data, never a page of ours (no sniffing, no scripts).
StreamedRequest::Headers commonHeaders()
{
    return {
        {"Access-Control-Allow-Origin", "*"},
        {"Access-Control-Allow-Methods", "GET, HEAD, PUT, OPTIONS"},
        {"Access-Control-Allow-Headers", "Content-Type, Content-Length, Range, Authorization"},
        {"Access-Control-Expose-Headers", "Content-Length, Content-Range, Accept-Ranges"},
        {"Access-Control-Max-Age", "7200"},
        {"X-Content-Type-Options", "nosniff"},
        {"Content-Security-Policy", "default-src 'none'; sandbox"},
    };
}

// For the answers Qt HTTP Server writes (GET, HEAD, OPTIONS). A PUT is taken only as the first
// request of a connection (HttpsListener::takeRequests), so a client must not send one on this
// connection after such an answer: a pooled HTTP client (a phone's, downloading one file and then
// uploading another) or a browser after its CORS preflight opens a new one (RFC 9112 §9.6).
void writeCommonHeaders(QHttpServerResponder &r)
{
    const StreamedRequest::Headers headers = commonHeaders();
    for (const auto &[name, value] : headers)
        r.writeHeader(name, value);
    r.writeHeader("Connection", "close");
}

void answer(QHttpServerResponder &r, Status status, const QString &text = QString())
{
    const QByteArray body = text.isEmpty() ? QByteArray() : text.toUtf8() + '\n';
    r.writeStatusLine(status);
    writeCommonHeaders(r);
    if (!body.isEmpty())
        r.writeHeader("Content-Type", "text/plain; charset=utf-8");
    r.writeHeader("Content-Length", QByteArray::number(body.size()));
    r.writeBody(body);
}

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    const auto headers = request.headers();
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

// Inline for what browsers show as media or plain text, a download for anything else
// (RFC 6266; the name as RFC 8187 UTF-8).
QByteArray contentDisposition(const UploadedFile &file)
{
    const QString type = UploadSlots::mediaType(file.contentType);
    const bool inlineType = type.startsWith(u"image/") || type.startsWith(u"audio/") || type.startsWith(u"video/")
                         || type == u"text/plain";
    return QByteArray(inlineType ? "inline" : "attachment") + "; filename*=UTF-8''"
         + QUrl::toPercentEncoding(displayName(file.filename));
}

// Writes a file's bytes to the socket as it drains, never more than a few chunks ahead, so a
// large download costs little memory.
class FileSender : public QObject
{
public:
    FileSender(QTcpSocket *socket, std::unique_ptr<QFile> file, qint64 length)
        : QObject(socket)
        , m_socket(socket)
        , m_file(std::move(file))
        , m_left(length)
    {
        connect(socket, &QIODevice::bytesWritten, this, &FileSender::pump);
        if (auto *ssl = qobject_cast<QSslSocket *>(socket))
            connect(ssl, &QSslSocket::encryptedBytesWritten, this, &FileSender::pump);
        connect(socket, &QAbstractSocket::disconnected, this, &QObject::deleteLater);
        pump();
    }

private:
    qint64 queued() const
    {
        const auto *ssl = qobject_cast<const QSslSocket *>(m_socket);
        return m_socket->bytesToWrite() + (ssl ? ssl->encryptedBytesToWrite() : 0);
    }
    void pump()
    {
        constexpr qint64 Chunk = 64 * 1024;
        while (m_left > 0 && queued() < 4 * Chunk) {
            const QByteArray bytes = m_file->read(qMin(m_left, Chunk));
            if (bytes.isEmpty()) {
                m_socket->abort();   // the file shrank under us: the length we promised is a lie
                m_left = 0;
                break;
            }
            m_socket->write(bytes);
            m_left -= bytes.size();
        }
        if (m_left == 0)
            deleteLater();
    }

    QTcpSocket *m_socket;
    std::unique_ptr<QFile> m_file;
    qint64 m_left;
};
} // namespace

UploadModule::UploadModule(HttpsListener *https)
    : m_https(https)
{
}

UploadModule::~UploadModule() = default;

ModuleOptions UploadModule::options()
{
    ModuleOptions options;
    options.append({u"upload"_s, ModuleOption::Type::Boolean, 0, 0, {}});
    options.append({u"upload_domain"_s, ModuleOption::Type::String, 0, 0, {}});
    options.append({u"upload_max_size"_s, ModuleOption::Type::Integer, 1, qint64(1) << 40, {}});
    // Bytes per user, committed files and open slots together; 0: no quota.
    options.append({u"upload_quota"_s, ModuleOption::Type::Integer, 0, qint64(1) << 50, {}});
    // 0: files are kept until deleted.
    options.append({u"upload_expires_after"_s, ModuleOption::Type::Duration, 0, 10LL * 365 * 86400, {}});
    options.append({u"upload_slot_lifetime"_s, ModuleOption::Type::Duration, 1, 86400, {}});
    return options;
}

void UploadModule::load(ModuleHost &host)
{
    m_host = &host;
    if (!m_https || !host.optionBool(u"upload"_s, true))
        return;
    const QString domain = host.router().domain();
    m_domain = host.option(u"upload_domain"_s).trimmed().toLower();
    if (m_domain.isEmpty())
        m_domain = u"upload."_s + domain;
    m_maxSize = host.optionInt(u"upload_max_size"_s, DefaultMaxSize);
    m_quota = host.optionInt(u"upload_quota"_s, DefaultQuota);
    m_expiresAfter = host.optionInt(u"upload_expires_after"_s, DefaultExpiresAfter);
    m_slots = UploadSlots(host.optionInt(u"upload_slot_lifetime"_s, DefaultSlotLifetime));
    m_store = std::make_unique<UploadStore>(host.database(), host.config().dataDir);
    QString error;
    if (!m_store->ensureSchema(&error)) {
        qCCritical(lcStorage) << "file upload unavailable:" << error;
        return;
    }
    m_ready = true;

    host.addItem(m_domain, u"HTTP File Upload"_s);
    host.hookDomain(m_domain, [this](StanzaEvent &event) { return handleStanza(event); });

    // The secret PUT URL and the file's GET URL: /upload/<32 hex digits>/<name for people>.
    const QString path = u"/upload/([0-9a-f]{32})(?:/.*)?"_s;
    // A PUT is read from its own connection straight to disk (StreamedRequest), never whole in
    // memory; one that follows another request on a kept-alive connection gets 405 below.
    m_https->takeRequests("PUT", path, [this](QSslSocket *socket, const QByteArray &head,
                                              const QRegularExpressionMatch &match) {
        put(socket, head, match.captured(1));
    });
    m_https->addRoute(QHttpServerRequest::Method::Get | QHttpServerRequest::Method::Head, path,
                      [this](const QHttpServerRequest &request, QHttpServerResponder &responder,
                             const QRegularExpressionMatch &match) { get(request, responder, match.captured(1)); });
    // CORS preflight (Fetch standard): what a browser asks before a cross-origin PUT.
    m_https->addRoute(QHttpServerRequest::Method::Options, path,
                      [](const QHttpServerRequest &, QHttpServerResponder &responder, const QRegularExpressionMatch &) {
                          answer(responder, Status::NoContent);
                      });

    m_sweepTimer = std::make_unique<QTimer>();
    const qint64 interval = m_expiresAfter > 0 ? qBound(qint64(1), m_expiresAfter / 10, qint64(3600)) : 3600;
    m_sweepTimer->setInterval(std::chrono::seconds(interval));
    QObject::connect(m_sweepTimer.get(), &QTimer::timeout, m_sweepTimer.get(), [this] { sweep(); });
    m_sweepTimer->start();
    sweep();
}

int UploadModule::sweep()
{
    if (!m_ready)
        return 0;
    m_slots.prune();
    if (m_expiresAfter <= 0)
        return 0;
    const int removed = m_store->removeOlderThan(QDateTime::currentDateTimeUtc().addSecs(-m_expiresAfter));
    if (removed > 0)
        qCInfo(lcServer) << "upload: deleted" << removed << "expired file(s)";
    return removed;
}

bool UploadModule::handleStanza(StanzaEvent &event)
{
    if (event.kind != Kind::Iq)
        return true;   // nothing else is served here; messages and presence are dropped
    const QString type = event.stanza.attribute(u"type"_s);
    if (type != u"get" && type != u"set")
        return true;
    const XmlElement payload = event.stanza.firstChildElement();
    StanzaRouter &router = m_host->router();
    if (type == u"get" && payload.name() == u"query" && payload.xmlns() == DiscoInfo) {
        if (!payload.attribute(u"node"_s).isEmpty()) {
            router.bounce(event, StanzaError::Condition::ItemNotFound);
            return true;
        }
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        XmlElement query(u"query"_s, DiscoInfo);
        XmlElement identity(u"identity"_s);
        identity.setAttribute(u"category"_s, u"store"_s).setAttribute(u"type"_s, u"file"_s)
                .setAttribute(u"name"_s, u"HTTP File Upload"_s);
        query.appendChild(identity);
        for (const QString &feature : {DiscoInfo, QString::fromLatin1(Namespace)})
            query.appendChild(XmlElement(u"feature"_s).setAttribute(u"var"_s, feature));
        // XEP-0363 §3 with XEP-0128: the largest file a slot is given for.
        XmlElement form(u"x"_s, u"jabber:x:data"_s);
        form.setAttribute(u"type"_s, u"result"_s);
        XmlElement formType(u"field"_s);
        formType.setAttribute(u"var"_s, u"FORM_TYPE"_s).setAttribute(u"type"_s, u"hidden"_s);
        formType.appendTextElement(u"value"_s, QString::fromLatin1(Namespace));
        XmlElement maxSize(u"field"_s);
        maxSize.setAttribute(u"var"_s, u"max-file-size"_s);
        maxSize.appendTextElement(u"value"_s, QString::number(m_maxSize));
        form.appendChild(formType);
        form.appendChild(maxSize);
        query.appendChild(form);
        result.appendChild(query);
        router.reply(event, result);
        return true;
    }
    if (type == u"get" && payload.name() == u"query" && payload.xmlns() == DiscoItems) {
        XmlElement result = StanzaRouter::makeIqResult(event.stanza);
        result.appendChild(XmlElement(u"query"_s, DiscoItems));
        router.reply(event, result);
        return true;
    }
    if (type == u"get" && payload.name() == u"request" && payload.xmlns() == QLatin1StringView(Namespace)) {
        requestSlot(event, payload);
        return true;
    }
    return false;   // service-unavailable
}

void UploadModule::requestSlot(StanzaEvent &event, const XmlElement &request)
{
    StanzaRouter &router = m_host->router();
    // Local users only: their own server's accounts (no server-to-server exists, but say so).
    if (event.from.domain() != router.domain() || event.from.node().isEmpty()) {
        router.bounce(event, StanzaError::Condition::NotAllowed, u"Only local users may upload files"_s);
        return;
    }
    const QString filename = request.attribute(u"filename"_s);
    const QString sizeText = request.attribute(u"size"_s);
    const QString contentType = request.attribute(u"content-type"_s).trimmed();
    bool ok = false;
    const qint64 size = sizeText.toLongLong(&ok);
    if (filename.trimmed().isEmpty() || !ok || size <= 0 || contentType.contains(u'\n') || contentType.contains(u'\r')
        || contentType.size() > 255) {
        router.bounce(event, StanzaError::Condition::BadRequest,
                      u"A slot request needs a file name, a size in bytes and at most a plain content type"_s);
        return;
    }
    if (size > m_maxSize) {
        // §5: not-acceptable with the application condition naming the limit.
        XmlElement reply = event.stanza;
        reply.setAttribute(u"from"_s, event.to.toString());
        reply.setAttribute(u"to"_s, event.from.toString());
        reply.setAttribute(u"type"_s, u"error"_s);
        XmlElement error = StanzaError::makeErrorElement(StanzaError::Condition::NotAcceptable,
                                                         StanzaError::Type::Modify,
                                                         u"File too large. The maximum file size is %1 bytes"_s.arg(m_maxSize));
        XmlElement tooLarge(u"file-too-large"_s, QString::fromLatin1(Namespace));
        tooLarge.appendTextElement(u"max-file-size"_s, QString::number(m_maxSize));
        error.appendChild(tooLarge);
        error.setXmlns(event.stanza.xmlns());
        reply.appendChild(error);
        router.reply(event, reply);
        return;
    }
    const QString user = event.from.node();
    if (m_quota > 0) {
        const qint64 used = m_store->usage(user) + m_slots.pendingBytes(user);
        if (used + size > m_quota) {
            router.bounce(event, StanzaError::Condition::ResourceConstraint,
                          u"Upload quota exceeded: %1 of %2 bytes used, %3 more requested"_s.arg(used).arg(m_quota).arg(size));
            return;
        }
    }
    const UploadSlots::Slot &slot = m_slots.create(user, filename, size, contentType);
    XmlElement result = StanzaRouter::makeIqResult(event.stanza);
    XmlElement slotElement(u"slot"_s, QString::fromLatin1(Namespace));
    slotElement.appendChild(XmlElement(u"put"_s).setAttribute(u"url"_s, url(slot.putToken, filename)));
    slotElement.appendChild(XmlElement(u"get"_s).setAttribute(u"url"_s, url(slot.fileId, filename)));
    result.appendChild(slotElement);
    router.reply(event, result);
}

QString UploadModule::url(const QString &id, const QString &filename) const
{
    return m_https->url(u"/upload/"_s + id + u'/' + QString::fromLatin1(QUrl::toPercentEncoding(displayName(filename))));
}

void UploadModule::put(QSslSocket *socket, const QByteArray &head, const QString &token)
{
    QString fileId;
    if (const UploadSlots::Slot *slot = m_slots.find(token))
        fileId = slot->fileId;
    // Judged by the head alone, before a byte of the body is read.
    auto check = [this, token](const StreamedRequest::Head &head) -> StreamedRequest::Answer {
        const QString contentType = QString::fromUtf8(head.contentType);
        const UploadSlots::Check check = m_slots.check(token, head.contentLength, contentType);
        if (check != UploadSlots::Check::Ok)
            return {UploadSlots::httpStatus(check), UploadSlots::reason(check)};
        const UploadSlots::Slot *slot = m_slots.find(token);
        if (m_quota > 0 && m_store->usage(slot->username) + slot->size > m_quota)
            return {413, u"Upload quota exceeded"_s};
        return {};
    };
    auto finish = [this, token](const StreamedRequest::Head &head, const QString &temporary) -> StreamedRequest::Answer {
        // Another PUT to the same slot may have finished first.
        const UploadSlots::Slot *found = m_slots.find(token);
        if (!found || found->used)
            return {UploadSlots::httpStatus(UploadSlots::Check::Used), UploadSlots::reason(UploadSlots::Check::Used)};
        const UploadSlots::Slot slot = *found;
        const QString contentType = QString::fromUtf8(head.contentType).trimmed();
        UploadedFile file;
        file.id = slot.fileId;
        file.username = slot.username;
        file.filename = slot.filename;
        file.contentType = !slot.contentType.isEmpty() ? slot.contentType
                         : !contentType.isEmpty()      ? contentType
                                                       : u"application/octet-stream"_s;
        QString error;
        // The file and its row are committed before the client hears 201 (§6).
        if (!m_store->commitTemporary(&file, temporary, &error)) {
            qCWarning(lcStorage) << "upload: cannot store" << file.id << error;
            return {500, u"The file could not be stored"_s};
        }
        m_slots.markUsed(token);
        qCInfo(lcServer) << "upload:" << slot.username << "stored" << file.size << "bytes as" << file.id;
        return {201, QString()};
    };
    // An unknown token still gets a (never created) name, so that the refusal goes the same way.
    const QString temporary = m_store->temporaryPath(fileId.isEmpty() ? UploadStore::generateId() : fileId);
    new StreamedRequest(socket, head, temporary, commonHeaders(), check, finish);
}

void UploadModule::get(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &id)
{
    const std::optional<UploadedFile> file = m_store->find(id);
    auto data = std::make_unique<QFile>(m_store->filePath(id));
    if (!file || !data->open(QIODevice::ReadOnly)) {
        answer(responder, Status::NotFound, u"No such file"_s);
        return;
    }
    const qint64 size = data->size();
    const HttpRange range = HttpRange::parse(header(request, "Range"), size);
    if (range.kind == HttpRange::Kind::Unsatisfiable) {
        responder.writeStatusLine(Status::RequestRangeNotSatisfiable);
        writeCommonHeaders(responder);
        responder.writeHeader("Content-Range", "bytes */" + QByteArray::number(size));
        responder.writeHeader("Content-Length", "0");
        responder.writeBody(QByteArray());
        return;
    }
    const bool partial = range.kind == HttpRange::Kind::Partial;
    const qint64 first = partial ? range.first : 0;
    const qint64 length = partial ? range.length() : size;
    responder.writeStatusLine(partial ? Status::PartialContent : Status::Ok);
    writeCommonHeaders(responder);
    responder.writeHeader("Content-Type", file->contentType.toUtf8());
    responder.writeHeader("Content-Disposition", contentDisposition(*file));
    responder.writeHeader("Accept-Ranges", "bytes");
    responder.writeHeader("Cache-Control", "private, max-age=86400");
    if (partial) {
        responder.writeHeader("Content-Range", "bytes " + QByteArray::number(range.first) + '-'
                                                  + QByteArray::number(range.last) + '/' + QByteArray::number(size));
    }
    responder.writeHeader("Content-Length", QByteArray::number(length));
    responder.writeBody(QByteArray());   // ends the header block
    if (request.method() == QHttpServerRequest::Method::Head || length == 0)
        return;
    data->seek(first);
    new FileSender(responder.socket(), std::move(data), length);
}
