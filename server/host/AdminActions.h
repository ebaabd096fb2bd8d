#pragma once

#include <QDateTime>
#include <QString>
#include <QStringList>

// The server's administration as modules see it (XEP-0050/XEP-0133 ad-hoc commands, XEP-0077
// registration, the message of the day): implemented by the core (core/AdminService), which
// is also what the console and the control socket call, so every path shares one function per
// action and writes the same audit log. `actor` names who asked ("console", "cli", a bare JID)
// for the audit log. Account actions return an error text, empty on success.
class AdminActions
{
public:
    virtual ~AdminActions() = default;

    virtual QString addAccount(const QString &user, const QString &password, const QString &actor) = 0;
    virtual QString deleteAccount(const QString &user, const QString &actor) = 0;
    virtual QString setAccountDisabled(const QString &user, bool disabled, const QString &reason,
                                       const QString &actor) = 0;
    virtual QString setAccountPassword(const QString &user, const QString &password, const QString &actor) = 0;
    // Ends every session of a bare JID (or the one full JID) with policy-violation and, when
    // keepOutSeconds is not 0, keeps the account out: > 0 for that long, < 0 until re-enabled.
    // Returns how many sessions ended, or -1 with *error.
    virtual int endSessions(const QString &jid, int keepOutSeconds, const QString &reason, const QString &actor,
                            QString *error) = 0;
    virtual QStringList onlineUsers() const = 0;        // bare JIDs with a bound resource, sorted
    virtual int registeredUserCount() const = 0;
    // A message from the server's domain to every available resource, or (everyone) to every
    // account, offline ones through offline storage. Returns how many accounts it reached.
    virtual int announce(const QString &subject, const QString &body, bool everyone, const QString &actor) = 0;
    virtual QString messageOfTheDay() const = 0;
    virtual QString setMessageOfTheDay(const QString &text, const QString &actor) = 0;

    // An entry in the audit log on behalf of a module (registrations, invitations).
    virtual void audit(const QString &action, const QString &target, const QString &reason, const QString &actor) = 0;
    // Why a login of `username` is refused for now ("kept out by the administrator until
    // ..."), empty when it is not.
    virtual QString keepOutText(const QString &username) const = 0;
};
