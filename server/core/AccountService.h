#pragma once

#include "auth/SaslMechanism.h"
#include "storage/AccountStore.h"

#include <QHash>
#include <QString>
#include <QStringList>

// Account management for the command line, the console and SASL: validates and prepares names,
// turns passwords into SCRAM credentials (the password itself is never stored) and answers the
// SASL mechanisms' credential look-ups.
class AccountService : public SaslCredentialLookup
{
public:
    AccountService(AccountStore *store, QString domain, int scramIterations);

    // Accepts "user" or "user@domain" (the domain must be ours). Returns the prepared localpart,
    // or an empty string with *error set.
    QString prepareUsername(const QString &userOrJid, QString *error) const;

    bool addUser(const QString &userOrJid, const QString &password, QString *error);
    // The bulk path: checks every name and password first (nothing is written if one is bad or
    // a name repeats), derives the SCRAM credentials on every core (PBKDF2 is the whole cost),
    // then creates all the accounts in one transaction. Returns how many, or -1 with *error.
    struct NewUser
    {
        QString userOrJid;
        QString password;
        QString where;      // for error messages, e.g. "users.txt:12"
    };
    int importUsers(const QList<NewUser> &users, QString *error);
    bool setPassword(const QString &userOrJid, const QString &password, QString *error);
    bool deleteUser(const QString &userOrJid, QString *error);
    bool setDisabled(const QString &userOrJid, bool disabled, QString *error);
    bool isDisabled(const QString &username) const;
    QStringList usernames() const;
    const QString &domain() const { return m_domain; }

    // SaslCredentialLookup
    std::optional<ScramCredentials> scramCredentials(const QString &username, Crypto::Hash hash) override;
    bool verifyPassword(const QString &username, const QString &password) override;

    // PLAIN's PBKDF2 off the server thread (see PlainDeriver): what verifyPassword() will derive
    // the password against (for an unknown user, a fake with the same cost), the derivation
    // itself (pure, any thread), and a memo that verifyPassword() consults first. The memo is
    // keyed by a hash of (algorithm, iterations, salt, password) and holds only StoredKeys, one
    // use each; it is touched in the server thread only.
    struct PlainReference
    {
        Crypto::Hash hash = Crypto::Hash::Sha1;
        QByteArray salt;
        int iterations = 0;
    };
    PlainReference plainReference(const QString &username) const;
    static QByteArray derivePlain(const PlainReference &reference, const QByteArray &password);
    void rememberDerivation(const PlainReference &reference, const QByteArray &password, const QByteArray &storedKey);

private:
    bool makeCredentials(const QString &password, ScramCredentials *sha1, ScramCredentials *sha256,
                         QString *error) const;

    PlainReference referenceFor(const std::optional<AccountStore::Account> &account) const;
    static QByteArray memoKey(const PlainReference &reference, const QByteArray &password);

    AccountStore *m_store;
    QString m_domain;
    int m_iterations;
    QHash<QByteArray, QByteArray> m_derived;   // memoKey → StoredKey
    // The record read when a PLAIN derivation starts, taken back when its result is checked a
    // moment later: one database lookup per attempt instead of two. Writes clear it.
    mutable QHash<QString, std::optional<AccountStore::Account>> m_attempts;
};
