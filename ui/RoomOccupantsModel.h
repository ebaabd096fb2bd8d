#pragma once

#include "KeyedTableModel.h"
#include "modules/MucService.h"

#include <QCoreApplication>

// The occupants of one room, one row per nickname, updated in place (KeyedTableModel).
class RoomOccupantsModel final : public KeyedTableModel<MucOccupantInfo>
{
    Q_DECLARE_TR_FUNCTIONS(RoomOccupantsModel)
public:
    enum Column { NickColumn, RealJidColumn, RoleColumn, AffiliationColumn, ColumnCount };

    using KeyedTableModel::KeyedTableModel;

    // The room's occupants; another room than before replaces the rows (removal, insertion).
    void applyOccupants(const QString &roomJid, const QList<MucOccupantInfo> &occupants);
    QString roomJid() const { return m_room; }

    int columnCount(const QModelIndex &parent = QModelIndex()) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

protected:
    QString keyOf(const MucOccupantInfo &o) const override { return o.nick; }
    bool sameDisplay(const MucOccupantInfo &a, const MucOccupantInfo &b) const override
    {
        return a.realJid == b.realJid && a.role == b.role && a.affiliation == b.affiliation;
    }

private:
    QString m_room;
};
