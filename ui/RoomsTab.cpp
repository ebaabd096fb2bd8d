#include "RoomsTab.h"

#include "RoomOccupantsModel.h"
#include "RoomsModel.h"
#include "ServerLink.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
constexpr int BatchMs = 100;   // as the session table: one refresh per 100 ms at most

QTableView *makeTable(QAbstractItemModel *model, const QString &name, QWidget *parent)
{
    auto *view = new QTableView(parent);
    view->setObjectName(name);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->horizontalHeader()->setStretchLastSection(true);
    view->setAlternatingRowColors(true);
    return view;
}

QString bare(const QString &jid)
{
    return jid.section(u'/', 0, 0);
}
} // namespace

RoomsTab::RoomsTab(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_rooms(new RoomsModel(this))
    , m_occupants(new RoomOccupantsModel(this))
    , m_roomsView(makeTable(m_rooms, u"rooms"_s, this))
    , m_occupantsView(makeTable(m_occupants, u"occupants"_s, this))
    , m_occupantsTitle(new QLabel(this))
    , m_message(new QLabel(this))
    , m_kick(new QPushButton(tr("&Kick…"), this))
    , m_ban(new QPushButton(tr("&Ban…"), this))
    , m_affiliation(new QPushButton(tr("A&ffiliation…"), this))
    , m_destroy(new QPushButton(tr("&Destroy room…"), this))
    , m_refresh(new QTimer(this))
{
    setObjectName(u"roomsTab"_s);
    auto *layout = new QVBoxLayout(this);
    m_roomsView->setColumnWidth(RoomsModel::RoomColumn, 280);
    m_roomsView->setColumnWidth(RoomsModel::NameColumn, 140);
    m_roomsView->setColumnWidth(RoomsModel::SubjectColumn, 320);

    auto *bottom = new QWidget(this);
    auto *bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    m_occupantsTitle->setObjectName(u"occupantsTitle"_s);
    bottomLayout->addWidget(m_occupantsTitle);
    m_occupantsView->setColumnWidth(RoomOccupantsModel::NickColumn, 160);
    m_occupantsView->setColumnWidth(RoomOccupantsModel::RealJidColumn, 280);
    bottomLayout->addWidget(m_occupantsView);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_roomsView);
    splitter->addWidget(bottom);
    layout->addWidget(splitter, 1);

    auto *buttons = new QHBoxLayout;
    m_kick->setObjectName(u"kickOccupant"_s);
    m_ban->setObjectName(u"banOccupant"_s);
    m_affiliation->setObjectName(u"changeAffiliation"_s);
    m_destroy->setObjectName(u"destroyRoom"_s);
    m_kick->setToolTip(tr("Remove the selected occupant from the room (they may join again)"));
    m_ban->setToolTip(tr("Make the selected occupant's account an outcast of the room"));
    m_affiliation->setToolTip(tr("Owner, admin, member, none or outcast, for the selected occupant's account"));
    m_destroy->setToolTip(tr("Remove every occupant and the room itself"));
    m_message->setObjectName(u"roomsMessage"_s);
    buttons->addWidget(m_kick);
    buttons->addWidget(m_ban);
    buttons->addWidget(m_affiliation);
    buttons->addStretch();
    buttons->addWidget(m_message, 2);
    buttons->addWidget(m_destroy);
    layout->addLayout(buttons);

    connect(m_kick, &QPushButton::clicked, this, &RoomsTab::kickSelected);
    connect(m_ban, &QPushButton::clicked, this, &RoomsTab::banSelected);
    connect(m_affiliation, &QPushButton::clicked, this, &RoomsTab::changeAffiliationOfSelected);
    connect(m_destroy, &QPushButton::clicked, this, &RoomsTab::destroySelected);

    m_refresh->setSingleShot(true);
    m_refresh->setInterval(BatchMs);
    connect(m_refresh, &QTimer::timeout, this, &RoomsTab::refresh);
    connect(m_link, &ServerLink::mucRoomsChanged, this, [this] {
        m_roomsDirty = true;
        scheduleRefresh();
    });
    connect(m_link, &ServerLink::mucOccupantsChanged, this, [this](const QString &room) {
        if (room == m_occupants->roomJid()) {
            m_occupantsDirty = true;
            scheduleRefresh();
        }
    });
    connect(m_roomsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        m_occupantsDirty = true;
        refresh();
    });
    connect(m_occupantsView->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RoomsTab::updateButtons);
    refresh();
}

void RoomsTab::scheduleRefresh()
{
    if (!m_refresh->isActive())
        m_refresh->start();
}

void RoomsTab::refresh()
{
    if (m_roomsDirty) {
        m_roomsDirty = false;
        m_rooms->applyRooms(m_link->mucRooms());
    }
    const QString room = selectedRoom();
    if (m_occupantsDirty || room != m_occupants->roomJid()) {
        m_occupantsDirty = false;
        m_occupants->applyOccupants(room, room.isEmpty() ? QList<MucOccupantInfo>() : m_link->mucOccupants(room));
    }
    m_occupantsTitle->setText(room.isEmpty() ? tr("Select a room to see its occupants.")
                                             : tr("Occupants of %1: %n", nullptr, m_occupants->rowCount()).arg(room));
    updateButtons();
}

void RoomsTab::updateButtons()
{
    const bool room = !selectedRoom().isEmpty();
    const bool occupant = selectedOccupant() != nullptr;
    m_kick->setEnabled(occupant);
    m_ban->setEnabled(occupant);
    m_affiliation->setEnabled(occupant);
    m_destroy->setEnabled(room);
}

QString RoomsTab::selectedRoom() const
{
    const QModelIndexList rows = m_roomsView->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(RoomsModel::JidRole).toString();
}

const MucOccupantInfo *RoomsTab::selectedOccupant() const
{
    const QModelIndexList rows = m_occupantsView->selectionModel()->selectedRows();
    return rows.isEmpty() ? nullptr : m_occupants->rowAt(rows.first().row());
}

bool RoomsTab::selectRoom(const QString &roomJid)
{
    const int row = m_rooms->rowOf(roomJid);
    if (row < 0)
        return false;
    m_roomsView->selectRow(row);
    return true;
}

bool RoomsTab::selectOccupant(const QString &nick)
{
    const int row = m_occupants->rowOf(nick);
    if (row < 0)
        return false;
    m_occupantsView->selectRow(row);
    return true;
}

QString RoomsTab::message() const
{
    return m_message->text();
}

bool RoomsTab::confirm(RoomActionDialog &dialog)
{
    return dialog.exec() == QDialog::Accepted;
}

void RoomsTab::report(const QString &error, const QString &done)
{
    m_message->setText(error.isEmpty() ? done : tr("Failed: %1").arg(error));
    m_roomsDirty = m_occupantsDirty = true;
    scheduleRefresh();
}

void RoomsTab::kickSelected()
{
    const MucOccupantInfo *o = selectedOccupant();
    if (!o)
        return;
    const QString room = m_occupants->roomJid(), nick = o->nick;
    RoomActionDialog dialog(RoomActionDialog::Action::Kick, room, nick, this);
    if (confirm(dialog))
        report(m_link->mucKick(room, nick, dialog.reason()), tr("%1 was kicked from %2.").arg(nick, room));
}

void RoomsTab::banSelected()
{
    const MucOccupantInfo *o = selectedOccupant();
    if (!o)
        return;
    const QString room = m_occupants->roomJid(), account = bare(o->realJid);
    RoomActionDialog dialog(RoomActionDialog::Action::Ban, room, account, this);
    if (confirm(dialog))
        report(m_link->mucBan(room, account, dialog.reason()), tr("%1 was banned from %2.").arg(account, room));
}

void RoomsTab::changeAffiliationOfSelected()
{
    const MucOccupantInfo *o = selectedOccupant();
    if (!o)
        return;
    const QString room = m_occupants->roomJid(), account = bare(o->realJid);
    RoomActionDialog dialog(RoomActionDialog::Action::Affiliation, room, account, this);
    dialog.setAffiliation(o->affiliation);
    if (confirm(dialog)) {
        const Muc::Affiliation affiliation = dialog.affiliation();
        report(m_link->mucSetAffiliation(room, account, affiliation, dialog.reason()),
               tr("%1 is now %2 of %3.").arg(account, Muc::affiliationName(affiliation), room));
    }
}

void RoomsTab::destroySelected()
{
    const QString room = selectedRoom();
    if (room.isEmpty())
        return;
    RoomActionDialog dialog(RoomActionDialog::Action::Destroy, room, QString(), this);
    if (confirm(dialog))
        report(m_link->mucDestroy(room, dialog.reason()), tr("%1 was destroyed.").arg(room));
}
