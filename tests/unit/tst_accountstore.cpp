#include "storage/AccountStore.h"
#include "storage/Database.h"

#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

// Credentials with awkward bytes (NUL, 0xff, ...) to prove BLOBs round-trip exactly; built by
// hand so the test needs nothing from the auth layer's implementation.
ScramCredentials credentials(char seed, int iterations, int hashLength)
{
    ScramCredentials c;
    for (int i = 0; i < 16; ++i)
        c.salt.append(char((seed * 31 + i * 17) & 0xff));
    c.salt[3] = '\0';
    c.salt[4] = char(0xff);
    c.iterations = iterations;
    for (int i = 0; i < hashLength; ++i) {
        c.storedKey.append(char((seed + i * 7) & 0xff));
        c.serverKey.append(char((seed * 3 + i * 11) & 0xff));
    }
    c.storedKey[0] = '\0';
    c.serverKey[hashLength - 1] = '\0';
    return c;
}

AccountStore::Account account(const QString &username, char seed = 'a')
{
    AccountStore::Account a;
    a.username = username;
    a.sha1 = credentials(seed, 4096, 20);
    a.sha256 = credentials(char(seed + 1), 10000, 32);
    a.created = QDateTime(QDate(2024, 5, 6), QTime(7, 8, 9, 123), Qt::UTC);
    return a;
}

void compareCredentials(const ScramCredentials &actual, const ScramCredentials &expected)
{
    QCOMPARE(actual.salt, expected.salt);
    QCOMPARE(actual.iterations, expected.iterations);
    QCOMPARE(actual.storedKey, expected.storedKey);
    QCOMPARE(actual.serverKey, expected.serverKey);
}

} // namespace

class tst_AccountStore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();
    void createAndFind();
    void createDuplicateFails();
    void createValidates();
    void createdDefaultsToNow();
    void onlyOneHash();
    void usernamesSorted();
    void updateCredentials();
    void removeAccount();
    void disabledFlag();
    void valuesAreBound();
    void visibleAcrossConnections();
    void closedDatabase();

private:
    QTemporaryDir *m_dir = nullptr;
    Database *m_db = nullptr;
    AccountStore *m_store = nullptr;
};

void tst_AccountStore::init()
{
    m_dir = new QTemporaryDir;
    QVERIFY(m_dir->isValid());
    m_db = new Database;
    QString error;
    QVERIFY2(m_db->open(m_dir->path(), &error), qPrintable(error));
    m_store = new AccountStore(m_db);
}

void tst_AccountStore::cleanup()
{
    delete m_store;
    delete m_db;
    delete m_dir;
    m_store = nullptr;
    m_db = nullptr;
    m_dir = nullptr;
}

void tst_AccountStore::createAndFind()
{
    QVERIFY(!m_store->exists(u"alice"_s));
    QVERIFY(!m_store->find(u"alice"_s));
    QCOMPARE(m_store->count(), 0);

    const AccountStore::Account alice = account(u"alice"_s);
    QString error;
    QVERIFY2(m_store->create(alice, &error), qPrintable(error));
    QVERIFY(m_store->exists(u"alice"_s));
    QCOMPARE(m_store->count(), 1);

    const auto found = m_store->find(u"alice"_s);
    QVERIFY(found);
    QCOMPARE(found->username, u"alice"_s);
    compareCredentials(found->sha1, alice.sha1);
    compareCredentials(found->sha256, alice.sha256);
    QVERIFY(found->sha1.isValid());
    QVERIFY(found->sha256.isValid());
    QCOMPARE(found->disabled, false);
    QCOMPARE(found->created, alice.created);
    QCOMPARE(found->created.timeSpec(), Qt::UTC);

    // Keys are exact: no case folding or trimming in the store (the caller prepares names).
    QVERIFY(!m_store->exists(u"Alice"_s));
    QVERIFY(!m_store->exists(u"alice "_s));
}

void tst_AccountStore::createDuplicateFails()
{
    QString error;
    QVERIFY(m_store->create(account(u"alice"_s, 'a'), &error));
    QVERIFY(!m_store->create(account(u"alice"_s, 'z'), &error));
    QVERIFY2(error.contains(u"account exists"_s), qPrintable(error));
    QVERIFY(error.contains(u"alice"_s));
    // The first account's credentials are untouched.
    compareCredentials(m_store->find(u"alice"_s)->sha256, account(u"alice"_s, 'a').sha256);
    QCOMPARE(m_store->count(), 1);
}

void tst_AccountStore::createValidates()
{
    QString error;
    AccountStore::Account nameless = account(QString());
    QVERIFY(!m_store->create(nameless, &error));
    QVERIFY(!error.isEmpty());

    AccountStore::Account empty;
    empty.username = u"nobody"_s;
    error.clear();
    QVERIFY(!m_store->create(empty, &error));
    QVERIFY2(error.contains(u"credentials"_s), qPrintable(error));
    QVERIFY(!m_store->exists(u"nobody"_s));
}

void tst_AccountStore::createdDefaultsToNow()
{
    AccountStore::Account a = account(u"carol"_s);
    a.created = QDateTime();
    QString error;
    const QDateTime before = QDateTime::currentDateTimeUtc().addMSecs(-1);
    QVERIFY2(m_store->create(a, &error), qPrintable(error));
    const QDateTime created = m_store->find(u"carol"_s)->created;
    QVERIFY(created.isValid());
    QVERIFY(created >= before);
    QVERIFY(created <= QDateTime::currentDateTimeUtc().addSecs(1));
}

void tst_AccountStore::onlyOneHash()
{
    AccountStore::Account a = account(u"dave"_s);
    a.sha1 = ScramCredentials();
    QString error;
    QVERIFY2(m_store->create(a, &error), qPrintable(error));
    const auto found = m_store->find(u"dave"_s);
    QVERIFY(found);
    QVERIFY(!found->sha1.isValid());
    QVERIFY(found->sha1.salt.isEmpty());
    QCOMPARE(found->sha1.iterations, 0);
    compareCredentials(found->sha256, a.sha256);
    QSqlQuery query(m_db->connection());
    QVERIFY(query.exec(u"SELECT sha1_salt IS NULL AND sha1_iterations IS NULL FROM accounts"_s));
    QVERIFY(query.next());
    QCOMPARE(query.value(0).toInt(), 1);
}

void tst_AccountStore::usernamesSorted()
{
    QString error;
    for (const QString &name : {u"mallory"_s, u"bob"_s, u"zoe"_s, u"alice"_s, u"carol"_s})
        QVERIFY2(m_store->create(account(name), &error), qPrintable(error));
    QCOMPARE(m_store->usernames(),
             (QStringList{u"alice"_s, u"bob"_s, u"carol"_s, u"mallory"_s, u"zoe"_s}));
    QCOMPARE(m_store->count(), 5);
}

void tst_AccountStore::updateCredentials()
{
    QString error;
    const AccountStore::Account original = account(u"alice"_s, 'a');
    QVERIFY(m_store->create(original, &error));
    const AccountStore::Account changed = account(u"alice"_s, 'q');
    QVERIFY2(m_store->updateCredentials(u"alice"_s, changed.sha1, changed.sha256, &error), qPrintable(error));
    const auto found = m_store->find(u"alice"_s);
    QVERIFY(found);
    compareCredentials(found->sha1, changed.sha1);
    compareCredentials(found->sha256, changed.sha256);
    QVERIFY(found->sha256.storedKey != original.sha256.storedKey);
    QCOMPARE(found->created, original.created);   // untouched
    QCOMPARE(found->disabled, false);

    QVERIFY(!m_store->updateCredentials(u"nobody"_s, changed.sha1, changed.sha256, &error));
    QVERIFY2(error.contains(u"no such account"_s), qPrintable(error));
    QVERIFY(!m_store->exists(u"nobody"_s));

    QVERIFY(!m_store->updateCredentials(u"alice"_s, ScramCredentials(), ScramCredentials(), &error));
    compareCredentials(m_store->find(u"alice"_s)->sha256, changed.sha256);
}

void tst_AccountStore::removeAccount()
{
    QString error;
    QVERIFY(m_store->create(account(u"alice"_s), &error));
    QVERIFY(m_store->create(account(u"bob"_s), &error));
    QVERIFY2(m_store->remove(u"alice"_s, &error), qPrintable(error));
    QVERIFY(!m_store->exists(u"alice"_s));
    QCOMPARE(m_store->usernames(), QStringList{u"bob"_s});

    error.clear();
    QVERIFY(!m_store->remove(u"alice"_s, &error));
    QCOMPARE(error, u"no such account: alice"_s);

    // A removed name can be created again.
    QVERIFY2(m_store->create(account(u"alice"_s), &error), qPrintable(error));
}

void tst_AccountStore::disabledFlag()
{
    QString error;
    QVERIFY(m_store->create(account(u"alice"_s), &error));
    QVERIFY2(m_store->setDisabled(u"alice"_s, true, &error), qPrintable(error));
    QCOMPARE(m_store->find(u"alice"_s)->disabled, true);
    QVERIFY(m_store->setDisabled(u"alice"_s, true, &error));   // idempotent
    QCOMPARE(m_store->find(u"alice"_s)->disabled, true);
    // Disabling keeps the credentials; a password change keeps the flag.
    compareCredentials(m_store->find(u"alice"_s)->sha256, account(u"alice"_s).sha256);
    const AccountStore::Account changed = account(u"alice"_s, 'k');
    QVERIFY(m_store->updateCredentials(u"alice"_s, changed.sha1, changed.sha256, &error));
    QCOMPARE(m_store->find(u"alice"_s)->disabled, true);
    QVERIFY(m_store->setDisabled(u"alice"_s, false, &error));
    QCOMPARE(m_store->find(u"alice"_s)->disabled, false);

    QVERIFY(!m_store->setDisabled(u"nobody"_s, true, &error));
    QVERIFY2(error.contains(u"no such account"_s), qPrintable(error));

    AccountStore::Account born = account(u"bob"_s);
    born.disabled = true;
    QVERIFY(m_store->create(born, &error));
    QCOMPARE(m_store->find(u"bob"_s)->disabled, true);
}

void tst_AccountStore::valuesAreBound()
{
    // Quotes and SQL in a name are data, not code.
    const QString nasty = u"o'brien\"); DROP TABLE accounts; --"_s;
    QString error;
    QVERIFY2(m_store->create(account(nasty), &error), qPrintable(error));
    QVERIFY(m_store->exists(nasty));
    QVERIFY(m_store->find(nasty));
    QVERIFY(m_store->setDisabled(nasty, true, &error));
    QCOMPARE(m_store->usernames(), QStringList{nasty});
    QVERIFY(m_store->remove(nasty, &error));
    QCOMPARE(m_store->count(), 0);
    QVERIFY(m_db->connection().tables().contains(u"accounts"_s));

    // Non-ASCII names survive.
    const QString unicode = u"j\u00fcrgen"_s;
    QVERIFY(m_store->create(account(unicode), &error));
    QCOMPARE(m_store->usernames(), QStringList{unicode});
}

void tst_AccountStore::visibleAcrossConnections()
{
    // The CLI adds a user while the server runs: the server's store sees it.
    Database cliDb;
    QString error;
    QVERIFY2(cliDb.open(m_dir->path(), &error), qPrintable(error));
    AccountStore cli(&cliDb);
    QVERIFY2(cli.create(account(u"alice"_s), &error), qPrintable(error));
    QVERIFY(m_store->exists(u"alice"_s));
    QVERIFY(!cli.create(account(u"alice"_s), &error));
    QVERIFY(error.contains(u"account exists"_s));

    QVERIFY(m_store->setDisabled(u"alice"_s, true, &error));
    QCOMPARE(cli.find(u"alice"_s)->disabled, true);
    QVERIFY(cli.remove(u"alice"_s, &error));
    QVERIFY(!m_store->exists(u"alice"_s));
}

void tst_AccountStore::closedDatabase()
{
    Database closed;
    AccountStore store(&closed);
    QString error;
    QVERIFY(!store.create(account(u"alice"_s), &error));
    QVERIFY(error.contains(u"not open"_s));
    QVERIFY(!store.exists(u"alice"_s));
    QVERIFY(!store.find(u"alice"_s));
    QVERIFY(store.usernames().isEmpty());
    QCOMPARE(store.count(), -1);
    QVERIFY(!store.remove(u"alice"_s, &error));
    QVERIFY(!store.setDisabled(u"alice"_s, true, &error));
    QVERIFY(!store.updateCredentials(u"alice"_s, account(u"a"_s).sha1, account(u"a"_s).sha256, &error));
}

QTEST_GUILESS_MAIN(tst_AccountStore)
#include "tst_accountstore.moc"
