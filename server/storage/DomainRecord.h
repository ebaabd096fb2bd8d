#pragma once

#include "storage/Database.h"

#include <QString>

// The XMPP domain a data directory belongs to. Accounts are stored by local part only, so the
// same file served under another domain would silently become other people's accounts: the
// first program to open the database (the server or a `user` command) records its domain, and
// everyone after it uses that one or stops (docs/ARCHITECTURE.md, "Storage").
class DomainRecord
{
public:
    explicit DomainRecord(Database *database);

    // The recorded domain; empty (and *error empty) when none is recorded yet.
    QString recorded(QString *error) const;

    // Records `domain` if nothing is recorded yet (one transaction, so two programs starting
    // together agree). Returns the recorded domain, which may differ from `domain`; empty with
    // *error on a storage failure.
    QString claim(const QString &domain, QString *error);

    // The text every refusal shows: names the data directory and both domains.
    static QString mismatch(const QString &dataDir, const QString &recorded, const QString &wanted);

private:
    Database *m_database;
};
