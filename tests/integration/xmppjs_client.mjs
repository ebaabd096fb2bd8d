// A second, independent client for the TLS tests: xmpp.js (@xmpp/client) logs in over
// xmpp:// (STARTTLS) or xmpps:// (direct TLS), says "online <jid>", sends one message to the
// peer given, and logs out when that peer answers "bye". Bounded: it gives up after 30 s.
// Usage: node xmppjs_client.mjs MODULES_DIR SERVICE DOMAIN USER PASSWORD PEER
// An ES module importing by path: works whether the installed @xmpp/client is CommonJS (0.13,
// which Debian 12's Node.js 18 runs) or an ES module (0.14 and later).
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modules, service, domain, username, password, peer] = process.argv.slice(2);
const entry = path.join(modules, "node_modules", "@xmpp", "client", "index.js");
const loaded = await import(pathToFileURL(entry).href);
const { client, xml } = loaded.client ? loaded : loaded.default;

const xmpp = client({ service, domain, username, password, resource: "xmppjs" });
const timer = setTimeout(() => { console.log("timeout"); process.exit(3); }, 30000);
xmpp.on("error", (err) => { console.log("error " + err.message); });
xmpp.on("stanza", async (stanza) => {
  // Only a live answer: a "bye" of an earlier run that this client closed without acknowledging
  // comes back as an offline message (XEP-0198 §5, XEP-0203 delay) and is not one.
  if (stanza.is("message") && stanza.getChildText("body") === "bye" && !stanza.getChild("delay", "urn:xmpp:delay")) {
    await xmpp.stop();
    clearTimeout(timer);
    console.log("offline");
    process.exit(0);
  }
});
xmpp.on("online", async (address) => {
  console.log("online " + address.toString());
  await xmpp.send(xml("presence"));
  await xmpp.send(xml("message", { to: peer, type: "chat" }, xml("body", {}, "hello from xmpp.js")));
});
xmpp.start().catch((err) => { console.log("failed " + err.message); process.exit(2); });
