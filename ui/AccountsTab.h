#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QTreeWidget;
class ServerLink;

// The server's accounts: list, add, delete, reset the password, disable and enable. Names and
// passwords are checked here first (empty, mismatch) and then by the server (RFC 7622
// localpart, SASLprep), whose message is shown as it is. An account a kick keeps out shows
// "kept out until …" and can be let in again.
class AccountsTab final : public QWidget
{
    Q_OBJECT
public:
    explicit AccountsTab(ServerLink *link, QWidget *parent = nullptr);

    void refresh();
    QString message() const;
    // The actions, also for tests; each returns true on success and shows the outcome.
    bool addAccount(const QString &user, const QString &password, const QString &confirmation);
    bool resetPassword(const QString &user, const QString &password, const QString &confirmation);
    bool deleteAccount(const QString &user, bool ask = true);
    bool setDisabled(const QString &user, bool disabled, bool ask = true);
    // Ends a temporary keep-out set by a kick (the Status column says until when).
    bool liftKeepOut(const QString &user);
    QStringList usernames() const;

private:
    QString selectedUser() const;
    void showResult(const QString &error, const QString &success);
    void updateButtons();

    ServerLink *m_link;
    QTreeWidget *m_list;
    QLineEdit *m_user;
    QLineEdit *m_password;
    QLineEdit *m_confirm;
    QPushButton *m_add;
    QPushButton *m_setPassword;
    QPushButton *m_delete;
    QPushButton *m_disable;
    QPushButton *m_lift;
    QLabel *m_message;
};
