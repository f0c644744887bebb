//! Probes from inside a container: the image has node but no curl, and its
//! own HEALTHCHECK does not know ocgen's port, so every container target
//! (compose, the NixOS oci-containers backend, Kubernetes) probes the
//! gateway with this one script.

use crate::openclaw::Probe;

/// A `node -e` script that exits 0 when `probe` passes on `host:port`:
/// node's `fetch`, the JSON body's field, any failure exits 1.
pub fn node_probe(host: &str, port: u16, probe: Probe) -> String {
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    format!(
        "fetch('http://{host}:{port}{path}').then(r=>r.json()).then(j=>process.exit(j.{field}===true?0:1),()=>process.exit(1))",
        path = probe.path,
        field = probe.field,
    )
}

#[cfg(test)]
mod tests {
    use super::node_probe;
    use crate::openclaw::{LIVE, READY};

    #[test]
    fn scripts_name_the_path_and_field() {
        assert_eq!(
            node_probe("127.0.0.1", 20000, LIVE),
            "fetch('http://127.0.0.1:20000/healthz').then(r=>r.json()).then(j=>process.exit(j.ok===true?0:1),()=>process.exit(1))"
        );
        assert!(node_probe("::1", 1, READY).starts_with("fetch('http://[::1]:1/readyz')"));
    }
}
