#include "RoomOccupantsModel.h"

void RoomOccupantsModel::applyOccupants(const QString &roomJid, const QList<MucOccupantInfo> &occupants)
{
    if (roomJid != m_room) {
        m_room = roomJid;
        applyRows({});   // another room's rows share nicknames by chance only
    }
    applyRows(occupants);
}

QVariant RoomOccupantsModel::data(const QModelIndex &index, int role) const
{
    const MucOccupantInfo *o = rowAt(index.row());
    if (!o || role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NickColumn: return o->nick;
    case RealJidColumn: return o->realJid;
    case RoleColumn: return Muc::roleName(o->role);
    case AffiliationColumn: return Muc::affiliationName(o->affiliation);
    default: return {};
    }
}

QVariant RoomOccupantsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NickColumn: return tr("Nickname");
    case RealJidColumn: return tr("Real JID");
    case RoleColumn: return tr("Role");
    case AffiliationColumn: return tr("Affiliation");
    default: return {};
    }
}
