#include "UserProfileView.h"

#include "ServerLink.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
constexpr int AvatarSize = 64;
}

UserProfileView::UserProfileView(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_avatar(new QLabel(this))
    , m_nickname(new QLabel(this))
    , m_omemo(new QLabel(this))
    , m_nodes(new QTreeWidget(this))
    , m_delete(new QPushButton(tr("&Delete node…"), this))
    , m_message(new QLabel(this))
{
    setObjectName(u"userProfile"_s);
    auto *layout = new QVBoxLayout(this);
    auto *top = new QHBoxLayout;
    m_avatar->setObjectName(u"avatar"_s);
    m_avatar->setFixedSize(AvatarSize, AvatarSize);
    m_avatar->setAlignment(Qt::AlignCenter);
    m_avatar->setFrameShape(QFrame::StyledPanel);
    top->addWidget(m_avatar);
    auto *form = new QFormLayout;
    m_nickname->setObjectName(u"nickname"_s);
    m_nickname->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_omemo->setObjectName(u"omemo"_s);
    m_omemo->setWordWrap(true);
    form->addRow(tr("Nickname:"), m_nickname);
    form->addRow(tr("OMEMO:"), m_omemo);
    top->addLayout(form, 1);
    layout->addLayout(top);

    m_nodes->setObjectName(u"pepNodes"_s);
    m_nodes->setRootIsDecorated(false);
    m_nodes->setUniformRowHeights(true);
    m_nodes->setSortingEnabled(true);
    m_nodes->setHeaderLabels({tr("PEP node"), tr("Items"), tr("Access")});
    m_nodes->sortByColumn(0, Qt::AscendingOrder);
    layout->addWidget(m_nodes, 1);

    auto *buttons = new QHBoxLayout;
    m_delete->setObjectName(u"deleteNode"_s);
    m_delete->setEnabled(false);
    m_message->setObjectName(u"profileMessage"_s);
    buttons->addWidget(m_message, 1);
    buttons->addWidget(m_delete);
    layout->addLayout(buttons);
    connect(m_nodes, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem *item) { m_delete->setEnabled(item); });
    connect(m_delete, &QPushButton::clicked, this, &UserProfileView::deleteSelectedNode);
    showUser(QString());
}

void UserProfileView::showUser(const QString &username)
{
    if (username == m_user && !username.isEmpty())
        return;
    m_user = username;
    m_message->clear();
    refresh();
}

void UserProfileView::refresh()
{
    m_nodes->clear();
    m_avatar->clear();
    m_delete->setEnabled(false);
    if (m_user.isEmpty()) {
        m_nickname->setText(tr("(not authenticated)"));
        m_omemo->clear();
        return;
    }
    const UserProfile profile = m_link->userProfile(m_user);
    m_nickname->setText(profile.nickname.isEmpty() ? tr("(none)") : profile.nickname);
    QPixmap avatar;
    if (!profile.avatar.isEmpty() && avatar.loadFromData(profile.avatar))
        m_avatar->setPixmap(avatar.scaled(AvatarSize, AvatarSize, Qt::KeepAspectRatio, Qt::SmoothTransformation));
    else
        m_avatar->setText(tr("no avatar"));
    QString omemo;
    if (!profile.omemoDeviceList)
        omemo = tr("no device list published");
    else
        omemo = tr("device list %1; %n bundle(s), %2 readable by contacts", nullptr, profile.omemoBundles)
                        .arg(profile.omemoDeviceListReadable ? tr("readable by contacts") : tr("NOT readable by contacts"))
                        .arg(profile.omemoBundlesReadable);
    m_omemo->setText(omemo);
    m_nodes->setSortingEnabled(false);
    for (const UserProfile::Node &node : profile.nodes) {
        auto *item = new QTreeWidgetItem(QStringList{node.name, QString::number(node.items), node.accessModel});
        item->setData(1, Qt::DisplayRole, node.items);
        m_nodes->addTopLevelItem(item);
    }
    m_nodes->setSortingEnabled(true);
}

void UserProfileView::deleteSelectedNode()
{
    const QTreeWidgetItem *item = m_nodes->currentItem();
    if (!item || m_user.isEmpty())
        return;
    const QString node = item->text(0);
    const auto answer = QMessageBox::question(
            this, tr("Delete PEP node"),
            tr("Delete the node %1 of %2 with its %n item(s)? Its subscribers are told; this cannot be undone.",
               nullptr, item->data(1, Qt::DisplayRole).toInt())
                    .arg(node, m_user));
    if (answer != QMessageBox::Yes)
        return;
    const QString error = m_link->deletePepNode(m_user, node);
    refresh();
    m_message->setText(error.isEmpty() ? tr("Node %1 deleted.").arg(node) : error);
}

int UserProfileView::nodeCount() const
{
    return m_nodes->topLevelItemCount();
}

QString UserProfileView::omemoText() const
{
    return m_omemo->text();
}

QString UserProfileView::nicknameText() const
{
    return m_nickname->text();
}

bool UserProfileView::hasAvatar() const
{
    return !m_avatar->pixmap().isNull();
}
