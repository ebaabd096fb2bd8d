#include "AccountsTab.h"

#include "ServerLink.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPixmap>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace {
enum AccountColumn { AccountJid, AccountStatus, AccountCreated };
}

AccountsTab::AccountsTab(ServerLink *link, QWidget *parent)
    : QWidget(parent)
    , m_link(link)
    , m_list(new QTreeWidget(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_confirm(new QLineEdit(this))
    , m_add(new QPushButton(tr("&Add account"), this))
    , m_setPassword(new QPushButton(tr("&Reset password"), this))
    , m_delete(new QPushButton(tr("&Delete"), this))
    , m_disable(new QPushButton(tr("D&isable"), this))
    , m_lift(new QPushButton(tr("&Let in now"), this))
    , m_message(new QLabel(this))
{
    setObjectName(u"accountsTab"_s);
    auto *layout = new QVBoxLayout(this);
    m_list->setObjectName(u"accounts"_s);
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setSortingEnabled(true);
    m_list->setHeaderLabels({tr("Account"), tr("Status"), tr("Created")});
    m_list->sortByColumn(AccountJid, Qt::AscendingOrder);
    m_list->header()->setSectionResizeMode(AccountJid, QHeaderView::Stretch);
    layout->addWidget(m_list, 1);

    auto *rowButtons = new QHBoxLayout;
    rowButtons->addWidget(m_delete);
    rowButtons->addWidget(m_disable);
    m_lift->setObjectName(u"liftKeepOut"_s);
    m_lift->setToolTip(tr("End the keep-out a kick set on this account"));
    rowButtons->addWidget(m_lift);
    rowButtons->addStretch();
    auto *refreshButton = new QPushButton(tr("Re&fresh"), this);
    rowButtons->addWidget(refreshButton);
    layout->addLayout(rowButtons);

    auto *box = new QGroupBox(tr("New account, or a new password for the selected one"), this);
    auto *form = new QFormLayout(box);
    m_user->setObjectName(u"username"_s);
    m_user->setPlaceholderText(tr("user, or user@domain"));
    m_password->setObjectName(u"password"_s);
    m_password->setEchoMode(QLineEdit::Password);
    m_confirm->setObjectName(u"confirm"_s);
    m_confirm->setEchoMode(QLineEdit::Password);
    form->addRow(tr("&User name:"), m_user);
    form->addRow(tr("&Password:"), m_password);
    form->addRow(tr("&Confirm:"), m_confirm);
    auto *formButtons = new QHBoxLayout;
    formButtons->addStretch();
    formButtons->addWidget(m_setPassword);
    formButtons->addWidget(m_add);
    form->addRow(formButtons);
    layout->addWidget(box);

    m_message->setObjectName(u"message"_s);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_message);

    connect(m_add, &QPushButton::clicked, this, [this] {
        if (addAccount(m_user->text(), m_password->text(), m_confirm->text())) {
            m_user->clear();
            m_password->clear();
            m_confirm->clear();
        }
    });
    connect(m_setPassword, &QPushButton::clicked, this, [this] {
        const QString user = m_user->text().trimmed().isEmpty() ? selectedUser() : m_user->text();
        if (resetPassword(user, m_password->text(), m_confirm->text())) {
            m_password->clear();
            m_confirm->clear();
        }
    });
    connect(m_delete, &QPushButton::clicked, this, [this] { deleteAccount(selectedUser()); });
    connect(m_disable, &QPushButton::clicked, this, [this] {
        const QTreeWidgetItem *item = m_list->currentItem();
        if (item)
            setDisabled(selectedUser(), !item->data(AccountStatus, Qt::UserRole).toBool());
    });
    connect(m_lift, &QPushButton::clicked, this, [this] { liftKeepOut(selectedUser()); });
    connect(refreshButton, &QPushButton::clicked, this, &AccountsTab::refresh);
    connect(m_list, &QTreeWidget::currentItemChanged, this, &AccountsTab::updateButtons);
    connect(m_link, &ServerLink::accountsChanged, this, &AccountsTab::refresh);
    connect(m_user, &QLineEdit::returnPressed, m_add, &QPushButton::click);
    connect(m_confirm, &QLineEdit::returnPressed, m_add, &QPushButton::click);
    refresh();
}

void AccountsTab::refresh()
{
    const QString current = selectedUser();
    const QList<AccountInfo> accounts = m_link->accounts();
    const QHash<QString, QByteArray> avatars = m_link->accountAvatars();   // XEP-0084 pictures
    m_list->setSortingEnabled(false);
    m_list->clear();
    for (const AccountInfo &account : accounts) {
        const bool keptOut = account.keptOutUntil.isValid();
        const QString status = account.disabled ? tr("disabled")
                               : keptOut ? tr("kept out until %1").arg(account.keptOutUntil.toLocalTime().toString(u"HH:mm:ss"_s))
                                         : tr("enabled");
        auto *item = new QTreeWidgetItem(QStringList{
            account.jid, status, account.created.toLocalTime().toString(u"yyyy-MM-dd HH:mm"_s)});
        item->setData(AccountJid, Qt::UserRole, account.username);
        item->setData(AccountStatus, Qt::UserRole, account.disabled);
        item->setData(AccountCreated, Qt::UserRole, keptOut);
        if (account.disabled || keptOut)
            item->setForeground(AccountStatus, QColor(0xb0, 0x30, 0x30));
        if (const auto avatar = avatars.constFind(account.username); avatar != avatars.constEnd()) {
            QPixmap picture;
            if (picture.loadFromData(*avatar))
                item->setIcon(AccountJid, QIcon(picture));
        }
        m_list->addTopLevelItem(item);
        if (account.username == current)
            m_list->setCurrentItem(item);
    }
    m_list->setSortingEnabled(true);
    updateButtons();
}

QStringList AccountsTab::usernames() const
{
    QStringList names;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i)
        names.append(m_list->topLevelItem(i)->data(AccountJid, Qt::UserRole).toString());
    return names;
}

QString AccountsTab::selectedUser() const
{
    const QTreeWidgetItem *item = m_list->currentItem();
    return item ? item->data(AccountJid, Qt::UserRole).toString() : QString();
}

void AccountsTab::updateButtons()
{
    const QTreeWidgetItem *item = m_list->currentItem();
    m_delete->setEnabled(item);
    m_disable->setEnabled(item);
    m_disable->setText(item && item->data(AccountStatus, Qt::UserRole).toBool() ? tr("En&able") : tr("D&isable"));
    m_lift->setEnabled(item && item->data(AccountCreated, Qt::UserRole).toBool());
}

QString AccountsTab::message() const
{
    return m_message->text();
}

void AccountsTab::showResult(const QString &error, const QString &success)
{
    const bool ok = error.isEmpty();
    QString text = ok ? success : error;
    if (!text.isEmpty())
        text[0] = text[0].toUpper();
    m_message->setText(text);
    m_message->setStyleSheet(ok ? u"color: #2e7d32;"_s : u"color: #b00020;"_s);
}

bool AccountsTab::addAccount(const QString &user, const QString &password, const QString &confirmation)
{
    QString error;
    if (user.trimmed().isEmpty())
        error = tr("enter a user name");
    else if (password.isEmpty())
        error = tr("enter a password");
    else if (password != confirmation)
        error = tr("the two passwords differ");
    else
        error = m_link->addAccount(user.trimmed(), password);
    showResult(error, tr("created the account %1").arg(user.trimmed()));
    return error.isEmpty();
}

bool AccountsTab::resetPassword(const QString &user, const QString &password, const QString &confirmation)
{
    QString error;
    if (user.trimmed().isEmpty())
        error = tr("select an account or enter its name");
    else if (password.isEmpty())
        error = tr("enter the new password");
    else if (password != confirmation)
        error = tr("the two passwords differ");
    else
        error = m_link->setPassword(user.trimmed(), password);
    showResult(error, tr("set a new password for %1").arg(user.trimmed()));
    return error.isEmpty();
}

bool AccountsTab::deleteAccount(const QString &user, bool ask)
{
    if (user.isEmpty()) {
        showResult(tr("select an account first"), QString());
        return false;
    }
    if (ask && QMessageBox::question(this, tr("Delete account"),
                                     tr("Delete the account %1? Its sessions are disconnected and its roster "
                                        "and offline messages are deleted.").arg(user))
                   != QMessageBox::Yes)
        return false;
    const QString error = m_link->deleteAccount(user);
    showResult(error, tr("deleted the account %1").arg(user));
    return error.isEmpty();
}

bool AccountsTab::setDisabled(const QString &user, bool disabled, bool ask)
{
    if (user.isEmpty()) {
        showResult(tr("select an account first"), QString());
        return false;
    }
    if (ask && disabled
        && QMessageBox::question(this, tr("Disable account"),
                                 tr("Disable %1? New logins are refused and its sessions are kicked with "
                                    "not-authorized.").arg(user))
               != QMessageBox::Yes)
        return false;
    const QString error = m_link->setAccountDisabled(user, disabled, QString());
    showResult(error, disabled ? tr("disabled %1").arg(user) : tr("enabled %1").arg(user));
    return error.isEmpty();
}

bool AccountsTab::liftKeepOut(const QString &user)
{
    if (user.isEmpty()) {
        showResult(tr("select an account first"), QString());
        return false;
    }
    const QString error = m_link->liftKeepOut(user);
    showResult(error, tr("%1 may log in again").arg(user));
    return error.isEmpty();
}
