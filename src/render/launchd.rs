//! macOS LaunchAgents (`ocgen launchd NAME`, `launchd/<label>.plist`).
//!
//! Everything comes from [`LaunchAgent`]; this module only spells it as an
//! XML property list, keys in the order OpenClaw's own `gateway install`
//! writes them, every string through [`quote::xml`]. The plist is built in
//! code rather than by a template: its structure is fixed and every value
//! needs the same escaping.

use std::fmt::Write as _;

use super::quote;
use crate::plan::{BackupAgent, Gateway, LaunchAgent, LaunchdValue, NoHostPaths, Plan};

/// The plist of one gateway.
pub fn render(plan: &Plan, g: &Gateway) -> Result<String, NoHostPaths> {
    Ok(plist(&g.launch_agent(&plan.launchd)?))
}

/// Where `generate` writes a gateway's plist.
pub fn path(plan: &Plan, g: &Gateway) -> Result<String, NoHostPaths> {
    Ok(format!(
        "launchd/{}",
        g.launch_agent(&plan.launchd)?.file_name()
    ))
}

fn string(out: &mut String, indent: &str, v: &str) {
    let _ = writeln!(out, "{indent}<string>{}</string>", quote::xml(v));
}

fn key(out: &mut String, k: &str) {
    let _ = writeln!(out, "    <key>{}</key>", quote::xml(k));
}

/// The property list of a LaunchAgent.
pub fn plist(a: &LaunchAgent) -> String {
    let mut o = String::with_capacity(2048);
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
    // No names in the comment: a gateway or profile name may hold `--`,
    // which XML forbids inside comments.
    o.push_str("<!-- An OpenClaw gateway's LaunchAgent, written by ocgen. Do not edit: change ocgen.yaml and run\n     `ocgen generate` again. Install it as ~/Library/LaunchAgents/<Label>.plist, then run\n     launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/<Label>.plist\n     No secret is written here: the gateway reads them from the .env in its state dir. -->\n");
    o.push_str("<plist version=\"1.0\">\n  <dict>\n");
    key(&mut o, "Label");
    string(&mut o, "    ", &a.label);
    key(&mut o, "Comment");
    string(&mut o, "    ", &a.comment);
    for (k, v) in a.policy {
        key(&mut o, k);
        match v {
            LaunchdValue::Bool(b) => {
                let _ = writeln!(o, "    <{b}/>");
            }
            LaunchdValue::Int(n) => {
                let _ = writeln!(o, "    <integer>{n}</integer>");
            }
            LaunchdValue::Str(s) => string(&mut o, "    ", s),
        }
    }
    key(&mut o, "ProgramArguments");
    o.push_str("    <array>\n");
    for arg in &a.program_arguments {
        string(&mut o, "      ", arg);
    }
    o.push_str("    </array>\n");
    key(&mut o, "StandardOutPath");
    string(&mut o, "    ", &a.stdout_path);
    key(&mut o, "StandardErrorPath");
    string(&mut o, "    ", &a.stderr_path);
    key(&mut o, "EnvironmentVariables");
    o.push_str("    <dict>\n");
    for (k, v) in &a.environment {
        let _ = writeln!(o, "      <key>{}</key>", quote::xml(k));
        string(&mut o, "      ", v);
    }
    o.push_str("    </dict>\n  </dict>\n</plist>\n");
    o
}

/// The property list of a scheduled backup's LaunchAgent.
pub fn backup_plist(b: &BackupAgent) -> String {
    let mut o = String::with_capacity(2048);
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
    o.push_str("<!-- A scheduled backup of an OpenClaw gateway (OpenClaw's own verified archive), written by ocgen.\n     Do not edit: change `backup:` in ocgen.yaml and run `ocgen generate` again. Install it beside\n     the gateway's agent, then: launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/<Label>.plist -->\n");
    o.push_str("<plist version=\"1.0\">\n  <dict>\n");
    key(&mut o, "Label");
    string(&mut o, "    ", &b.label);
    key(&mut o, "RunAtLoad");
    o.push_str("    <false/>\n");
    key(&mut o, "ProcessType");
    string(&mut o, "    ", "Background");
    key(&mut o, "Umask");
    o.push_str("    <integer>63</integer>\n");
    key(&mut o, "StartCalendarInterval");
    o.push_str("    <dict>\n");
    for (k, v) in &b.calendar {
        let _ = writeln!(o, "      <key>{k}</key>\n      <integer>{v}</integer>");
    }
    o.push_str("    </dict>\n");
    key(&mut o, "ProgramArguments");
    o.push_str("    <array>\n");
    for arg in &b.program_arguments {
        string(&mut o, "      ", arg);
    }
    o.push_str("    </array>\n");
    key(&mut o, "StandardOutPath");
    string(&mut o, "    ", &b.log);
    key(&mut o, "StandardErrorPath");
    string(&mut o, "    ", &b.log);
    key(&mut o, "EnvironmentVariables");
    o.push_str("    <dict>\n");
    for (k, v) in &b.environment {
        let _ = writeln!(o, "      <key>{}</key>", quote::xml(k));
        string(&mut o, "      ", v);
    }
    o.push_str("    </dict>\n  </dict>\n</plist>\n");
    o
}
