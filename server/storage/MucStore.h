#pragma once

#include "storage/Database.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

// The persistent rooms of the multi-user chat service (XEP-0045 §10.1.3 muc#roomconfig_persistentroom):
// configuration (a small JSON object whose meaning the module owns), subject, the per-room
// secret of XEP-0421 occupant ids, the room's vCard (XEP-0054 on the room JID), and the
// affiliation list. Every write is one transaction, committed before the module answers.
// Tables: module `muc` in module_schema (see migrations()).
class MucStore
{
public:
    struct Room
    {
        QString jid;            // prepared bare room JID
        QString config;         // JSON
        QString subject;
        QString subjectFrom;    // the nick that set it
        QByteArray secret;
        QString vcard;          // XML text, empty: none
        // bare JID → (affiliation name, reason)
        QHash<QString, QPair<QString, QString>> affiliations;
    };

    explicit MucStore(Database *database);
    static QStringList migrations();

    // Every stored room; false with *error on failure.
    bool load(QList<Room> *rooms, QString *error = nullptr) const;
    // Writes the whole room (config, subject, secret, vCard and affiliations) in one transaction.
    bool save(const Room &room, QString *error = nullptr);
    bool remove(const QString &jid, QString *error = nullptr);

private:
    Database *m_database;
};
