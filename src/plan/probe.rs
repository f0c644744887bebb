//! The health probe every container target runs (Compose, the NixOS
//! oci-containers backend, Kubernetes): the image has no curl, and its own
//! HEALTHCHECK does not know ocgen's port, so ocgen brings its own.
//!
//! It is a `bash` script on `/dev/tcp` rather than `node -e fetch(...)`:
//! on the 2-core test machine one health check costs about 55 ms of CPU
//! with bash (the same as `true`: the engine's exec is the cost) and about
//! 185 ms with node, which loads its runtime for every probe
//! (`benches/fleet_start.py probe`). The official image is Debian
//! (`node:24-bookworm-slim`), which has bash and grep.

use crate::openclaw::Probe;

/// The program and flag that run [`shell_probe`]'s script.
pub const PROBE_SHELL: [&str; 2] = ["bash", "-c"];

/// The script around its port: what comes before the port and what comes
/// after it (the NixOS module fills the port in itself). It sends an
/// HTTP/1.0 `GET` of the probe's path to `host:port`, and exits 0 only
/// when the status line says 200 and the body has the field `true`.
pub fn shell_probe_parts(host: &str, probe: Probe) -> (String, String) {
    (
        format!("exec 3<>/dev/tcp/{host}/"),
        format!(
            " && printf 'GET {path} HTTP/1.0\\r\\n\\r\\n' >&3 && read -r s <&3 && case \"$s\" in 'HTTP/1.'?' 200 '*) grep -q '\"{field}\":true' <&3;; *) exit 1;; esac",
            path = probe.path,
            field = probe.field,
        ),
    )
}

/// The whole probe script for `host:port` ([`shell_probe_parts`]).
pub fn shell_probe(host: &str, port: u16, probe: Probe) -> String {
    let (before, after) = shell_probe_parts(host, probe);
    format!("{before}{port}{after}")
}

/// The probe as a command: `bash -c SCRIPT`.
pub fn probe_command(host: &str, port: u16, probe: Probe) -> Vec<String> {
    PROBE_SHELL
        .iter()
        .map(ToString::to_string)
        .chain(std::iter::once(shell_probe(host, port, probe)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openclaw::{LIVE, READY};

    #[test]
    fn scripts_name_the_path_field_and_port_once() {
        assert_eq!(
            shell_probe("127.0.0.1", 20000, LIVE),
            "exec 3<>/dev/tcp/127.0.0.1/20000 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r s <&3 && case \"$s\" in 'HTTP/1.'?' 200 '*) grep -q '\"ok\":true' <&3;; *) exit 1;; esac"
        );
        let ready = shell_probe("127.0.0.1", 1, READY);
        assert!(ready.contains("GET /readyz ") && ready.contains("'\"ready\":true'"));
        assert_eq!(
            shell_probe("127.0.0.1", 18789, LIVE)
                .matches("18789")
                .count(),
            1
        );
        assert_eq!(probe_command("127.0.0.1", 1, LIVE)[..2], ["bash", "-c"]);
    }
}
