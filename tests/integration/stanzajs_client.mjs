// A third, independent client: StanzaJS (npm stanza), which has no TCP transport at all, logs
// in over XMPP over WebSocket (RFC 7395), says "online <jid>", sends one message to the peer
// given, and logs out when that peer answers "bye". Bounded: it gives up after 30 s.
// Usage: node stanzajs_client.mjs MODULES_DIR WSS_URL DOMAIN USER PASSWORD PEER
import path from "node:path";
import { createRequire } from "node:module";

const [modules, url, domain, username, password, peer] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "node_modules", "index.js"));
const XMPP = require("stanza");

const client = XMPP.createClient({
  jid: `${username}@${domain}`,
  password,
  resource: "stanzajs",
  transports: { websocket: url, bosh: false },
});
const timer = setTimeout(() => { console.log("timeout"); process.exit(3); }, 30000);
client.on("stream:error", (err) => console.log("stream error " + JSON.stringify(err)));
client.on("auth:failed", () => { console.log("failed auth"); process.exit(2); });
client.on("session:started", async () => {
  console.log("online " + client.jid);
  client.sendPresence();
  client.sendMessage({ to: peer, type: "chat", body: "hello from StanzaJS" });
});
client.on("message", (msg) => {
  if (msg.body === "bye" && !msg.delay) {
    clearTimeout(timer);
    client.on("disconnected", () => { console.log("offline"); process.exit(0); });
    client.disconnect();
  }
});
client.connect();
