// RoomsModel and RoomOccupantsModel (KeyedTableModel): a fresh list becomes block removals,
// block insertions where the rows sort, and ranged dataChanged — never a reset.

#include "RoomOccupantsModel.h"
#include "RoomsModel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {
MucRoomInfo room(const QString &name, int occupants, const QString &subject = QString())
{
    MucRoomInfo r;
    r.jid = name + u"@conference.localhost"_s;
    r.occupants = occupants;
    r.subject = subject;
    return r;
}

QStringList jids(const RoomsModel &model)
{
    QStringList list;
    for (int row = 0; row < model.rowCount(); ++row)
        list.append(model.index(row, RoomsModel::RoomColumn).data().toString().section(u'@', 0, 0));
    return list;
}
} // namespace

class tst_RoomsModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void insertsRemovesAndChangesInPlace();
    void occupantsOfAnotherRoomReplaceTheRows();
};

void tst_RoomsModel::insertsRemovesAndChangesInPlace()
{
    RoomsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    model.applyRooms({room(u"d"_s, 1), room(u"b"_s, 2), room(u"f"_s, 3)});
    QCOMPARE(jids(model), (QStringList{u"b"_s, u"d"_s, u"f"_s}));
    QCOMPARE(inserted.count(), 1);   // one block

    // a and c new, d gone, b and f changed, in one update.
    inserted.clear();
    model.applyRooms({room(u"a"_s, 5), room(u"b"_s, 7), room(u"c"_s, 1), room(u"f"_s, 3, u"news"_s)});
    QCOMPARE(jids(model), (QStringList{u"a"_s, u"b"_s, u"c"_s, u"f"_s}));
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 1);   // d was row 1
    QCOMPARE(inserted.count(), 2);                 // a before b, c after it
    QCOMPARE(changed.count(), 2);                  // b and f, not adjacent
    QCOMPARE(model.index(model.rowOf(u"b@conference.localhost"_s), RoomsModel::OccupantsColumn).data().toInt(), 7);
    QCOMPARE(model.index(model.rowOf(u"f@conference.localhost"_s), RoomsModel::SubjectColumn).data().toString(),
             u"news"_s);

    // The same list again: nothing to say.
    changed.clear();
    inserted.clear();
    removed.clear();
    model.applyRooms({room(u"f"_s, 3, u"news"_s), room(u"a"_s, 5), room(u"c"_s, 1), room(u"b"_s, 7)});
    QCOMPARE(changed.count() + inserted.count() + removed.count(), 0);

    // Adjacent changes are one range.
    model.applyRooms({room(u"a"_s, 6), room(u"b"_s, 8), room(u"c"_s, 1), room(u"f"_s, 3, u"news"_s)});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 0);
    QCOMPARE(changed.first().at(1).toModelIndex().row(), 1);

    model.applyRooms({});
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.rowOf(u"a@conference.localhost"_s), -1);
    QCOMPARE(resets.count(), 0);
}

void tst_RoomsModel::occupantsOfAnotherRoomReplaceTheRows()
{
    RoomOccupantsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto occupant = [](const QString &room, const QString &nick, Muc::Role role) {
        MucOccupantInfo o;
        o.roomJid = room;
        o.nick = nick;
        o.realJid = nick.toLower() + u"@localhost/x"_s;
        o.role = role;
        return o;
    };
    model.applyOccupants(u"one@c"_s, {occupant(u"one@c"_s, u"Ann"_s, Muc::Role::Moderator),
                                      occupant(u"one@c"_s, u"Bo"_s, Muc::Role::Participant)});
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.index(0, RoomOccupantsModel::RoleColumn).data().toString(), u"moderator"_s);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // Same nickname in another room: a new row, not a changed one.
    model.applyOccupants(u"two@c"_s, {occupant(u"two@c"_s, u"Ann"_s, Muc::Role::Visitor)});
    QCOMPARE(removed.count(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.roomJid(), u"two@c"_s);
    QCOMPARE(model.index(0, RoomOccupantsModel::RoleColumn).data().toString(), u"visitor"_s);
}

QTEST_MAIN(tst_RoomsModel)
#include "tst_roomsmodel.moc"
