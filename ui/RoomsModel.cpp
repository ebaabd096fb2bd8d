#include "RoomsModel.h"

using namespace Qt::StringLiterals;

bool RoomsModel::sameDisplay(const MucRoomInfo &a, const MucRoomInfo &b) const
{
    return a.name == b.name && a.occupants == b.occupants && a.subject == b.subject && a.persistent == b.persistent
           && a.membersOnly == b.membersOnly;
}

QVariant RoomsModel::data(const QModelIndex &index, int role) const
{
    const MucRoomInfo *room = rowAt(index.row());
    if (!room)
        return {};
    if (role == JidRole)
        return room->jid;
    if (role == Qt::TextAlignmentRole && index.column() == OccupantsColumn)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == SubjectColumn)
        return room->subject;
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case RoomColumn: return room->jid;
    case NameColumn: return room->name;
    case OccupantsColumn: return room->occupants;
    case SubjectColumn: return room->subject;
    case PersistentColumn: return room->persistent ? tr("persistent") : tr("temporary");
    case MembersOnlyColumn: return room->membersOnly ? tr("members only") : tr("open");
    default: return {};
    }
}

QVariant RoomsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case RoomColumn: return tr("Room");
    case NameColumn: return tr("Name");
    case OccupantsColumn: return tr("Occupants");
    case SubjectColumn: return tr("Subject");
    case PersistentColumn: return tr("Kept");
    case MembersOnlyColumn: return tr("Entry");
    default: return {};
    }
}
