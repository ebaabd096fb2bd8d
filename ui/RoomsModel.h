#pragma once

#include "KeyedTableModel.h"
#include "modules/MucService.h"

#include <QCoreApplication>

// The rooms of the group chat service (XEP-0045), one row per room sorted by JID, updated from
// the service's room list in place (KeyedTableModel: never a reset).
class RoomsModel final : public KeyedTableModel<MucRoomInfo>
{
    Q_DECLARE_TR_FUNCTIONS(RoomsModel)
public:
    enum Column { RoomColumn, NameColumn, OccupantsColumn, SubjectColumn, PersistentColumn, MembersOnlyColumn,
                  ColumnCount };
    static constexpr int JidRole = Qt::UserRole + 1;

    using KeyedTableModel::KeyedTableModel;

    void applyRooms(const QList<MucRoomInfo> &rooms) { applyRows(rooms); }

    int columnCount(const QModelIndex &parent = QModelIndex()) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const MucRoomInfo &room) const override { return room.jid; }
    bool sameDisplay(const MucRoomInfo &a, const MucRoomInfo &b) const override;
};
