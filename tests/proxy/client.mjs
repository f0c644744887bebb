// A test client for the front door: HTTPS requests and OpenClaw WebSocket
// handshakes through the proxy, from a chosen source address (so that the
// proxy sees a client that is not on loopback), trusting the proxy's CA.
//
//   node client.mjs '<json>'   prints one JSON object on stdout
//
// Input: { op: "get" | "ws", url, ca, connect (IP the host name resolves
// to), local (source address), headers?, token?, origin? }.
// `ws` needs the `ws` package: NODE_PATH must reach OpenClaw's node_modules.
import fs from "node:fs";
import https from "node:https";
import { createRequire } from "node:module";

const args = JSON.parse(process.argv[2]);
const ca = fs.readFileSync(args.ca);
const lookup = (_host, opts, cb) => {
  const family = args.connect.includes(":") ? 6 : 4;
  if (opts && opts.all) cb(null, [{ address: args.connect, family }]);
  else cb(null, args.connect, family);
};
const done = (v) => {
  process.stdout.write(JSON.stringify(v) + "\n");
  process.exit(0);
};
setTimeout(() => done({ error: "timeout" }), 20000).unref();

if (args.op === "get") {
  const req = https.request(
    args.url,
    { method: args.method || "GET", ca, lookup, localAddress: args.local, headers: args.headers || {} },
    (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { if (body.length < 65536) body += d; });
      res.on("end", () => done({ status: res.statusCode, headers: res.headers, body }));
    },
  );
  req.on("error", (e) => done({ error: String(e) }));
  req.end(args.body || undefined);
} else if (args.op === "ws") {
  const require = createRequire(process.env.NODE_PATH.split(":")[0] + "/");
  const WebSocket = require("ws");
  const ws = new WebSocket(args.url, { ca, lookup, localAddress: args.local, origin: args.origin, headers: args.headers || {} });
  ws.on("error", (e) => done({ ok: false, error: String(e) }));
  ws.on("unexpected-response", (_req, res) => done({ ok: false, error: `http ${res.statusCode}` }));
  ws.on("close", (code, reason) => done({ ok: false, error: `closed ${code} ${reason}` }));
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data));
    if (msg.type === "event" && msg.event === "connect.challenge") {
      ws.send(JSON.stringify({
        type: "req",
        id: "1",
        method: "connect",
        params: {
          minProtocol: 4,
          maxProtocol: 4,
          client: { id: "cli", version: "0.0.0", platform: "linux", mode: "cli" },
          role: "operator",
          scopes: [],
          caps: [],
          auth: { token: args.token },
        },
      }));
    } else if (msg.type === "res" && msg.id === "1") {
      ws.close();
      done(msg.ok
        ? { ok: true, server: msg.payload.server, auth: msg.payload.auth, snapshot: msg.payload.snapshot }
        : { ok: false, error: msg.error });
    }
  });
} else {
  done({ error: `unknown op ${args.op}` });
}
