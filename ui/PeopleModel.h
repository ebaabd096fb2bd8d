#pragma once

#include "session/SessionSnapshot.h"

#include <QAbstractItemModel>
#include <QHash>
#include <QIcon>
#include <memory>
#include <vector>

// The people view: a tree of accounts (by username) with their sessions (devices) below, fed
// by the same batches as the session table. Each batch becomes row insertions and removals
// where accounts and devices come and go and dataChanged where they change; the model is
// reset only by the initial load. Sessions that have not authenticated belong to nobody and
// are left out. An account row shows the person (XEP-0172 nickname when a device announced
// one, else the username; an avatar drawn from the JID's XEP-0392 colour), how many devices,
// and the best and worst presence among them; a device row its own presence, client, RTT.
class PeopleModel final : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, PresenceColumn, ClientColumn, RttColumn, AddressColumn, ColumnCount };
    enum Role {
        SessionIdRole = Qt::UserRole + 1,   // quint64 on device rows, 0 on account rows
        UsernameRole,                       // both
        PresenceRankRole,                   // PresenceText::rank: the device's, or the account's best
    };

    explicit PeopleModel(QObject *parent = nullptr);
    ~PeopleModel() override;

    QModelIndex index(int row, int column, const QModelIndex &parent = QModelIndex()) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = QModelIndex()) const override;
    int columnCount(const QModelIndex &parent = QModelIndex()) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // The initial load (the one reset).
    void setSnapshots(const QList<SessionSnapshot> &sessions);
    // One batch from the server.
    void applyBatch(const QList<SessionSnapshot> &changed, const QList<quint64> &closed);

    // The people's own pictures (XEP-0084 avatars, username → image data): shown instead of the
    // drawn initial where one decodes; the others keep the initial.
    void setAvatarPictures(const QHash<QString, QByteArray> &pictures);

    QModelIndex indexOfAccount(const QString &username) const;
    QModelIndex indexOfSession(quint64 id) const;
    int accountCount() const { return int(m_accounts.size()); }

    // The avatar: the initial on a disc of the JID's consistent colour (XEP-0392 §5).
    static QIcon avatar(const QString &bareJid, const QString &name, int size = 32);
    static QColor consistentColor(const QString &text);

private:
    struct Account
    {
        QString username;
        std::vector<SessionSnapshot> sessions;   // by ascending id
        QIcon avatar;                            // drawn on first display
    };

    Account *accountOf(const QModelIndex &index) const;
    int accountRow(const QString &username) const;        // where it is or belongs
    int sessionRow(const Account &account, quint64 id) const;
    QModelIndex accountIndex(const Account *account, int column = 0) const;
    void insertSession(const SessionSnapshot &s);
    void removeSession(quint64 id);
    QVariant accountData(const Account &account, int column, int role) const;
    QVariant sessionData(const SessionSnapshot &s, int column, int role) const;
    static QString displayName(const Account &account);

    std::vector<std::unique_ptr<Account>> m_accounts;   // by username
    QHash<quint64, Account *> m_accountOf;              // session id → its account
    QString m_domain;                                   // from the first bound JID, for avatars
    QHash<QString, QIcon> m_pictures;                   // decoded XEP-0084 avatars by username
};
