// Invitations: the store's rules (status, counted uses, reserved names, revocation), the URI
// forms of XEP-0401/0445, the QR code's terminal drawing against its matrix, and the kick
// dialog's keep-out choice.
#include "AccountsTab.h"
#include "InvitesTab.h"
#include "KickDialog.h"
#include "ServerLink.h"
#include "TempDatabase.h"
#include "core/AdminService.h"
#include "core/InvitePage.h"
#include "core/QrCode.h"
#include "storage/InviteStore.h"

#include <QComboBox>
#include <QImage>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace Qt::StringLiterals;

class TestInvites : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void statusAndUses();
    void expiryAndRevocation();
    void reservedNames();
    void uriForms();
    void schemaIsIdempotent();
    void qrTerminalMatchesMatrix();
    void kickTexts();
    void kickDialogKeepOut();
    void landingPage();
    void consoleInvitesAndKeepOut();
};

void TestInvites::statusAndUses()
{
    TempDatabase db;
    QVERIFY2(db.isOpen(), qPrintable(db.error()));
    InviteStore store(db.database());
    QString error;
    QVERIFY2(store.ensureSchema(&error), qPrintable(error));
    Invite invite;
    invite.maxUses = 2;
    invite.contactOf = u"alice"_s;
    QVERIFY2(store.create(&invite, &error), qPrintable(error));
    QCOMPARE(invite.token.size(), 24);
    QCOMPARE(store.find(invite.token)->status(), Invite::Status::Valid);

    QVERIFY2(store.recordUse(invite.token, u"dave"_s, &error), qPrintable(error));
    QCOMPARE(store.find(invite.token)->status(), Invite::Status::Valid);
    QVERIFY(store.recordUse(invite.token, u"erin"_s, &error));
    const auto used = store.find(invite.token);
    QCOMPARE(used->status(), Invite::Status::UsedUp);
    QCOMPARE(used->usedBy, (QStringList{u"dave"_s, u"erin"_s}));
    // A third use is refused and not counted.
    QVERIFY(!store.recordUse(invite.token, u"frank"_s, &error));
    QCOMPARE(error, u"the invitation is used"_s);
    QCOMPARE(store.find(invite.token)->uses, 2);
    QVERIFY(!store.recordUse(u"nonsense"_s, u"frank"_s, &error));
    QCOMPARE(error, u"the invitation is unknown"_s);
}

void TestInvites::expiryAndRevocation()
{
    TempDatabase db;
    InviteStore store(db.database());
    QString error;
    QVERIFY(store.ensureSchema(&error));
    Invite old;
    old.expires = QDateTime::currentDateTimeUtc().addSecs(-5);
    QVERIFY(store.create(&old, &error));
    QCOMPARE(store.find(old.token)->status(), Invite::Status::Expired);
    QVERIFY(!store.recordUse(old.token, u"dave"_s, &error));
    QCOMPARE(error, u"the invitation is expired"_s);

    Invite revoked;
    revoked.maxUses = 5;
    QVERIFY(store.create(&revoked, &error));
    QVERIFY(store.revoke(revoked.token, &error));
    QCOMPARE(store.find(revoked.token)->status(), Invite::Status::Revoked);
    QVERIFY(!store.recordUse(revoked.token, u"dave"_s, &error));
    QVERIFY(!store.revoke(u"nonsense"_s, &error));
    QCOMPARE(store.list().size(), 2);
}

void TestInvites::reservedNames()
{
    TempDatabase db;
    InviteStore store(db.database());
    QString error;
    QVERIFY(store.ensureSchema(&error));
    Invite fixed;
    fixed.username = u"gina"_s;
    QVERIFY(store.create(&fixed, &error));
    QVERIFY(store.isReserved(u"gina"_s));
    QVERIFY(!store.isReserved(u"gina"_s, fixed.token));   // its own token may take it
    QVERIFY(!store.isReserved(u"hank"_s));
    QVERIFY(store.recordUse(fixed.token, u"gina"_s, &error));
    QVERIFY(!store.isReserved(u"gina"_s));                 // used: no longer held
}

void TestInvites::uriForms()
{
    Invite invite;
    invite.token = u"T0K3N"_s;
    QCOMPARE(invite.uri(u"example.test"_s), u"xmpp:example.test?register;preauth=T0K3N"_s);
    invite.username = u"juliet"_s;
    QCOMPARE(invite.uri(u"example.test"_s), u"xmpp:juliet@example.test?register;preauth=T0K3N"_s);
}

void TestInvites::schemaIsIdempotent()
{
    TempDatabase db;
    InviteStore store(db.database());
    QString error;
    QVERIFY(store.ensureSchema(&error));
    Invite invite;
    QVERIFY(store.create(&invite, &error));
    QVERIFY2(InviteStore(db.database()).ensureSchema(&error), qPrintable(error));
    QVERIFY(store.find(invite.token));
}

void TestInvites::qrTerminalMatchesMatrix()
{
    const QrCode code = QrCode::encode(u"xmpp:localhost?register;preauth=abc"_s);
    QVERIFY(code.size() >= 21);
    // Finder pattern corners are dark.
    QVERIFY(code.dark(0, 0) && code.dark(code.size() - 1, 0) && code.dark(0, code.size() - 1));
    const int border = 2;
    const QStringList lines = code.terminalLines(border);
    QCOMPARE(lines.size(), (code.size() + 2 * border + 1) / 2);
    for (int row = 0; row < lines.size(); ++row) {
        QCOMPARE(lines[row].size(), code.size() + 2 * border);
        for (int x = 0; x < lines[row].size(); ++x) {
            const int y = row * 2 - border;
            const QChar c = lines[row][x];
            const bool topDark = c == u' ' || c == QChar(0x2584);
            const bool bottomDark = c == u' ' || c == QChar(0x2580);
            QCOMPARE(topDark, code.dark(x - border, y));
            QCOMPARE(bottomDark, code.dark(x - border, y + 1));
        }
    }
}

void TestInvites::kickTexts()
{
    const QDateTime until(QDate(2030, 1, 2), QTime(3, 4, 5), Qt::UTC);
    QCOMPARE(AdminService::kickText(u"Take a break"_s, until, false),
             u"Take a break (you cannot log in again until 2030-01-02 03:04:05 UTC)"_s);
    QCOMPARE(AdminService::keepOutFailureText(until), u"Kept out by the administrator until 2030-01-02 03:04:05 UTC"_s);
    QCOMPARE(AdminService::kickText(QString(), QDateTime(), false), u"Kicked by the administrator"_s);
    QVERIFY(AdminService::kickText(u"x"_s, QDateTime(), true).contains(u"enables your account"_s));
}

void TestInvites::kickDialogKeepOut()
{
    KickDialog dialog({u"alice@localhost/desk"_s});
    QCOMPARE(dialog.keepOutSeconds(), 0);
    QVERIFY(dialog.explanation().contains(u"policy-violation"_s));
    QVERIFY(dialog.explanation().contains(u"Nothing stops it"_s));
    dialog.setCondition(StreamError::Condition::Reset);
    dialog.setKeepOutSeconds(300);
    // Keeping out forces policy-violation and says what the next login will show.
    QCOMPARE(dialog.condition(), std::optional(StreamError::Condition::PolicyViolation));
    QVERIFY(!dialog.findChild<QComboBox *>(u"condition"_s)->isEnabled());
    QVERIFY(dialog.explanation().contains(u"account-disabled"_s));
    QVERIFY(dialog.explanation().contains(u"5 minutes"_s));
    dialog.setKeepOutSeconds(-1);
    QVERIFY(dialog.explanation().contains(u"enable it again"_s));
    dialog.setKeepOutSeconds(0);
    QVERIFY(dialog.findChild<QComboBox *>(u"condition"_s)->isEnabled());
}

void TestInvites::landingPage()
{
    const QString uri = u"xmpp:example.test?register;preauth=A&B"_s;
    const QString page = InvitePage::html(u"example.test"_s, uri);
    QVERIFY(page.startsWith(u"<!DOCTYPE html>"_s));
    QVERIFY(page.contains(u"Conversations"_s));
    // The button opens the xmpp: link, escaped for HTML.
    QVERIFY(page.contains(u"<a class=\"button\" href=\"xmpp:example.test?register;preauth=A&amp;B\">"_s));
    QVERIFY(!page.contains(u"preauth=A&B"_s));
    QVERIFY(InvitePage::html(u"example.test"_s, uri, u"juliet"_s).contains(u"juliet@example.test"_s));
}

// The console against a real server in its thread: the Invites tab creates (with a QR image
// that encodes the link), lists and revokes; the Accounts tab shows a keep-out and lifts it.
void TestInvites::consoleInvitesAndKeepOut()
{
    QTemporaryDir dir;
    ServerConfig config;
    config.dataDir = dir.path();
    config.c2sPort = 0;
    config.c2sTlsPort = 0;
    config.scramIterations = 4096;
    ServerLink link;
    QString error;
    QVERIFY2(link.start(config, &error), qPrintable(error));
    QCOMPARE(link.addAccount(u"alice"_s, u"alice-secret"_s), QString());

    InvitesTab invites(&link);
    const QString uri = invites.createInvite(3, 86400, QString(), u"alice"_s, QString());
    QVERIFY2(uri.startsWith(u"xmpp:localhost?register;preauth="_s), qPrintable(invites.message()));
    const QString token = uri.section(u"preauth="_s, 1);
    QVERIFY(invites.tokens().contains(token));
    QVERIFY(!invites.qrPixmap().isNull());
    // The image is the code of the link: modules match QrCode's matrix (4 px each, 4 quiet).
    const QImage image = invites.qrPixmap().toImage();
    const QrCode code = QrCode::encode(uri);
    QCOMPARE(image.width(), (code.size() + 8) * 4);
    for (int y = 0; y < code.size(); y += 3)
        for (int x = 0; x < code.size(); x += 3)
            QCOMPARE(qGray(image.pixel((x + 4) * 4 + 2, (y + 4) * 4 + 2)) < 128, code.dark(x, y));
    QVERIFY(invites.createInvite(2, 0, u"bob"_s, QString(), QString()).isEmpty());   // fixed name: one use
    QVERIFY(invites.message().contains(u"once"_s));
    QVERIFY(invites.revoke(token));
    const QList<Invite> list = link.invites();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list.first().status(), Invite::Status::Revoked);
    QCOMPARE(list.first().contactOf, u"alice"_s);

    AccountsTab accounts(&link);
    QCOMPARE(link.kickKeepOut(u"alice@localhost"_s, 300, u"Break"_s), QString());
    accounts.refresh();
    auto *tree = accounts.findChild<QTreeWidget *>(u"accounts"_s);
    QVERIFY(tree->topLevelItem(0)->text(1).startsWith(u"kept out until"_s));
    tree->setCurrentItem(tree->topLevelItem(0));
    QVERIFY(accounts.findChild<QPushButton *>(u"liftKeepOut"_s)->isEnabled());
    QVERIFY(accounts.liftKeepOut(u"alice"_s));
    accounts.refresh();
    QCOMPARE(tree->topLevelItem(0)->text(1), u"enabled"_s);
    QVERIFY(link.keepOuts().isEmpty());
    QVERIFY(!link.kickKeepOut(u"nobody@localhost"_s, 300, QString()).isEmpty());
    link.shutdown();
}

QTEST_MAIN(TestInvites)
#include "tst_invites.moc"
