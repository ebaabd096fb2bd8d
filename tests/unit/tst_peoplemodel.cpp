#include "PeopleModel.h"
#include "PresenceText.h"

#include <QAbstractItemModelTester>
#include <QBuffer>
#include <QElapsedTimer>
#include <QIcon>
#include <QImage>
#include <QPixmap>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
SessionSnapshot bound(quint64 id, const QString &user, const QString &resource, const QString &show = QString(),
                      bool available = true)
{
    SessionSnapshot s;
    s.id = id;
    s.type = SessionSnapshot::Type::Bound;
    s.username = user;
    s.fullJid = u"%1@localhost/%2"_s.arg(user, resource);
    s.available = available;
    s.presenceShow = show;
    s.peerAddress = QHostAddress(u"127.0.0.1"_s);
    s.peerPort = quint16(40000 + id % 20000);
    return s;
}
} // namespace

// The people tree: accounts over their devices, fed by batches, never reset by one.
class TestPeopleModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void twoDevicesOfOnePerson()
    {
        PeopleModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSnapshots({});
        SessionSnapshot laptop = bound(1, u"alice"_s, u"laptop"_s);
        laptop.clientVersion = u"Slixmpp 1.8.3"_s;
        laptop.rttMs = 3;
        laptop.presenceStatus = u"Writing"_s;
        SessionSnapshot phone = bound(2, u"alice"_s, u"phone"_s, u"away"_s);
        SessionSnapshot unauthenticated;
        unauthenticated.id = 3;
        model.applyBatch({laptop, phone, unauthenticated, bound(4, u"bob"_s, u"desk"_s, u"dnd"_s)}, {});
        QCOMPARE(model.rowCount(), 2);   // the connection without a user belongs to nobody
        const QModelIndex alice = model.indexOfAccount(u"alice"_s);
        QCOMPARE(model.rowCount(alice), 2);
        QCOMPARE(alice.siblingAtColumn(PeopleModel::PresenceColumn).data().toString(), u"best Online, worst Away"_s);
        QVERIFY(alice.data().toString().contains(u"2 devices"_s));
        QVERIFY(!alice.data(Qt::DecorationRole).value<QIcon>().isNull());
        const QModelIndex first = model.index(0, 0, alice);
        QCOMPARE(first.data().toString(), u"laptop"_s);
        QCOMPARE(first.siblingAtColumn(PeopleModel::PresenceColumn).data().toString(), u"Online \u2014 Writing"_s);
        QCOMPARE(first.siblingAtColumn(PeopleModel::ClientColumn).data().toString(), u"Slixmpp 1.8.3"_s);
        QCOMPARE(first.siblingAtColumn(PeopleModel::RttColumn).data().toString(), u"3 ms"_s);
        QCOMPARE(model.index(1, PeopleModel::PresenceColumn, alice).data().toString(), u"Away"_s);

        // The nickname a device announces names the person.
        laptop.nickname = u"Alice Liddell"_s;
        model.applyBatch({laptop}, {});
        QVERIFY(model.indexOfAccount(u"alice"_s).data().toString().startsWith(u"Alice Liddell (alice)"_s));
        // The phone goes: one device left; the laptop goes: alice goes.
        model.applyBatch({}, {2});
        QCOMPARE(model.rowCount(model.indexOfAccount(u"alice"_s)), 1);
        QCOMPARE(model.indexOfAccount(u"alice"_s).siblingAtColumn(PeopleModel::PresenceColumn).data().toString(),
                 u"Online"_s);
        model.applyBatch({}, {1});
        QVERIFY(!model.indexOfAccount(u"alice"_s).isValid());
        QCOMPARE(model.rowCount(), 1);
        // A connection that authenticates joins its person.
        unauthenticated.username = u"bob"_s;
        unauthenticated.type = SessionSnapshot::Type::Authenticated;
        model.applyBatch({unauthenticated}, {});
        QCOMPARE(model.rowCount(model.indexOfAccount(u"bob"_s)), 2);
        QCOMPARE(model.indexOfSession(3).parent(), model.indexOfAccount(u"bob"_s));
    }

    // 10,000 sessions of 5,000 people: every batch is applied in place (no reset), and a
    // second's worth of batches takes well under a second.
    void tenThousandSessionsWithoutResets()
    {
        PeopleModel model;
        QList<SessionSnapshot> all;
        for (quint64 id = 1; id <= 10000; ++id)
            all.append(bound(id, u"user%1"_s.arg((id - 1) / 2, 5, 10, QLatin1Char('0')), u"r%1"_s.arg(id % 2)));
        model.setSnapshots(all);
        QCOMPARE(model.rowCount(), 5000);
        QSignalSpy resets(&model, &QAbstractItemModel::modelAboutToBeReset);
        QSignalSpy layouts(&model, &QAbstractItemModel::layoutAboutToBeChanged);
        QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);

        QElapsedTimer timer;
        timer.start();
        quint64 next = 10001;
        for (int batch = 0; batch < 10; ++batch) {
            QList<SessionSnapshot> changed;
            QList<quint64> closed;
            for (int i = 0; i < 100; ++i) {
                SessionSnapshot s = all.at(batch * 1000 + i * 7);
                s.presenceShow = u"away"_s;
                s.rttMs = i;
                changed.append(s);
            }
            for (int i = 0; i < 20; ++i)
                closed.append(quint64(batch * 1000 + i * 9 + 800));   // none of them changed above
            for (int i = 0; i < 20; ++i)
                changed.append(bound(next++, u"newcomer%1"_s.arg(next), u"r"_s));
            model.applyBatch(changed, closed);
        }
        const qint64 ms = timer.elapsed();
        QCOMPARE(resets.size(), 0);
        QCOMPARE(layouts.size(), 0);
        QVERIFY(changes.size() >= 1000);   // each change reported where it happened
        QCOMPARE(model.rowCount(), 5000 + 200);
        QVERIFY2(ms < 2000, qPrintable(u"ten batches took %1 ms"_s.arg(ms)));
        const QModelIndex changedRow = model.indexOfSession(all.at(7).id);
        QCOMPARE(changedRow.siblingAtColumn(PeopleModel::PresenceColumn).data().toString(), u"Away"_s);
    }

    void ownPictureInsteadOfTheInitial()
    {
        PeopleModel model;
        QAbstractItemModelTester tester(&model);
        model.setSnapshots({bound(1, u"alice"_s, u"desk"_s), bound(2, u"bob"_s, u"desk"_s)});
        QImage red(16, 16, QImage::Format_RGB32);
        red.fill(Qt::red);
        QByteArray png;
        QBuffer buffer(&png);
        buffer.open(QIODevice::WriteOnly);
        QVERIFY(red.save(&buffer, "PNG"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setAvatarPictures({{u"alice"_s, png}, {u"bob"_s, QByteArray("not a picture")}});
        QCOMPARE(changed.size(), 1);   // alice's row; bob's data does not decode
        const auto pixel = [&](const QString &user) {
            const QIcon icon = model.indexOfAccount(user).siblingAtColumn(PeopleModel::NameColumn).data(Qt::DecorationRole).value<QIcon>();
            return icon.pixmap(16, 16).toImage().pixelColor(8, 8);
        };
        QCOMPARE(pixel(u"alice"_s), QColor(Qt::red));
        QVERIFY(pixel(u"bob"_s) != QColor(Qt::red));   // the drawn initial
        model.setAvatarPictures({});
        QVERIFY(pixel(u"alice"_s) != QColor(Qt::red));
    }

    void presenceInWords()
    {
        SessionSnapshot s = bound(1, u"a"_s, u"r"_s, u"xa"_s);
        s.presenceStatus = u"Holiday"_s;
        QCOMPARE(PresenceText::summary(s), u"Extended away \u2014 Holiday"_s);
        s.presenceShow = u"chat"_s;
        QCOMPARE(PresenceText::show(s), u"Free to chat"_s);
        QVERIFY(PresenceText::rank(s) < PresenceText::rank(bound(2, u"a"_s, u"r"_s)));
        s.available = false;
        QCOMPARE(PresenceText::show(s), u"Offline"_s);
    }
};

QTEST_MAIN(TestPeopleModel)
#include "tst_peoplemodel.moc"
