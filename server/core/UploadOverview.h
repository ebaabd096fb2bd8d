#pragma once

#include "storage/UploadStore.h"

#include <QList>
#include <QMetaType>
#include <QString>

// What the console's Uploads view shows (Server::uploadOverview): the limits, each user's usage
// and every stored file, newest first.
struct UploadOverview
{
    bool enabled = false;        // the upload module runs (upload = true and its table is ready)
    QString component;           // upload.DOMAIN
    QString urlBase;             // where the files are served
    qint64 maxFileSize = 0;
    qint64 quota = 0;            // per user; 0: none
    qint64 expiresAfterSeconds = 0;   // 0: kept until deleted
    QList<UploadUsage> usage;
    QList<UploadedFile> files;
};
Q_DECLARE_METATYPE(UploadOverview)
