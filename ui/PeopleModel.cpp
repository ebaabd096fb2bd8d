#include "PeopleModel.h"

#include "PresenceText.h"
#include "SessionTableModel.h"

#include <QCryptographicHash>
#include <QFont>
#include <QPainter>
#include <QPixmap>
#include <algorithm>

using namespace Qt::StringLiterals;

namespace {
QString peerText(const SessionSnapshot &s)
{
    if (s.peerAddress.isNull())
        return QString();
    if (s.peerAddress.protocol() == QAbstractSocket::IPv6Protocol)
        return u"[%1]:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort);
    return u"%1:%2"_s.arg(s.peerAddress.toString()).arg(s.peerPort);
}

QString deviceName(const SessionSnapshot &s)
{
    const qsizetype slash = s.fullJid.indexOf(u'/');
    return slash >= 0 ? s.fullJid.mid(slash + 1) : PeopleModel::tr("(no resource yet)");
}

// Every column of a row, for dataChanged: a device's change shows in its own row and in the
// account's aggregate.
constexpr int LastColumn = PeopleModel::ColumnCount - 1;
} // namespace

PeopleModel::PeopleModel(QObject *parent)
    : QAbstractItemModel(parent)
{
}

PeopleModel::~PeopleModel() = default;

QColor PeopleModel::consistentColor(const QString &text)
{
    // XEP-0392 §5.1: the hue angle is the first 16 bits (little endian) of SHA-1 of the text.
    const QByteArray hash = QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha1);
    const int value = quint8(hash.at(0)) | (quint8(hash.at(1)) << 8);
    return QColor::fromHsl(int(double(value) / 65536.0 * 359.0), 150, 110);
}

QIcon PeopleModel::avatar(const QString &bareJid, const QString &name, int size)
{
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(consistentColor(bareJid));
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1.0, size - 1.0));
    QFont font = painter.font();
    font.setBold(true);
    font.setPixelSize(int(size * 0.5));
    painter.setFont(font);
    painter.setPen(Qt::white);
    painter.drawText(QRect(0, 0, size, size), Qt::AlignCenter, name.left(1).toUpper());
    return QIcon(pixmap);
}

QModelIndex PeopleModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (!parent.isValid())
        return row < int(m_accounts.size()) ? createIndex(row, column, nullptr) : QModelIndex();
    if (parent.internalPointer())
        return {};   // devices have no children
    Account *account = m_accounts[size_t(parent.row())].get();
    return row < int(account->sessions.size()) ? createIndex(row, column, account) : QModelIndex();
}

QModelIndex PeopleModel::parent(const QModelIndex &child) const
{
    const auto *account = static_cast<const Account *>(child.internalPointer());
    return account ? accountIndex(account) : QModelIndex();
}

int PeopleModel::rowCount(const QModelIndex &parent) const
{
    if (!parent.isValid())
        return int(m_accounts.size());
    if (parent.internalPointer() || parent.column() != 0)
        return 0;
    return int(m_accounts[size_t(parent.row())]->sessions.size());
}

int PeopleModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant PeopleModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Person / device");
    case PresenceColumn: return tr("Presence");
    case ClientColumn: return tr("Client");
    case RttColumn: return tr("RTT");
    case AddressColumn: return tr("Address");
    default: return {};
    }
}

PeopleModel::Account *PeopleModel::accountOf(const QModelIndex &index) const
{
    if (!index.isValid())
        return nullptr;
    if (auto *account = static_cast<Account *>(index.internalPointer()))
        return account;
    return m_accounts[size_t(index.row())].get();
}

QVariant PeopleModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    if (auto *account = static_cast<Account *>(index.internalPointer())) {
        const SessionSnapshot &s = account->sessions[size_t(index.row())];
        if (role == SessionIdRole)
            return QVariant::fromValue(s.id);
        if (role == UsernameRole)
            return account->username;
        return sessionData(s, index.column(), role);
    }
    Account &account = *m_accounts[size_t(index.row())];
    if (role == SessionIdRole)
        return QVariant::fromValue(quint64(0));
    if (role == UsernameRole)
        return account.username;
    if (role == Qt::DecorationRole && index.column() == NameColumn) {
        if (const auto picture = m_pictures.constFind(account.username); picture != m_pictures.constEnd())
            return *picture;
        if (account.avatar.isNull())
            account.avatar = avatar(account.username + u'@' + m_domain, displayName(account));
        return account.avatar;
    }
    return accountData(account, index.column(), role);
}

void PeopleModel::setAvatarPictures(const QHash<QString, QByteArray> &pictures)
{
    QHash<QString, QIcon> decoded;
    for (auto it = pictures.constBegin(); it != pictures.constEnd(); ++it) {
        QPixmap picture;
        if (picture.loadFromData(it.value()))
            decoded.insert(it.key(), QIcon(picture));
    }
    QSet<QString> touched;
    for (auto it = m_pictures.constBegin(); it != m_pictures.constEnd(); ++it)
        touched.insert(it.key());
    for (auto it = decoded.constBegin(); it != decoded.constEnd(); ++it)
        touched.insert(it.key());
    m_pictures = std::move(decoded);
    for (const QString &username : std::as_const(touched)) {
        const QModelIndex index = indexOfAccount(username);
        if (index.isValid())
            Q_EMIT dataChanged(index.siblingAtColumn(NameColumn), index.siblingAtColumn(NameColumn), {Qt::DecorationRole});
    }
}

QString PeopleModel::displayName(const Account &account)
{
    for (const SessionSnapshot &s : account.sessions) {
        if (!s.nickname.isEmpty())
            return s.nickname;
    }
    return account.username;
}

QVariant PeopleModel::accountData(const Account &account, int column, int role) const
{
    const auto [best, worst] = std::minmax_element(account.sessions.begin(), account.sessions.end(),
                                                   [](const SessionSnapshot &a, const SessionSnapshot &b) {
                                                       return PresenceText::rank(a) < PresenceText::rank(b);
                                                   });
    if (role == PresenceRankRole)
        return best == account.sessions.end() ? 6 : PresenceText::rank(*best);
    if (role == Qt::ToolTipRole && column == NameColumn)
        return u"%1@%2"_s.arg(account.username, m_domain);
    if (role == Qt::FontRole && column == NameColumn) {
        QFont font;
        font.setBold(true);
        return font;
    }
    if (role != Qt::DisplayRole)
        return {};
    const int devices = int(account.sessions.size());
    switch (column) {
    case NameColumn: {
        const QString name = displayName(account);
        const QString who = name == account.username ? name : u"%1 (%2)"_s.arg(name, account.username);
        return devices == 1 ? tr("%1 \u2014 1 device").arg(who) : tr("%1 \u2014 %2 devices").arg(who).arg(devices);
    }
    case PresenceColumn:
        if (best == account.sessions.end())
            return QString();
        if (PresenceText::rank(*best) == PresenceText::rank(*worst))
            return PresenceText::show(*best);
        return tr("best %1, worst %2").arg(PresenceText::show(*best), PresenceText::show(*worst));
    default:
        return {};
    }
}

QVariant PeopleModel::sessionData(const SessionSnapshot &s, int column, int role) const
{
    if (role == PresenceRankRole)
        return PresenceText::rank(s);
    if (role == Qt::ToolTipRole && column == NameColumn)
        return s.fullJid;
    if (role != Qt::DisplayRole)
        return {};
    switch (column) {
    case NameColumn: return deviceName(s);
    case PresenceColumn: return PresenceText::summary(s);
    case ClientColumn: return s.client();
    case RttColumn: return s.rttMs >= 0 ? tr("%1 ms").arg(s.rttMs) : QString();
    case AddressColumn: return peerText(s);
    default: return {};
    }
}

int PeopleModel::accountRow(const QString &username) const
{
    const auto at = std::lower_bound(m_accounts.begin(), m_accounts.end(), username,
                                     [](const std::unique_ptr<Account> &a, const QString &u) { return a->username < u; });
    return int(at - m_accounts.begin());
}

int PeopleModel::sessionRow(const Account &account, quint64 id) const
{
    const auto at = std::lower_bound(account.sessions.begin(), account.sessions.end(), id,
                                     [](const SessionSnapshot &s, quint64 i) { return s.id < i; });
    return int(at - account.sessions.begin());
}

QModelIndex PeopleModel::accountIndex(const Account *account, int column) const
{
    const int row = accountRow(account->username);
    return row < int(m_accounts.size()) && m_accounts[size_t(row)].get() == account ? createIndex(row, column, nullptr)
                                                                                    : QModelIndex();
}

QModelIndex PeopleModel::indexOfAccount(const QString &username) const
{
    const int row = accountRow(username);
    if (row < int(m_accounts.size()) && m_accounts[size_t(row)]->username == username)
        return createIndex(row, 0, nullptr);
    return {};
}

QModelIndex PeopleModel::indexOfSession(quint64 id) const
{
    Account *account = m_accountOf.value(id);
    if (!account)
        return {};
    return createIndex(sessionRow(*account, id), 0, account);
}

void PeopleModel::setSnapshots(const QList<SessionSnapshot> &sessions)
{
    beginResetModel();
    m_accounts.clear();
    m_accountOf.clear();
    QList<SessionSnapshot> sorted = sessions;
    std::sort(sorted.begin(), sorted.end(), [](const SessionSnapshot &a, const SessionSnapshot &b) {
        return a.username != b.username ? a.username < b.username : a.id < b.id;
    });
    for (const SessionSnapshot &s : std::as_const(sorted)) {
        if (s.username.isEmpty())
            continue;
        if (m_domain.isEmpty() && s.fullJid.contains(u'@'))
            m_domain = s.fullJid.section(u'@', 1).section(u'/', 0, 0);
        if (m_accounts.empty() || m_accounts.back()->username != s.username) {
            m_accounts.push_back(std::make_unique<Account>());
            m_accounts.back()->username = s.username;
        }
        m_accounts.back()->sessions.push_back(s);
        m_accountOf.insert(s.id, m_accounts.back().get());
    }
    endResetModel();
}

void PeopleModel::applyBatch(const QList<SessionSnapshot> &changed, const QList<quint64> &closed)
{
    for (quint64 id : closed)
        removeSession(id);
    for (const SessionSnapshot &s : changed) {
        Account *account = m_accountOf.value(s.id);
        if (account && account->username != s.username) {
            removeSession(s.id);
            account = nullptr;
        }
        if (!account) {
            if (!s.username.isEmpty())
                insertSession(s);
            continue;
        }
        const int row = sessionRow(*account, s.id);
        account->sessions[size_t(row)] = s;
        if (!s.nickname.isEmpty())
            account->avatar = QIcon();   // the initial may change with the name
        Q_EMIT dataChanged(createIndex(row, 0, account), createIndex(row, LastColumn, account));
        Q_EMIT dataChanged(accountIndex(account), accountIndex(account, LastColumn));
    }
}

void PeopleModel::insertSession(const SessionSnapshot &s)
{
    if (m_domain.isEmpty() && s.fullJid.contains(u'@'))
        m_domain = s.fullJid.section(u'@', 1).section(u'/', 0, 0);
    const int accountAt = accountRow(s.username);
    Account *account = nullptr;
    if (accountAt < int(m_accounts.size()) && m_accounts[size_t(accountAt)]->username == s.username) {
        account = m_accounts[size_t(accountAt)].get();
    } else {
        beginInsertRows(QModelIndex(), accountAt, accountAt);
        auto fresh = std::make_unique<Account>();
        fresh->username = s.username;
        account = fresh.get();
        m_accounts.insert(m_accounts.begin() + accountAt, std::move(fresh));
        endInsertRows();
    }
    const int row = sessionRow(*account, s.id);
    beginInsertRows(createIndex(accountAt, 0, nullptr), row, row);
    account->sessions.insert(account->sessions.begin() + row, s);
    m_accountOf.insert(s.id, account);
    endInsertRows();
    Q_EMIT dataChanged(createIndex(accountAt, 0, nullptr), createIndex(accountAt, LastColumn, nullptr));
}

void PeopleModel::removeSession(quint64 id)
{
    Account *account = m_accountOf.take(id);
    if (!account)
        return;
    const QModelIndex parent = accountIndex(account);
    const int row = sessionRow(*account, id);
    beginRemoveRows(parent, row, row);
    account->sessions.erase(account->sessions.begin() + row);
    endRemoveRows();
    if (account->sessions.empty()) {
        beginRemoveRows(QModelIndex(), parent.row(), parent.row());
        m_accounts.erase(m_accounts.begin() + parent.row());
        endRemoveRows();
    } else {
        Q_EMIT dataChanged(parent, accountIndex(account, LastColumn));
    }
}
