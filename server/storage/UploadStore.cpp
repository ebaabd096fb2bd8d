#include "storage/UploadStore.h"

#include "base/Logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>

#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {
const QString TempSuffix = u".part"_s;

UploadedFile fromQuery(const QSqlQuery &q)
{
    UploadedFile f;
    f.id = q.value(0).toString();
    f.username = q.value(1).toString();
    f.filename = q.value(2).toString();
    f.size = q.value(3).toLongLong();
    f.contentType = q.value(4).toString();
    f.created = QDateTime::fromMSecsSinceEpoch(q.value(5).toLongLong(), Qt::UTC);
    return f;
}

const QString Columns = u"id, username, filename, size, content_type, created"_s;

// write(2) everything, then fsync(2): the bytes are on disk before the rename makes them visible.
bool writeDurably(const QString &path, const QByteArray &bytes, QString *error)
{
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        *error = QString::fromLocal8Bit(strerror(errno));
        return false;
    }
    const char *p = bytes.constData();
    qint64 left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, size_t(qMin<qint64>(left, 1 << 20)));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            *error = QString::fromLocal8Bit(strerror(errno));
            ::close(fd);
            return false;
        }
        p += n;
        left -= n;
    }
    if (::fsync(fd) != 0) {
        *error = QString::fromLocal8Bit(strerror(errno));
        ::close(fd);
        return false;
    }
    return ::close(fd) == 0;
}

void fsyncDirectory(const QString &dir)
{
    const int fd = ::open(QFile::encodeName(dir).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}
} // namespace

UploadStore::UploadStore(Database *database, const QString &dataDir)
    : m_database(database)
    , m_directory(QDir(dataDir).filePath(u"uploads"_s))
{
}

QStringList UploadStore::schema()
{
    return {
        // created: UTC milliseconds of the commit. Files go with their account.
        u"CREATE TABLE uploads ("
        "  id TEXT PRIMARY KEY,"
        "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
        "  filename TEXT NOT NULL,"
        "  size INTEGER NOT NULL,"
        "  content_type TEXT NOT NULL,"
        "  created INTEGER NOT NULL)"_s,
        u"CREATE INDEX uploads_user ON uploads (username, created)"_s,
        u"CREATE INDEX uploads_created ON uploads (created)"_s,
    };
}

bool UploadStore::ensureSchema(QString *error)
{
    if (!QDir().mkpath(m_directory)) {
        *error = u"cannot create %1"_s.arg(m_directory);
        return false;
    }
    QFile::setPermissions(m_directory, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return m_database->migrateModule(u"upload"_s, schema(), error);
}

QString UploadStore::generateId()
{
    quint64 words[2];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
}

bool UploadStore::isValidId(const QString &id)
{
    if (id.size() != 32)
        return false;
    for (QChar c : id) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

QString UploadStore::filePath(const QString &id) const
{
    return isValidId(id) ? m_directory + u'/' + id : QString();
}

bool UploadStore::commit(UploadedFile *file, const QByteArray &bytes, QString *error)
{
    const QString temp = temporaryPath(file->id);
    if (temp.isEmpty()) {
        *error = u"invalid upload id"_s;
        return false;
    }
    if (!writeDurably(temp, bytes, error)) {
        QFile::remove(temp);
        return false;
    }
    return commitTemporary(file, temp, error);
}

QString UploadStore::temporaryPath(const QString &id) const
{
    const QString path = filePath(id);
    if (path.isEmpty())
        return {};
    return path + u'.' + generateId().left(8) + TempSuffix;
}

bool UploadStore::commitTemporary(UploadedFile *file, const QString &temporaryPath, QString *error)
{
    const QString path = filePath(file->id);
    if (path.isEmpty()) {
        *error = u"invalid upload id"_s;
        QFile::remove(temporaryPath);
        return false;
    }
    // An id is stored once: never replace a file (the insert below would fail and take it along).
    if (QFile::exists(path) || find(file->id)) {
        *error = u"upload %1 exists"_s.arg(file->id);
        QFile::remove(temporaryPath);
        return false;
    }
    const qint64 size = QFileInfo(temporaryPath).size();
    if (::rename(QFile::encodeName(temporaryPath).constData(), QFile::encodeName(path).constData()) != 0) {
        *error = QString::fromLocal8Bit(strerror(errno));
        QFile::remove(temporaryPath);
        return false;
    }
    fsyncDirectory(m_directory);

    file->created = QDateTime::currentDateTimeUtc();
    file->size = size;
    QSqlQuery q(m_database->connection());
    q.prepare(u"INSERT INTO uploads (%1) VALUES (?, ?, ?, ?, ?, ?)"_s.arg(Columns));
    q.addBindValue(file->id);
    q.addBindValue(file->username);
    q.addBindValue(file->filename);
    q.addBindValue(file->size);
    q.addBindValue(file->contentType);
    q.addBindValue(file->created.toMSecsSinceEpoch());
    if (!q.exec()) {
        *error = q.lastError().text();
        QFile::remove(path);
        return false;
    }
    return true;
}

std::optional<UploadedFile> UploadStore::find(const QString &id) const
{
    if (!isValidId(id))
        return std::nullopt;
    QSqlQuery q(m_database->connection());
    q.prepare(u"SELECT %1 FROM uploads WHERE id = ?"_s.arg(Columns));
    q.addBindValue(id);
    if (!q.exec() || !q.next())
        return std::nullopt;
    return fromQuery(q);
}

QList<UploadedFile> UploadStore::list(const QString &username) const
{
    QSqlQuery q(m_database->connection());
    if (username.isEmpty()) {
        q.prepare(u"SELECT %1 FROM uploads ORDER BY created DESC"_s.arg(Columns));
    } else {
        q.prepare(u"SELECT %1 FROM uploads WHERE username = ? ORDER BY created DESC"_s.arg(Columns));
        q.addBindValue(username);
    }
    QList<UploadedFile> files;
    if (q.exec()) {
        while (q.next())
            files.append(fromQuery(q));
    }
    return files;
}

qint64 UploadStore::usage(const QString &username) const
{
    QSqlQuery q(m_database->connection());
    q.prepare(u"SELECT COALESCE(SUM(size), 0) FROM uploads WHERE username = ?"_s);
    q.addBindValue(username);
    return q.exec() && q.next() ? q.value(0).toLongLong() : 0;
}

QList<UploadUsage> UploadStore::usageByUser() const
{
    QSqlQuery q(m_database->connection());
    QList<UploadUsage> usage;
    if (q.exec(u"SELECT username, COUNT(*), SUM(size) FROM uploads GROUP BY username ORDER BY username"_s)) {
        while (q.next())
            usage.append({q.value(0).toString(), q.value(1).toInt(), q.value(2).toLongLong()});
    }
    return usage;
}

bool UploadStore::remove(const QString &id, UploadedFile *removed)
{
    const std::optional<UploadedFile> file = find(id);
    if (!file)
        return false;
    QSqlQuery q(m_database->connection());
    q.prepare(u"DELETE FROM uploads WHERE id = ?"_s);
    q.addBindValue(id);
    if (!q.exec() || q.numRowsAffected() != 1)
        return false;
    // The row goes first: a file without a row is unreachable and swept, never the reverse.
    QFile::remove(filePath(id));
    if (removed)
        *removed = *file;
    return true;
}

int UploadStore::removeOlderThan(const QDateTime &cutoff)
{
    QSqlQuery q(m_database->connection());
    q.prepare(u"SELECT id FROM uploads WHERE created < ?"_s);
    q.addBindValue(cutoff.toMSecsSinceEpoch());
    QStringList ids;
    if (q.exec()) {
        while (q.next())
            ids.append(q.value(0).toString());
    }
    q.finish();
    int removed = 0;
    for (const QString &id : std::as_const(ids))
        removed += remove(id) ? 1 : 0;
    // Files with no row: a crash between rename and insert, or between delete and unlink.
    const QStringList names = QDir(m_directory).entryList(QDir::Files);
    for (const QString &name : names) {
        const QString id = name.endsWith(TempSuffix) ? QString() : name;
        if (id.isEmpty() || !find(id)) {
            const QFileInfo info(QDir(m_directory).filePath(name));
            // Leave a temporary file that a PUT may be writing right now.
            if (info.lastModified().toUTC() < QDateTime::currentDateTimeUtc().addSecs(-600))
                QFile::remove(info.filePath());
        }
    }
    return removed;
}
