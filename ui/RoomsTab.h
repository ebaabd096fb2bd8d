#pragma once

#include "RoomActionDialog.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableView;
class QTimer;
class RoomOccupantsModel;
class RoomsModel;
class ServerLink;

// The Rooms tab: the group chat rooms (XEP-0045) with occupant count, subject and flags, and the
// selected room's occupants live; an operator can kick or ban an occupant, change an
// affiliation or destroy the room, each confirmed with a reason and carried out by the MUC
// service with the console as the actor (audit log). The server's change signals come one per
// change; they are coalesced into one refresh per 100 ms.
class RoomsTab final : public QWidget
{
    Q_OBJECT
public:
    explicit RoomsTab(ServerLink *link, QWidget *parent = nullptr);

    RoomsModel *roomsModel() const { return m_rooms; }
    RoomOccupantsModel *occupantsModel() const { return m_occupants; }
    QTableView *roomsView() const { return m_roomsView; }
    QTableView *occupantsView() const { return m_occupantsView; }
    QString selectedRoom() const;
    bool selectRoom(const QString &roomJid);
    bool selectOccupant(const QString &nick);
    QString message() const;

public Q_SLOTS:
    // Ask (RoomActionDialog), then act on the selected room / occupant.
    void kickSelected();
    void banSelected();
    void changeAffiliationOfSelected();
    void destroySelected();
    void refresh();

private:
    const MucOccupantInfo *selectedOccupant() const;
    bool confirm(RoomActionDialog &dialog);
    void report(const QString &error, const QString &done);
    void scheduleRefresh();
    void updateButtons();

    ServerLink *m_link;
    RoomsModel *m_rooms;
    RoomOccupantsModel *m_occupants;
    QTableView *m_roomsView;
    QTableView *m_occupantsView;
    QLabel *m_occupantsTitle;
    QLabel *m_message;
    QPushButton *m_kick;
    QPushButton *m_ban;
    QPushButton *m_affiliation;
    QPushButton *m_destroy;
    QTimer *m_refresh;
    bool m_roomsDirty = true;
    bool m_occupantsDirty = true;
};
