// Writes gateway services the way OpenClaw's own `gateway install` does,
// with OpenClaw's own code from the installed package, into a sandboxed
// home: `gateway install` itself refuses a HOME that is not the account's
// and needs a user systemd, neither of which a test has.
//
//   HOME=<sandbox> node services.mjs PACKAGE_DIR < services.json
//
// Input: [{kind: "systemd" | "launchd", profile, port, config}] (config:
// the gateway's openclaw.json as OpenClaw reads it, for its SecretRefs).
// For each: `buildGatewayInstallPlan` (program arguments, environment and
// where each value goes) for linux or darwin, then
// - systemd: `buildSystemdUnit`, values from files in the state dir's
//   `gateway.systemd.env` named by `EnvironmentFile=-`, as `writeSystemdUnit`
//   does, into ~/.config/systemd/user/<unit>.service;
// - launchd: `writeLaunchAgentPlist` itself (env file, wrapper, plist).
// Prints [{path}] of what it wrote.
//
// The dist/ file names carry build hashes and exports are minified
// aliases, so both are looked up by the function names the bundle keeps.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const pkg = process.argv[2];
const dist = path.join(pkg, "dist");

async function load(prefix, names) {
  const files = fs.readdirSync(dist).filter((f) => f.startsWith(prefix) && f.endsWith(".mjs"));
  for (const f of files) {
    const text = fs.readFileSync(path.join(dist, f), "utf8");
    const exp = text.match(/export \{([^}]*)\};?\s*$/);
    if (!exp) continue;
    const aliases = new Map(
      exp[1].split(",").map((e) => e.trim().split(/\s+as\s+/)).map(([n, a]) => [n, a ?? n]),
    );
    if (!names.every((n) => aliases.has(n))) continue;
    const mod = await import(pathToFileURL(path.join(dist, f)).href);
    return Object.fromEntries(names.map((n) => [n, mod[aliases.get(n)]]));
  }
  throw new Error(`no ${prefix}*.mjs in ${dist} exports ${names.join(", ")}`);
}

const { buildGatewayInstallPlan } = await load("daemon-install-helpers-", ["buildGatewayInstallPlan"]);
const { buildSystemdUnit } = await load("systemd-unit-", ["buildSystemdUnit"]);
const { writeLaunchAgentPlist } = await load("launchd-service-files-", ["writeLaunchAgentPlist"]);
const { resolveGatewaySystemdServiceName, resolveGatewayServiceDescription } = await load("constants-", [
  "resolveGatewaySystemdServiceName",
  "resolveGatewayServiceDescription",
]);

// The planner finds the CLI's entry from the running script, as when
// `openclaw gateway install` runs it.
process.argv[1] = path.join(pkg, "openclaw.mjs");
const home = process.env.HOME;
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = [];
for (const s of input) {
  const stateDir = path.join(home, s.profile === "default" ? ".openclaw" : `.openclaw-${s.profile}`);
  const env = { HOME: home, PATH: process.env.PATH };
  if (s.profile !== "default") env.OPENCLAW_PROFILE = s.profile;
  const platform = s.kind === "launchd" ? "darwin" : "linux";
  const plan = await buildGatewayInstallPlan({
    env,
    port: s.port,
    runtime: "node",
    config: s.config,
    platform,
    warn: () => {},
  });
  if (s.kind === "systemd") {
    const inline = {};
    const fromFile = {};
    for (const [k, v] of Object.entries(plan.environment)) {
      if (typeof v !== "string") continue;
      if (plan.environmentValueSources?.[k] === "file") fromFile[k] = v;
      else inline[k] = v;
    }
    const envFile = path.join(stateDir, "gateway.systemd.env");
    const files = Object.keys(fromFile).length ? [envFile] : [];
    if (files.length) {
      fs.writeFileSync(
        envFile,
        Object.entries(fromFile).map(([k, v]) => `${k}=${v}`).join("\n") + "\n",
        { mode: 0o600 },
      );
    }
    const unit = buildSystemdUnit({
      description: resolveGatewayServiceDescription({ env }),
      programArguments: plan.programArguments,
      workingDirectory: plan.workingDirectory,
      environment: inline,
      environmentFiles: files,
    });
    const dir = path.join(home, ".config/systemd/user");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${resolveGatewaySystemdServiceName(env.OPENCLAW_PROFILE)}.service`);
    fs.writeFileSync(file, unit);
    out.push({ path: file });
  } else {
    const { plistPath } = await writeLaunchAgentPlist({
      env,
      programArguments: plan.programArguments,
      workingDirectory: plan.workingDirectory,
      environment: plan.environment,
    });
    out.push({ path: plistPath });
  }
}
process.stdout.write(JSON.stringify(out));
