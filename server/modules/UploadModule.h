#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"
#include "modules/UploadSlots.h"
#include "storage/UploadStore.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <memory>

class HttpsListener;
class ModuleHost;
class QSslSocket;
class QTimer;
class XmlElement;
struct StanzaEvent;

// XEP-0363 HTTP File Upload as a component of this server at upload.DOMAIN (upload_domain):
// disco (identity store/file, the namespace, the XEP-0128 max-file-size form), slot requests
// from local users (§4, errors §5: file too large, quota), and the HTTP side on the server's
// HTTPS listener: PUT to the slot's secret URL, GET/HEAD by the file's random id with ranges,
// CORS for web clients. Files older than upload_expires_after are swept with their rows.
//
// A PUT bypasses Qt HTTP Server (which would hold its whole body in memory): it is judged by
// its head against its slot, then streamed to a temporary file and committed when complete
// (StreamedRequest, docs/ARCHITECTURE.md).
class UploadModule final : public Module
{
public:
    static constexpr auto Namespace = "urn:xmpp:http:upload:0";

    explicit UploadModule(HttpsListener *https);
    ~UploadModule() override;

    // upload (on/off), upload_domain, upload_max_size, upload_quota, upload_expires_after,
    // upload_slot_lifetime.
    static ModuleOptions options();
    void load(ModuleHost &host) override;

    // For the console, through the server's facade.
    bool isReady() const { return m_ready; }
    QString componentDomain() const { return m_domain; }
    qint64 maxFileSize() const { return m_maxSize; }
    qint64 quota() const { return m_quota; }
    qint64 expiresAfterSeconds() const { return m_expiresAfter; }
    UploadStore *store() const { return m_store.get(); }
    // Deletes expired files now (the timer does it too); how many went.
    int sweep();

private:
    bool handleStanza(StanzaEvent &event);
    void requestSlot(StanzaEvent &event, const XmlElement &request);
    void put(QSslSocket *socket, const QByteArray &head, const QString &token);
    void get(const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &id);
    QString url(const QString &id, const QString &filename) const;

    HttpsListener *m_https;
    ModuleHost *m_host = nullptr;
    bool m_ready = false;
    QString m_domain;
    qint64 m_maxSize = 0;
    qint64 m_quota = 0;
    qint64 m_expiresAfter = 0;
    std::unique_ptr<UploadStore> m_store;
    UploadSlots m_slots;
    std::unique_ptr<QTimer> m_sweepTimer;
};
