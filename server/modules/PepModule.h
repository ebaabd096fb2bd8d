#pragma once

#include "host/Module.h"
#include "host/ModuleOption.h"

#include <QString>
#include <memory>

class PepService;
class XmlElement;

// XEP-0163 Personal Eventing Protocol on the XEP-0060 subset it needs, one service per account:
// - publish with auto-create (§7.1) and publish-options preconditions (§7.1.5:
//   conflict + <precondition-not-met/> on a mismatch), retract (§7.2), items: all, the latest N,
//   by id (§6.5), create (§8.1), node configuration with data forms (§8.2), purge (§8.5) and
//   delete (§8.4), all by the owner on its own bare JID;
// - access models presence (the default), open, roster (roster_groups_allowed) and whitelist
//   (the owner alone), refused per §6.5.9 (presence: not-authorized +
//   <presence-subscription-required/>);
// - notifications only to resources whose XEP-0115 capabilities carry "<node>+notify"
//   (XEP-0163 §4.3.4): the server asks a resource's disco#info once per verification string,
//   verifies the hash (XEP-0115 §5.1) before caching it for other sessions, and sends the last
//   item of each wanted node of the user and of the contacts it may see when it becomes
//   available;
// - nodes and items live in the module's own tables (storage/PepStore); an item's payload, the
//   items of a node and the nodes of an account are capped by pep_max_payload_bytes,
//   pep_max_items and pep_max_nodes.
// Other modules reach it through service() (modules/PepService.h).
class PepModule final : public Module
{
public:
    PepModule();
    ~PepModule() override;
    void load(ModuleHost &host) override;

    PepService &service();
    static ModuleOptions options();

    // XEP-0115 §5.1: the verification string of a disco#info <query/>, base64 of the hash
    // ("sha-1", "sha-256"); empty for an unknown algorithm or a malformed query (§5.4: duplicate
    // identities or features, or a form with a FORM_TYPE that is not hidden).
    static QString capsHash(const XmlElement &query, const QString &algorithm);

private:
    class State;
    std::unique_ptr<State> m_state;
};
