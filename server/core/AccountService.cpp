#include "core/AccountService.h"

#include "auth/SaslPrep.h"
#include "stanza/Jid.h"

#include <QDateTime>
#include <QSet>
#include <QThread>
#include <QThreadPool>

#include <algorithm>
#include <atomic>

using namespace Qt::StringLiterals;

AccountService::AccountService(AccountStore *store, QString domain, int scramIterations)
    : m_store(store)
    , m_domain(std::move(domain))
    , m_iterations(scramIterations)
{
}

QString AccountService::prepareUsername(const QString &userOrJid, QString *error) const
{
    QString node = userOrJid.trimmed();
    if (node.contains(u'@')) {
        const Jid jid = Jid::parse(node);
        if (jid.isNull() || jid.node().isEmpty() || jid.isFull()) {
            *error = u"'%1' is not a valid bare JID"_s.arg(userOrJid);
            return {};
        }
        if (jid.domain() != m_domain) {
            *error = u"'%1' is not on this server's domain (%2)"_s.arg(userOrJid, m_domain);
            return {};
        }
        return jid.node();
    }
    if (node.isEmpty()) {
        *error = u"the user name is empty"_s;
        return {};
    }
    const QString prepared = Jid::prepareNode(node);
    if (prepared.isEmpty()) {
        *error = u"'%1' is not a valid user name (RFC 7622 localpart)"_s.arg(userOrJid);
        return {};
    }
    return prepared;
}

bool AccountService::makeCredentials(const QString &password, ScramCredentials *sha1, ScramCredentials *sha256,
                                     QString *error) const
{
    if (password.isEmpty()) {
        *error = u"the password is empty"_s;
        return false;
    }
    const std::optional<QString> prepared = Sasl::saslPrep(password);
    if (!prepared || prepared->isEmpty()) {
        *error = u"the password contains characters SASLprep (RFC 4013) does not allow"_s;
        return false;
    }
    const QByteArray utf8 = prepared->toUtf8();
    *sha1 = ScramCredentials::generate(Crypto::Hash::Sha1, utf8, m_iterations);
    *sha256 = ScramCredentials::generate(Crypto::Hash::Sha256, utf8, m_iterations);
    return true;
}

bool AccountService::addUser(const QString &userOrJid, const QString &password, QString *error)
{
    const QString username = prepareUsername(userOrJid, error);
    if (username.isEmpty())
        return false;
    if (m_store->exists(username)) {
        *error = u"the account %1@%2 already exists"_s.arg(username, m_domain);
        return false;
    }
    AccountStore::Account account;
    account.username = username;
    account.created = QDateTime::currentDateTimeUtc();
    if (!makeCredentials(password, &account.sha1, &account.sha256, error))
        return false;
    m_attempts.clear();
    return m_store->create(account, error);
}

int AccountService::importUsers(const QList<NewUser> &users, QString *error)
{
    QList<AccountStore::Account> accounts(users.size());
    QList<QByteArray> passwords(users.size());
    QSet<QString> seen;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (qsizetype i = 0; i < users.size(); ++i) {
        const NewUser &user = users.at(i);
        QString problem;
        const QString username = prepareUsername(user.userOrJid, &problem);
        if (username.isEmpty()) {
            *error = user.where + u": "_s + problem;
            return -1;
        }
        if (seen.contains(username)) {
            *error = u"%1: %2@%3 is listed twice"_s.arg(user.where, username, m_domain);
            return -1;
        }
        seen.insert(username);
        const std::optional<QString> prepared = Sasl::saslPrep(user.password);
        if (!prepared || prepared->isEmpty()) {
            *error = user.where + u": the password is empty or has characters SASLprep (RFC 4013) does not allow"_s;
            return -1;
        }
        accounts[i].username = username;
        accounts[i].created = now;
        passwords[i] = prepared->toUtf8();
    }

    // PBKDF2 twice per account (SHA-1 and SHA-256): spread over the cores, one index at a time.
    std::atomic<qsizetype> next{0};
    const int iterations = m_iterations;
    auto work = [&] {
        for (qsizetype i = next++; i < accounts.size(); i = next++) {
            accounts[i].sha1 = ScramCredentials::generate(Crypto::Hash::Sha1, passwords.at(i), iterations);
            accounts[i].sha256 = ScramCredentials::generate(Crypto::Hash::Sha256, passwords.at(i), iterations);
        }
    };
    QThreadPool pool;
    const int workers = std::max(1, QThread::idealThreadCount());
    pool.setMaxThreadCount(workers);
    for (int w = 1; w < workers; ++w)
        pool.start(work);
    work();   // this thread works too
    pool.waitForDone();

    m_attempts.clear();
    if (!m_store->createMany(accounts, error))
        return -1;
    return int(accounts.size());
}

bool AccountService::setPassword(const QString &userOrJid, const QString &password, QString *error)
{
    const QString username = prepareUsername(userOrJid, error);
    if (username.isEmpty())
        return false;
    if (!m_store->exists(username)) {
        *error = u"there is no account %1@%2"_s.arg(username, m_domain);
        return false;
    }
    ScramCredentials sha1, sha256;
    if (!makeCredentials(password, &sha1, &sha256, error))
        return false;
    m_attempts.clear();
    return m_store->updateCredentials(username, sha1, sha256, error);
}

bool AccountService::deleteUser(const QString &userOrJid, QString *error)
{
    const QString username = prepareUsername(userOrJid, error);
    if (username.isEmpty())
        return false;
    if (!m_store->exists(username)) {
        *error = u"there is no account %1@%2"_s.arg(username, m_domain);
        return false;
    }
    m_attempts.clear();
    return m_store->remove(username, error);
}

bool AccountService::setDisabled(const QString &userOrJid, bool disabled, QString *error)
{
    const QString username = prepareUsername(userOrJid, error);
    if (username.isEmpty())
        return false;
    m_attempts.clear();
    return m_store->setDisabled(username, disabled, error);
}

bool AccountService::isDisabled(const QString &username) const
{
    const auto account = m_store->find(username);
    return account && account->disabled;
}

QStringList AccountService::usernames() const
{
    return m_store->usernames();
}

std::optional<ScramCredentials> AccountService::scramCredentials(const QString &username, Crypto::Hash hash)
{
    const auto account = m_store->find(username);
    if (!account)
        return std::nullopt;
    const ScramCredentials &credentials = hash == Crypto::Hash::Sha1 ? account->sha1 : account->sha256;
    if (!credentials.isValid())
        return std::nullopt;
    return credentials;
}

AccountService::PlainReference AccountService::plainReference(const QString &username) const
{
    if (m_attempts.size() >= 4096)
        m_attempts.clear();   // attempts whose check never came (abandoned logins)
    const auto account = m_store->find(username);
    m_attempts.insert(username, account);
    return referenceFor(account);
}

AccountService::PlainReference AccountService::referenceFor(const std::optional<AccountStore::Account> &account) const
{
    // PLAIN checks against the SHA-1 keys when there are any (as Prosody does): the same
    // PBKDF2 iterations on the cheaper hash. Unknown accounts cost the same derivation as
    // known ones, so timing reveals nothing.
    PlainReference reference;
    if (!account) {
        reference.salt = QByteArray(16, 'x');
        reference.iterations = m_iterations;
        return reference;
    }
    const bool sha1 = account->sha1.isValid();
    const ScramCredentials &credentials = sha1 ? account->sha1 : account->sha256;
    reference.hash = sha1 ? Crypto::Hash::Sha1 : Crypto::Hash::Sha256;
    reference.salt = credentials.salt;
    reference.iterations = credentials.iterations;
    return reference;
}

QByteArray AccountService::derivePlain(const PlainReference &reference, const QByteArray &password)
{
    return ScramCredentials::derive(reference.hash, password, reference.salt, reference.iterations).storedKey;
}

QByteArray AccountService::memoKey(const PlainReference &reference, const QByteArray &password)
{
    QByteArray material = QByteArray::number(int(reference.hash)) + ':' + QByteArray::number(reference.iterations)
        + ':' + reference.salt.toHex() + ':' + password;
    return Crypto::hash(Crypto::Hash::Sha256, material);
}

void AccountService::rememberDerivation(const PlainReference &reference, const QByteArray &password,
                                        const QByteArray &storedKey)
{
    if (m_derived.size() >= 4096)
        m_derived.clear();   // entries not taken (abandoned logins) must not pile up
    m_derived.insert(memoKey(reference, password), storedKey);
}

bool AccountService::verifyPassword(const QString &username, const QString &password)
{
    const auto started = m_attempts.constFind(username);
    const auto account = started != m_attempts.constEnd() ? *started : m_store->find(username);
    m_attempts.remove(username);
    const PlainReference reference = referenceFor(account);
    // The mechanism hands over the password already SASLprep'ed.
    const QByteArray utf8 = password.toUtf8();
    QByteArray attempt = m_derived.take(memoKey(reference, utf8));
    if (attempt.isEmpty())
        attempt = derivePlain(reference, utf8);
    const QByteArray &expected = !account ? QByteArray()
        : reference.hash == Crypto::Hash::Sha1 ? account->sha1.storedKey : account->sha256.storedKey;
    return account && Crypto::constantTimeEquals(attempt, expected);
}
