#include "modules/OfflineModule.h"

#include "base/Logging.h"
#include "base/ServerConfig.h"
#include "host/ModuleHost.h"
#include "modules/StoredStanza.h"
#include "session/Session.h"
#include "storage/OfflineStore.h"

#include <QDateTime>
#include <QSet>

#include <memory>

using namespace Qt::StringLiterals;

namespace {
const QString DelayNs = u"urn:xmpp:delay"_s;

bool store(StanzaRouter &router, OfflineStore &offline, int quota, StanzaEvent &event)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    XmlElement stanza = event.stanza;
    // XEP-0203: when and by whom the message was held.
    XmlElement delay(u"delay"_s, DelayNs);
    delay.setAttribute(u"from"_s, router.domain());
    delay.setAttribute(u"stamp"_s, now.toString(Qt::ISODate));
    stanza.appendChild(delay);

    QString error;
    switch (offline.store(event.to.node(), StoredStanza::toText(stanza), now, quota, &error)) {
    case OfflineStore::Result::Stored:
        break;
    case OfflineStore::Result::QuotaExceeded:
        router.bounce(event, StanzaError::Condition::ResourceConstraint,
                      u"The recipient's offline storage is full"_s);
        break;
    case OfflineStore::Result::Failed:
        qCWarning(lcStorage) << "offline message not stored:" << error;
        router.bounce(event, StanzaError::Condition::InternalServerError);
        break;
    }
    return true;
}

// Each message is deleted once it reached the client: at once on a plain stream, when the
// client acknowledges it under stream management (XEP-0198), never when the session ends
// first (it stays for the next login). Messages on their way are not handed out twice.
bool deliver(StanzaRouter &router, OfflineStore &offline, const std::shared_ptr<QSet<qint64>> &inFlight,
             StanzaEvent &event)
{
    Session *session = event.origin;
    // XEP-0160 §4: a resource with negative priority does not want messages to the bare JID.
    if (!session || session->priority() < 0)
        return false;
    QString error;
    const QList<OfflineStore::Message> messages = offline.messages(session->username(), &error);
    if (!error.isEmpty())
        qCWarning(lcStorage) << "offline messages not read:" << error;
    const QString username = session->username();
    // Plain streams: each is written at once, and one delete takes them all.
    auto delivered = std::make_shared<QList<qint64>>();
    auto looping = std::make_shared<bool>(true);
    for (const OfflineStore::Message &message : messages) {
        if (inFlight->contains(message.id))
            continue;
        const XmlElement stanza = StoredStanza::fromText(message.stanza);
        if (stanza.isNull()) {
            qCWarning(lcStorage) << "dropping an unreadable offline message" << message.id;
            delivered->append(message.id);
            continue;
        }
        const qint64 id = message.id;
        inFlight->insert(id);
        router.deliver(session, stanza, [&offline, inFlight, username, id, delivered, looping](bool ok) {
            inFlight->remove(id);
            if (!ok)
                return;
            if (*looping) {
                delivered->append(id);
                return;
            }
            QString removeError;
            if (!offline.remove(username, {id}, &removeError))
                qCWarning(lcStorage) << "offline message not deleted:" << removeError;
        });
    }
    *looping = false;
    if (!delivered->isEmpty() && !offline.remove(username, *delivered, &error))
        qCWarning(lcStorage) << "offline messages not deleted:" << error;
    return false;   // others may want to act on initial presence too
}
} // namespace

OfflineModule::OfflineModule() = default;
OfflineModule::~OfflineModule() = default;

void OfflineModule::load(ModuleHost &host)
{
    m_store = std::make_unique<OfflineStore>(host.database());
    host.addFeature(u"msgoffline"_s);
    StanzaRouter &router = host.router();
    OfflineStore &offline = *m_store;
    auto inFlight = std::make_shared<QSet<qint64>>();
    const int quota = host.config().offlineQuota;
    host.hook(Event::incoming(Kind::Message, Target::Offline), [&router, &offline, quota](StanzaEvent &event) {
        return store(router, offline, quota, event);
    });
    host.hook(Event::incoming(Kind::Presence, Target::Initial), [&router, &offline, inFlight](StanzaEvent &event) {
        return deliver(router, offline, inFlight, event);
    });
}
