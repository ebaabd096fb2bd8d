#pragma once

#include "storage/Database.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

// The personal eventing (XEP-0163) nodes and items of every account, on the XEP-0060 subset PEP
// needs: one service per account, nodes keyed by (owner, node), items ordered by a per-node
// sequence so "the latest N" is one index range. Payloads are stored as the XML text the module
// gives; configurations as a small JSON object (the module owns their meaning). Every write is
// one transaction. Tables: module `pep` in module_schema (see migrations()).
class PepStore
{
public:
    struct Item
    {
        QString id;
        QString publisher;   // bare JID of the publisher
        QString payload;     // XML text
        qint64 seq = 0;
    };
    struct Node
    {
        QString name;
        QString config;      // JSON
        int items = 0;
    };

    explicit PepStore(Database *database);

    static QStringList migrations();
    bool isOpen() const { return m_database && m_database->isOpen(); }

    // The node's configuration (JSON); nullopt when there is no such node (or on error, with *error).
    std::optional<QString> config(const QString &owner, const QString &node, QString *error = nullptr) const;
    QList<Node> nodes(const QString &owner, QString *error = nullptr) const;
    int nodeCount(const QString &owner) const;   // -1 on error

    bool createNode(const QString &owner, const QString &node, const QString &config, QString *error = nullptr);
    // Replaces the configuration and trims items beyond maxItems, in one transaction.
    bool configure(const QString &owner, const QString &node, const QString &config, int maxItems,
                   QString *error = nullptr);
    // Creates the node with `configIfNew` when absent, stores the item (replacing one with the same
    // id, which becomes the latest) and trims the oldest beyond maxItems, in one transaction.
    bool publish(const QString &owner, const QString &node, const QString &configIfNew, const Item &item,
                 int maxItems, QString *error = nullptr);
    // False with an empty *error when the item does not exist.
    bool retract(const QString &owner, const QString &node, const QString &id, QString *error = nullptr);
    bool purge(const QString &owner, const QString &node, QString *error = nullptr);
    bool deleteNode(const QString &owner, const QString &node, QString *error = nullptr);

    // Newest first; max < 0: all.
    std::optional<QList<Item>> items(const QString &owner, const QString &node, int max,
                                     QString *error = nullptr) const;
    std::optional<QList<Item>> itemsById(const QString &owner, const QString &node, const QStringList &ids,
                                         QString *error = nullptr) const;

    // The newest item of `node` of every owner that has one.
    QHash<QString, Item> latestOfEveryOwner(const QString &node) const;

private:
    Database *m_database;
};
