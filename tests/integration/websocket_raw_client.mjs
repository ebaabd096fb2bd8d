// A raw WebSocket client for what no XMPP library sends: it connects with the subprotocol given
// ("-" for none), sends each MESSAGE in turn (the next once the server has answered or 300 ms
// passed), and prints what happens, one line each: "open <subprotocol>", "recv <text>",
// "http <status>" (no upgrade), "close <code>". Bounded: it gives up after 10 s.
// Usage: node websocket_raw_client.mjs MODULES_DIR WSS_URL SUBPROTOCOL MESSAGE...
import path from "node:path";
import { createRequire } from "node:module";

const [modules, url, subprotocol, ...messages] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modules), "node_modules", "index.js"));
const WebSocket = require("ws");

const ws = new WebSocket(url, subprotocol === "-" ? [] : [subprotocol], { rejectUnauthorized: false });
const done = (code) => { clearTimeout(timer); process.exit(code); };
const timer = setTimeout(() => { console.log("timeout"); process.exit(3); }, 10000);
let next = 0;
let pending = null;
const sendNext = () => {
  clearTimeout(pending);
  if (next < messages.length) {
    ws.send(messages[next++]);
    pending = setTimeout(sendNext, 300);
  }
};
ws.on("open", () => { console.log("open " + ws.protocol); sendNext(); });
ws.on("message", (data) => { console.log("recv " + data.toString()); pending = setTimeout(sendNext, 50); });
ws.on("unexpected-response", (req, res) => { console.log("http " + res.statusCode); done(0); });
ws.on("close", (code) => { console.log("close " + code); done(0); });
ws.on("error", (err) => console.log("error " + err.message));
