#pragma once

#include <QString>
#include <QWidget>

class QLabel;
class QPushButton;
class QTreeWidget;
class ServerLink;

// What the selected session's user publishes about itself: avatar and nickname (PEP or vCard),
// whether OMEMO keys are published and readable by contacts, and the user's PEP nodes with their
// item counts. An admin may delete a node (after confirming; the server audits it).
class UserProfileView final : public QWidget
{
    Q_OBJECT
public:
    explicit UserProfileView(ServerLink *link, QWidget *parent = nullptr);

    // Empty: nobody (a session before authentication).
    void showUser(const QString &username);
    void refresh();
    QString user() const { return m_user; }
    int nodeCount() const;
    QString omemoText() const;
    QString nicknameText() const;
    bool hasAvatar() const;

private:
    void deleteSelectedNode();

    ServerLink *m_link;
    QString m_user;
    QLabel *m_avatar;
    QLabel *m_nickname;
    QLabel *m_omemo;
    QTreeWidget *m_nodes;
    QPushButton *m_delete;
    QLabel *m_message;
};
