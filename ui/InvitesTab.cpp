#include "InvitesTab.h"

#include "ServerLink.h"
#include "core/QrCode.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPainter>
#include <QPushButton>
#include <QSpinBox>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
enum Column { Token, State, Uses, Expires, Account, ContactOf, Room, CreatedBy, UsedBy };

QPixmap renderQr(const QString &text, int scale)
{
    const QrCode code = QrCode::encode(text);
    if (code.size() == 0)
        return {};
    const int border = 4;   // the quiet zone scanners need
    const int side = code.size() + 2 * border;
    QImage image(side, side, QImage::Format_Mono);
    image.fill(1);
    for (int y = 0; y < code.size(); ++y)
        for (int x = 0; x < code.size(); ++x)
            image.setPixel(x + border, y + border, code.dark(x, y) ? 0 : 1);
    return QPixmap::fromImage(image.scaled(side * scale, side * scale));
}
} // namespace

InvitesTab::InvitesTab(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_uses(new QSpinBox(this))
    , m_expires(new QComboBox(this))
    , m_user(new QLineEdit(this))
    , m_contactOf(new QLineEdit(this))
    , m_room(new QLineEdit(this))
    , m_create(new QPushButton(tr("&Create invitation"), this))
    , m_qr(new QLabel(this))
    , m_uriLabel(new QLabel(this))
    , m_list(new QTreeWidget(this))
    , m_revoke(new QPushButton(tr("Re&voke"), this))
    , m_message(new QLabel(this))
{
    setObjectName(u"invitesTab"_s);
    auto *layout = new QVBoxLayout(this);

    auto *top = new QHBoxLayout;
    auto *box = new QGroupBox(tr("New invitation"), this);
    auto *form = new QFormLayout(box);
    m_uses->setObjectName(u"uses"_s);
    m_uses->setRange(1, 1000);
    m_expires->setObjectName(u"expires"_s);
    m_expires->addItem(tr("1 day"), 86400);
    m_expires->addItem(tr("7 days"), 7 * 86400);
    m_expires->addItem(tr("30 days"), 30 * 86400);
    m_expires->addItem(tr("never"), 0);
    m_expires->setCurrentIndex(1);
    m_user->setObjectName(u"inviteUser"_s);
    m_user->setPlaceholderText(tr("optional: the account name, fixed"));
    m_contactOf->setObjectName(u"contactOf"_s);
    m_contactOf->setPlaceholderText(tr("optional: a user the invitee becomes a contact of"));
    m_room->setObjectName(u"room"_s);
    m_room->setPlaceholderText(tr("optional: a room the invitee becomes a member of"));
    form->addRow(tr("&Uses:"), m_uses);
    form->addRow(tr("&Expires after:"), m_expires);
    form->addRow(tr("Account &name:"), m_user);
    form->addRow(tr("Contact &of:"), m_contactOf);
    form->addRow(tr("&Room:"), m_room);
    form->addRow(m_create);
    top->addWidget(box, 1);

    auto *shown = new QVBoxLayout;
    m_qr->setObjectName(u"qrCode"_s);
    m_qr->setMinimumSize(200, 200);
    m_qr->setAlignment(Qt::AlignCenter);
    m_uriLabel->setObjectName(u"inviteLink"_s);
    m_uriLabel->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_uriLabel->setOpenExternalLinks(false);
    m_uriLabel->setWordWrap(true);
    shown->addWidget(m_qr);
    shown->addWidget(m_uriLabel);
    top->addLayout(shown, 1);
    layout->addLayout(top);

    m_list->setObjectName(u"invites"_s);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setHeaderLabels({tr("Token"), tr("State"), tr("Used"), tr("Expires"), tr("Account"), tr("Contact of"),
                             tr("Room"), tr("Created by"), tr("Accounts created")});
    m_list->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layout->addWidget(m_list, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_revoke);
    buttons->addStretch();
    auto *refreshButton = new QPushButton(tr("Re&fresh"), this);
    buttons->addWidget(refreshButton);
    layout->addLayout(buttons);
    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    layout->addWidget(m_message);

    connect(m_create, &QPushButton::clicked, this, [this] {
        createInvite(m_uses->value(), m_expires->currentData().toLongLong(), m_user->text(), m_contactOf->text(),
                     m_room->text());
    });
    connect(m_revoke, &QPushButton::clicked, this, [this] {
        if (const QTreeWidgetItem *item = m_list->currentItem())
            revoke(item->text(Token));
    });
    connect(refreshButton, &QPushButton::clicked, this, &InvitesTab::refresh);
    // Every invitation change (here, the command line, a user's ad-hoc command, a registration)
    // is audited: the audit feed tells this list when to reload.
    connect(m_link, &ServerLink::auditAppended, this, [this](const AuditEntry &entry) {
        if (entry.action.contains(u"invite"_s))
            refresh();
    });
    refresh();
}

void InvitesTab::refresh()
{
    const QString current = m_list->currentItem() ? m_list->currentItem()->text(Token) : QString();
    m_list->clear();
    const QList<Invite> invites = m_link->invites();
    for (const Invite &invite : invites) {
        auto *item = new QTreeWidgetItem(QStringList{
            invite.token, Invite::statusText(invite.status()), u"%1/%2"_s.arg(invite.uses).arg(invite.maxUses),
            invite.expires.isValid() ? invite.expires.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s) : tr("never"),
            invite.username, invite.contactOf, invite.room, invite.createdBy, invite.usedBy.join(u", "_s)});
        m_list->addTopLevelItem(item);
        if (invite.token == current)
            m_list->setCurrentItem(item);
    }
}

QString InvitesTab::createInvite(int uses, qint64 expiresSeconds, const QString &user, const QString &contactOf,
                                 const QString &room)
{
    Invite spec;
    spec.maxUses = uses;
    if (expiresSeconds > 0)
        spec.expires = QDateTime::currentDateTimeUtc().addSecs(expiresSeconds);
    spec.username = user.trimmed();
    spec.contactOf = contactOf.trimmed();
    spec.room = room.trimmed();
    const InviteResult result = m_link->createInvite(spec);
    showResult(result.error, tr("created an invitation: scan the code with Conversations, or send the link"));
    if (!result.error.isEmpty())
        return QString();
    showInvite(result.uri, result.pageUrl);
    refresh();
    return result.uri;
}

void InvitesTab::showInvite(const QString &uri, const QString &pageUrl)
{
    m_qrPixmap = renderQr(uri, 4);
    m_qr->setPixmap(m_qrPixmap);
    QString text = u"<a href=\"%1\">%1</a>"_s.arg(uri.toHtmlEscaped());
    if (!pageUrl.isEmpty())
        text += u"<br><a href=\"%1\">%1</a>"_s.arg(pageUrl.toHtmlEscaped());
    else
        text += u"<br>"_s + tr("(set invite_page_url to also give an https link)").toHtmlEscaped();
    m_uriLabel->setText(text);
}

bool InvitesTab::revoke(const QString &token)
{
    const QString error = m_link->revokeInvite(token);
    showResult(error, tr("revoked the invitation %1").arg(token));
    refresh();
    return error.isEmpty();
}

QString InvitesTab::message() const
{
    return m_message->text();
}

QStringList InvitesTab::tokens() const
{
    QStringList list;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        list.append(m_list->topLevelItem(i)->text(Token));
    return list;
}

void InvitesTab::showResult(const QString &error, const QString &success)
{
    const bool ok = error.isEmpty();
    QString text = ok ? success : error;
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    m_message->setText(text);
    m_message->setStyleSheet(ok ? u"color: #2e7d32;"_s : u"color: #b00020;"_s);
}
