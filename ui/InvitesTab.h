#pragma once

#include "storage/InviteStore.h"

#include <QPixmap>
#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTreeWidget;
class ServerLink;

// Invitations (XEP-0401): create one (uses, expiry, a fixed account name, a user the invitee
// becomes a contact of, a room), shown as a QR code and a link to send; list every invitation
// with its state and who used it; revoke. Every action is audited by the server.
class InvitesTab final : public QWidget
{
    Q_OBJECT
public:
    explicit InvitesTab(ServerLink *link, QWidget *parent = nullptr);

    void refresh();
    // The actions, also for tests. createInvite returns the xmpp: URI, empty on error.
    QString createInvite(int uses, qint64 expiresSeconds, const QString &user, const QString &contactOf,
                         const QString &room);
    bool revoke(const QString &token);
    QString message() const;
    QStringList tokens() const;
    const QPixmap &qrPixmap() const { return m_qrPixmap; }

private:
    void showInvite(const QString &uri, const QString &pageUrl);
    void showResult(const QString &error, const QString &success);

    ServerLink *m_link;
    QSpinBox *m_uses;
    QComboBox *m_expires;
    QLineEdit *m_user;
    QLineEdit *m_contactOf;
    QLineEdit *m_room;
    QPushButton *m_create;
    QLabel *m_qr;
    QLabel *m_uriLabel;
    QTreeWidget *m_list;
    QPushButton *m_revoke;
    QLabel *m_message;
    QPixmap m_qrPixmap;
};
