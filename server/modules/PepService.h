#pragma once

#include "xml/XmlElement.h"

#include <QHash>
#include <QList>
#include <QString>
#include <functional>

// What other modules use of the personal eventing service (XEP-0163) that PepModule runs: the
// vCard module publishes and reads avatars, the bookmarks module keeps XEP-0048 private storage
// and the XEP-0402 node as one. Owners are local usernames (prepared localparts).
class PepService
{
public:
    struct Item
    {
        QString id;
        QString publisher;
        XmlElement payload;
    };
    struct NodeSummary
    {
        QString name;
        int items = 0;
        QString accessModel;
    };
    // Fired after an item was committed (payload null: retracted), whoever published it.
    using Listener = std::function<void(const QString &owner, const QString &node, const Item &item)>;

    virtual ~PepService() = default;

    // Publishes as the owner: the node is created with `options` (pubsub#… field → value, as in
    // publish-options) when absent; an existing node keeps its configuration. Subscribers are
    // notified as for a client's publish. False with *error (a stanza error condition name).
    virtual bool publish(const QString &owner, const QString &node, const QString &itemId, const XmlElement &payload,
                         const QHash<QString, QString> &options, QString *error = nullptr) = 0;
    virtual bool retract(const QString &owner, const QString &node, const QString &itemId) = 0;
    // Newest first; max < 0: all.
    virtual QList<Item> items(const QString &owner, const QString &node, int max = -1) const = 0;
    virtual void listen(const QString &node, Listener listener) = 0;
    virtual QList<NodeSummary> nodes(const QString &owner) const = 0;
    // The newest persisted item of `node` of every account that has one, by owner.
    virtual QHash<QString, Item> latestOfEveryOwner(const QString &node) const = 0;
    // Deletes the node and tells subscribers (XEP-0060 §8.4).
    virtual bool deleteNode(const QString &owner, const QString &node) = 0;
};
