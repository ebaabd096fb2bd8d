#pragma once

#include "storage/Database.h"

#include <QDateTime>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>
#include <optional>

// One uploaded file (XEP-0363): stored under its random id, which is also its name on disk and
// in its URL; the client's file name is kept for display only.
struct UploadedFile
{
    QString id;                 // 32 random hex digits (128 bits)
    QString username;           // owner (prepared localpart)
    QString filename;           // as the client named it, never used as a path
    qint64 size = 0;
    QString contentType;
    QDateTime created;          // UTC, when committed
};
Q_DECLARE_METATYPE(UploadedFile)

// A user's usage for the console.
struct UploadUsage
{
    QString username;
    int files = 0;
    qint64 bytes = 0;
};
Q_DECLARE_METATYPE(UploadUsage)

// The uploaded files: rows in `uploads` (module "upload" in module_schema) and the files in
// <dataDir>/uploads/ named by id. A file is written to a temporary name, fsynced and renamed
// before its row is committed, so a row always has its file; a crash in between leaves only a
// temporary file, which the next sweep removes.
class UploadStore
{
public:
    UploadStore(Database *database, const QString &dataDir);

    static QStringList schema();
    bool ensureSchema(QString *error);

    static QString generateId();
    static bool isValidId(const QString &id);    // exactly what generateId() makes
    QString directory() const { return m_directory; }
    QString filePath(const QString &id) const;   // empty for an invalid id

    // Writes the bytes and commits the row (file->created is stamped now). On failure nothing
    // stays behind.
    bool commit(UploadedFile *file, const QByteArray &bytes, QString *error);
    // A temporary name for file `id` in the directory, unique per call (a sweep removes it
    // once it is old): where a body being received is written.
    QString temporaryPath(const QString &id) const;
    // Commits a file already written (and fsynced) at `temporaryPath`: renamed to its id, then
    // the row (file->size from the file). On failure the temporary file is removed.
    bool commitTemporary(UploadedFile *file, const QString &temporaryPath, QString *error);
    std::optional<UploadedFile> find(const QString &id) const;
    QList<UploadedFile> list(const QString &username = QString()) const;   // newest first
    qint64 usage(const QString &username) const;                          // bytes stored
    QList<UploadUsage> usageByUser() const;                                 // by username
    // Deletes the row and the file; false if there was no such file.
    bool remove(const QString &id, UploadedFile *removed = nullptr);
    // Deletes every file created before `cutoff` (rows and files) and stray temporary files;
    // returns how many uploads went.
    int removeOlderThan(const QDateTime &cutoff);

private:
    Database *m_database;
    QString m_directory;
};
