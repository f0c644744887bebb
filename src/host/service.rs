//! Starting and stopping one gateway on this machine, for the live
//! operations (restore, rollout): through systemd by default, or through
//! the operator's own commands (`--stop`, `--start`), which get the
//! gateway's facts in their environment; and waiting until it is healthy.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::plan::{Gateway, HEALTH_PATH, PROBE_ADDR};

/// How gateways are stopped and started: two shell commands, run with
/// `OCGEN_GATEWAY`, `OCGEN_UNIT`, `OCGEN_ENV_FILE`, `OCGEN_STATE_DIR` and
/// `OCGEN_OPENCLAW` (the executable the gateway must run) and `OCGEN_ARGS`
/// (its arguments, `gateway --port P ...`) exported.
#[derive(Debug, Clone)]
pub(crate) struct Manager {
    /// Stops the gateway; returns once it has stopped.
    pub stop: String,
    /// Starts the gateway with `$OCGEN_OPENCLAW`; may return before it is healthy.
    pub start: String,
}

/// What went wrong stopping or starting a gateway.
#[derive(Debug, Clone, thiserror::Error)]
#[error("`{command}` for gateway `{gateway}` failed ({status}): {stderr}")]
pub(crate) struct ManagerError {
    /// The gateway.
    pub gateway: String,
    /// The command.
    pub command: String,
    /// How it exited.
    pub status: String,
    /// What it said.
    pub stderr: String,
}

impl Manager {
    /// systemd's: `systemctl [--user] stop|start openclaw-gateway-<name>.service`.
    /// The start pins the executable with a drop-in
    /// (`<unit>.d/ocgen-openclaw.conf`: `ExecStart=` reset, then
    /// `$OCGEN_OPENCLAW $OCGEN_ARGS`), so that a rollout or a rollback
    /// starts the version it means, and a reboot keeps it.
    pub(crate) fn systemd(user: bool) -> Manager {
        let (ctl, dir) = if user {
            (
                "systemctl --user",
                r#""$HOME/.config/systemd/user/$OCGEN_UNIT.d""#,
            )
        } else {
            ("systemctl", r#""/etc/systemd/system/$OCGEN_UNIT.d""#)
        };
        Manager {
            stop: format!(r#"{ctl} stop "$OCGEN_UNIT""#),
            start: format!(
                r#"mkdir -p {dir} && printf '[Service]\nExecStart=\nExecStart=%s %s\n' "$OCGEN_OPENCLAW" "$OCGEN_ARGS" >{dir}/ocgen-openclaw.conf && {ctl} daemon-reload && {ctl} start "$OCGEN_UNIT""#
            ),
        }
    }

    fn run(command: &str, g: &Gateway, openclaw: &str) -> Result<(), ManagerError> {
        let paths = g.host_paths().ok();
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(command)
            .env("OCGEN_GATEWAY", &g.name)
            .env("OCGEN_UNIT", format!("{}.service", g.unit_name()))
            .env(
                "OCGEN_ENV_FILE",
                paths.map(|p| p.env_file(&g.name)).unwrap_or_default(),
            )
            .env(
                "OCGEN_STATE_DIR",
                paths.map(|p| p.state_dir.clone()).unwrap_or_default(),
            )
            .env("OCGEN_OPENCLAW", openclaw)
            .env("OCGEN_ARGS", g.service_args().join(" "))
            .stdin(std::process::Stdio::null())
            .output();
        match out {
            Ok(o) if o.status.success() => Ok(()),
            Ok(o) => Err(ManagerError {
                gateway: g.name.clone(),
                command: command.to_string(),
                status: o.status.to_string(),
                stderr: String::from_utf8_lossy(&o.stderr).trim().to_string(),
            }),
            Err(e) => Err(ManagerError {
                gateway: g.name.clone(),
                command: command.to_string(),
                status: "not started".into(),
                stderr: e.to_string(),
            }),
        }
    }

    /// Stops the gateway (a stopped one stays stopped).
    pub(crate) fn stop(&self, g: &Gateway, openclaw: &str) -> Result<(), ManagerError> {
        Self::run(&self.stop, g, openclaw)
    }

    /// Starts the gateway with the `openclaw` at `openclaw`.
    pub(crate) fn start(&self, g: &Gateway, openclaw: &str) -> Result<(), ManagerError> {
        Self::run(&self.start, g, openclaw)
    }
}

/// Whether the gateway answers `/healthz` on 127.0.0.1 now.
pub(crate) fn healthy(g: &Gateway) -> bool {
    let addr = SocketAddr::from((PROBE_ADDR, g.port));
    matches!(
        crate::host::http_get(addr, HEALTH_PATH, Duration::from_millis(800)),
        Ok(r) if r.status == 200 && r.body.contains("\"ok\":true")
    )
}

/// Waits until the gateway is healthy, at most `deadline`; how long it took.
pub(crate) fn wait_healthy(g: &Gateway, deadline: Duration) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if healthy(g) {
            return Some(start.elapsed());
        }
        if start.elapsed() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A UTC time for names of things set aside: `20261205T094512Z`.
pub(crate) fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::Manager;

    #[test]
    fn the_systemd_start_pins_the_executable_with_a_drop_in() {
        let dir = tempfile::tempdir().unwrap();
        let m = Manager::systemd(true);
        // Run it with a `systemctl` that only records its arguments.
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let ctl = bin.join("systemctl");
        std::fs::write(&ctl, "#!/bin/sh\necho \"$@\" >>\"$HOME/calls\"\n").unwrap();
        std::fs::set_permissions(&ctl, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let o = std::process::Command::new("/bin/sh")
            .args(["-c", &m.start])
            .env("HOME", dir.path())
            .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
            .env("OCGEN_UNIT", "openclaw-gateway-a.service")
            .env("OCGEN_OPENCLAW", "/opt/oc-2/bin/openclaw")
            .env("OCGEN_ARGS", "gateway --port 18789")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let conf = std::fs::read_to_string(
            dir.path()
                .join(".config/systemd/user/openclaw-gateway-a.service.d/ocgen-openclaw.conf"),
        )
        .unwrap();
        assert_eq!(
            conf,
            "[Service]\nExecStart=\nExecStart=/opt/oc-2/bin/openclaw gateway --port 18789\n"
        );
        let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
        assert_eq!(
            calls,
            "--user daemon-reload\n--user start openclaw-gateway-a.service\n"
        );
    }
}
