// Runs OpenClaw's own LaunchAgent code from the installed package for the
// gateways on stdin, and prints what it builds, as JSON, on stdout.
//
//   node upstream.mjs PACKAGE_DIR < gateways.json
//
// Input: [{profile, home, stateDir, configPath, configReadonly, port, ours: {label, comment,
// programArguments, stdoutPath, stderrPath, environment}}]. Output, per gateway:
// `builder`: OpenClaw's buildLaunchAgentPlist fed ocgen's label, arguments,
// log paths and environment (XML text); `label`, `comment`, `logPath`,
// `environment`: what OpenClaw itself derives for that profile on darwin;
// `policy`: its LAUNCH_AGENT_POLICY.
//
// The dist/ file names carry build hashes and exports are minified aliases,
// so both are looked up by the function names the bundle keeps.
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

const { buildLaunchAgentPlist, LAUNCH_AGENT_POLICY } = await load("launchd-plist-", [
  "buildLaunchAgentPlist",
  "LAUNCH_AGENT_POLICY",
]);
const { resolveGatewayLaunchAgentLabel, resolveGatewayServiceDescription } = await load(
  "constants-",
  ["resolveGatewayLaunchAgentLabel", "resolveGatewayServiceDescription"],
);
const { buildServiceEnvironment } = await load("service-env-", ["buildServiceEnvironment"]);
const { resolveGatewaySupervisorLogPaths } = await load("restart-logs-", [
  "resolveGatewaySupervisorLogPaths",
]);

const input = JSON.parse(fs.readFileSync(0, "utf8"));
const out = input.map((g) => {
  const env = {
    HOME: g.home,
    OPENCLAW_PROFILE: g.profile,
    OPENCLAW_STATE_DIR: g.stateDir,
    OPENCLAW_CONFIG_PATH: g.configPath,
    // Passed through by OpenClaw when the installing shell has it set.
    ...(g.configReadonly !== null ? { OPENCLAW_CONFIG_READONLY: g.configReadonly } : {}),
  };
  const logs = resolveGatewaySupervisorLogPaths(env, { platform: "darwin" });
  const environment = buildServiceEnvironment({
    env,
    port: g.port,
    runtime: "node",
    platform: "darwin",
    launchdLabel: resolveGatewayLaunchAgentLabel(g.profile),
    extraPathDirs: [path.posix.dirname(g.ours.programArguments[0])],
  });
  return {
    builder: buildLaunchAgentPlist({
      label: g.ours.label,
      comment: g.ours.comment,
      programArguments: g.ours.programArguments,
      stdoutPath: g.ours.stdoutPath,
      stderrPath: g.ours.stderrPath,
      environment: Object.fromEntries(g.ours.environment),
    }),
    label: resolveGatewayLaunchAgentLabel(g.profile),
    comment: resolveGatewayServiceDescription({ env }),
    stdoutPath: logs.stdoutPath,
    stderrPath: logs.stdoutPath,
    environment: Object.fromEntries(
      Object.entries(environment).filter(([, v]) => typeof v === "string"),
    ),
    policy: LAUNCH_AGENT_POLICY,
  };
});
process.stdout.write(JSON.stringify(out));
