#include "modules/RegistrationModule.h"

#include "base/Logging.h"
#include "base/ServerConfig.h"
#include "host/AdminActions.h"
#include "host/ModuleHost.h"
#include "host/Stream.h"
#include "modules/RosterService.h"
#include "session/Session.h"
#include "stanza/Jid.h"
#include "stanza/StanzaError.h"
#include "storage/InviteStore.h"

using namespace Qt::StringLiterals;

namespace {
const QString RegisterNs = u"jabber:iq:register"_s;
const QString RegisterFeatureNs = u"http://jabber.org/features/iq-register"_s;
const QString TokenFeatureNs = u"urn:xmpp:ibr-token:0"_s;
const QString PreauthNs = u"urn:xmpp:pars:0"_s;
constexpr int FeaturePriority = 5;   // after STARTTLS and SASL

XmlElement errorReply(const XmlElement &iq, StanzaError::Condition condition, const QString &text)
{
    return StanzaError::makeErrorReply(iq, condition, text);
}
XmlElement result(const XmlElement &iq)
{
    XmlElement reply(u"iq"_s);
    reply.setAttribute(u"type"_s, u"result"_s);
    reply.setAttribute(u"id"_s, iq.attribute(u"id"_s));
    return reply;
}
} // namespace

RegistrationModule::RegistrationModule(std::shared_ptr<RosterService> rosters)
    : m_rosters(std::move(rosters))
{
}

RegistrationModule::~RegistrationModule() = default;

void RegistrationModule::load(ModuleHost &host)
{
    m_host = &host;
    const QString mode = host.option(u"registration"_s, u"invite"_s);
    m_mode = mode == u"open" ? Mode::Open : mode == u"closed" ? Mode::Closed : Mode::Invite;
    if (!host.admin() || !host.database())
        return;   // no server to create accounts with (unit tests of other modules)
    m_invites = std::make_unique<InviteStore>(host.database());
    if (m_mode == Mode::Closed)
        return;

    const bool requireEncryption = host.config().requireEncryption;
    host.addStreamFeature(ModuleHost::Stage::BeforeAuth, [this, requireEncryption](Session *session, XmlElement &features) {
        if (requireEncryption && !session->isEncrypted())
            return;
        features.appendChild(XmlElement(u"register"_s, RegisterFeatureNs));
        features.appendChild(XmlElement(u"register"_s, TokenFeatureNs));
    }, FeaturePriority);

    // Before authentication the stream hands stanzas to the element handlers (C2SStream); only
    // iq registration exchanges are taken here, anything else still ends the stream.
    host.handleElement(u"jabber:client"_s, [this](Stream &stream, const XmlElement &stanza) {
        Session *session = stream.session();
        if (session->type() != Session::Type::C2SUnauthed || stanza.name() != u"iq")
            return false;
        return handle(session, stanza);
    }, 10);
}

bool RegistrationModule::handle(Session *session, const XmlElement &iq)
{
    const QString type = iq.attribute(u"type"_s);
    const XmlElement preauth = iq.firstChildElement(u"preauth"_s, PreauthNs);
    const XmlElement query = iq.firstChildElement(u"query"_s, RegisterNs);
    if ((type != u"get" && type != u"set") || (preauth.isNull() && query.isNull()))
        return false;
    if (m_host->config().requireEncryption && !session->isEncrypted()) {
        session->send(errorReply(iq, StanzaError::Condition::NotAuthorized, u"Use STARTTLS first"_s));
        return true;
    }
    if (!preauth.isNull()) {
        // XEP-0445 §5: check now (expiry included), count the use only when the account exists.
        const QString token = preauth.attribute(u"token"_s);
        const auto invite = m_invites->find(token);
        const Invite::Status status = invite ? invite->status() : Invite::Status::Unknown;
        if (type != u"set" || status != Invite::Status::Valid) {
            session->send(errorReply(iq, StanzaError::Condition::ItemNotFound,
                                     u"The invitation is %1"_s.arg(Invite::statusText(status))));
            return true;
        }
        m_pending.get(session).token = token;
        session->send(result(iq));
        return true;
    }
    if (type == u"get") {
        // XEP-0077 §3.1: what to fill in.
        XmlElement reply = result(iq);
        XmlElement form(u"query"_s, RegisterNs);
        const Pending *pending = m_pending.find(session);
        const auto invite = pending ? m_invites->find(pending->token) : std::nullopt;
        form.appendTextElement(u"instructions"_s,
                               m_mode == Mode::Open || invite
                                   ? u"Choose a user name and a password."_s
                                   : u"Registration needs an invitation: open the invitation link you were given."_s);
        form.appendTextElement(u"username"_s, invite ? invite->username : QString());
        form.appendChild(XmlElement(u"password"_s, RegisterNs));
        reply.appendChild(form);
        session->send(reply);
        return true;
    }
    registerAccount(session, iq, query);
    return true;
}

void RegistrationModule::registerAccount(Session *session, const XmlElement &iq, const XmlElement &query)
{
    if (!query.firstChildElement(u"remove"_s, RegisterNs).isNull()) {
        session->send(errorReply(iq, StanzaError::Condition::NotAuthorized, u"Log in to cancel a registration"_s));
        return;
    }
    const QString user = query.childText(u"username"_s, RegisterNs).trimmed();
    const QString password = query.childText(u"password"_s, RegisterNs);
    if (user.isEmpty() || password.isEmpty()) {
        session->send(errorReply(iq, StanzaError::Condition::NotAcceptable, u"A user name and a password are needed"_s));
        return;
    }
    const Jid jid = Jid::fromParts(user, m_host->domain());
    if (jid.isNull()) {
        session->send(errorReply(iq, StanzaError::Condition::NotAcceptable, u"Not a valid user name"_s));
        return;
    }
    const QString username = jid.node();
    AdminActions *admin = m_host->admin();

    std::optional<Invite> invite;
    if (const Pending *pending = m_pending.find(session); pending && !pending->token.isEmpty())
        invite = m_invites->find(pending->token);
    if (m_mode == Mode::Invite && !invite) {
        session->send(errorReply(iq, StanzaError::Condition::NotAllowed,
                                 u"Registration on this server needs an invitation"_s));
        return;
    }
    if (invite) {
        // Expiry counted at <preauth/> (XEP-0445 §5); revocation and uses count now.
        if (invite->revoked || invite->uses >= invite->maxUses) {
            session->send(errorReply(iq, StanzaError::Condition::NotAllowed,
                                     invite->revoked ? u"The invitation is revoked"_s : u"The invitation is used"_s));
            return;
        }
        if (!invite->username.isEmpty() && invite->username != username) {
            session->send(errorReply(iq, StanzaError::Condition::NotAcceptable,
                                     u"This invitation is for the account %1"_s.arg(invite->username)));
            return;
        }
    }
    if (m_invites->isReserved(username, invite ? invite->token : QString())) {
        session->send(errorReply(iq, StanzaError::Condition::Conflict, u"This name is reserved by an invitation"_s));
        return;
    }
    if (m_host->accountExists(username)) {
        session->send(errorReply(iq, StanzaError::Condition::Conflict, u"This name is taken"_s));
        return;
    }
    const QString actor = invite ? u"registration with invite %1"_s.arg(invite->token) : u"open registration"_s;
    const QString error = admin->addAccount(username, password, actor);
    if (!error.isEmpty()) {
        session->send(errorReply(iq, StanzaError::Condition::NotAcceptable, error));
        return;
    }
    if (invite) {
        QString useError;
        if (!m_invites->recordUse(invite->token, username, &useError))
            qCWarning(lcServer) << "invite" << invite->token << "not counted:" << useError;
        m_pending.get(session).token.clear();
        if (!invite->contactOf.isEmpty())
            makeContacts(username, invite->contactOf);
        QString reason = u"account %1"_s.arg(username);
        if (!invite->contactOf.isEmpty())
            reason += u", contact of %1"_s.arg(invite->contactOf);
        if (!invite->room.isEmpty())
            reason += u", room %1"_s.arg(invite->room);
        admin->audit(u"invite used"_s, invite->token, reason, username + u'@' + m_host->domain());
    }
    for (const Registered &listener : m_registered)
        listener(username, invite ? invite->token : QString());
    session->send(result(iq));
}

void RegistrationModule::makeContacts(const QString &user, const QString &inviter)
{
    // XEP-0379 §5: both sides approved in advance. Played as the four subscription stanzas of
    // RFC 6121 §3 through the roster service, so an online inviter's roster and presence follow.
    if (!m_rosters)
        return;
    const Jid a = Jid::fromParts(user, m_host->domain());
    const Jid b = Jid::fromParts(inviter, m_host->domain());
    auto presence = [](const Jid &from, const Jid &to, const QString &type) {
        XmlElement p(u"presence"_s);
        p.setAttribute(u"from"_s, from.bareString());
        p.setAttribute(u"to"_s, to.bareString());
        p.setAttribute(u"type"_s, type);
        return p;
    };
    using T = SubscriptionState::Type;
    m_rosters->processSubscription(a, b, T::Subscribe, presence(a, b, u"subscribe"_s));
    m_rosters->processSubscription(b, a, T::Subscribed, presence(b, a, u"subscribed"_s));
    m_rosters->processSubscription(b, a, T::Subscribe, presence(b, a, u"subscribe"_s));
    m_rosters->processSubscription(a, b, T::Subscribed, presence(a, b, u"subscribed"_s));
}
