#include "modules/InviteRoomModule.h"

#include "base/Logging.h"
#include "host/AdminActions.h"
#include "host/ModuleHost.h"
#include "modules/MucService.h"
#include "modules/RegistrationModule.h"
#include "stanza/Jid.h"
#include "storage/InviteStore.h"

using namespace Qt::StringLiterals;

namespace {
const QString ConferenceNs = u"jabber:x:conference"_s;   // XEP-0249
} // namespace

InviteRoomModule::InviteRoomModule() = default;
InviteRoomModule::~InviteRoomModule() = default;

void InviteRoomModule::load(ModuleHost &host)
{
    m_host = &host;
    m_invites = std::make_unique<InviteStore>(host.database());
    auto *registration = host.find<RegistrationModule>();
    if (!registration)
        return;
    registration->onRegistered([this](const QString &username, const QString &token) { registered(username, token); });
}

void InviteRoomModule::registered(const QString &username, const QString &token)
{
    if (token.isEmpty())
        return;
    const std::optional<Invite> invite = m_invites->find(token);
    if (!invite || invite->room.isEmpty())
        return;
    const QString account = username + u'@' + m_host->domain();
    const QString room = invite->room;
    MucService *muc = m_host->find<MucService>();
    const QString error = muc ? muc->addMember(room, account, u"invite %1"_s.arg(token)) : u"group chat is not running"_s;
    AdminActions *admin = m_host->admin();
    if (!error.isEmpty()) {
        qCWarning(lcServer) << "invite" << token << "did not make" << account << "a member of" << room << ':' << error;
        if (admin)
            admin->audit(u"invite room"_s, room, u"%1 not made a member: %2"_s.arg(account, error), u"invite %1"_s.arg(token));
        return;
    }
    // XEP-0249 §2: from the inviter, the room's JID, and a reason a client may show.
    const Jid creator = Jid::parse(invite->createdBy);
    const bool localUser = !creator.isNull() && !creator.node().isEmpty() && creator.domain() == m_host->domain();
    XmlElement message(u"message"_s);
    message.setAttribute(u"from"_s, localUser ? creator.bareString() : m_host->domain());
    message.setAttribute(u"to"_s, account);
    message.setAttribute(u"id"_s, u"invite-room-"_s + token);
    const QString reason = u"Welcome! Your invitation includes the room %1."_s.arg(room);
    message.appendTextElement(u"body"_s, reason);
    XmlElement x(u"x"_s, ConferenceNs);
    x.setAttribute(u"jid"_s, room);
    x.setAttribute(u"reason"_s, reason);
    message.appendChild(x);
    m_host->router().post(message);
    if (admin)
        admin->audit(u"invite room"_s, room, u"%1 made a member and invited"_s.arg(account), u"invite %1"_s.arg(token));
}
