//! Kubernetes: what a gateway's pod keeps on its claims and how its
//! StatefulSet replaces it. The state claim's layout (which directory is
//! OpenClaw's state dir, which hold the places that must outlive the pod,
//! how a claim of an earlier ocgen is brought to this layout) is decided
//! here, and the manifests and their tests read it.

use super::backup::KUBE_BACKUP_SUFFIX;
use super::gateway::Gateway;
use super::kubernetes::kube_pod_labels;
use super::runtime::{Keep, container_writable_places};

/// How the StatefulSet manages its one pod: `Parallel`. With the default
/// `OrderedReady`, a rolling update waits for the pod to be Running and
/// Ready before it replaces it, so a revision whose pod never becomes
/// Ready (a crash loop) blocks every later revision, the fix included,
/// until someone deletes the pod by hand (Kubernetes' documented "forced
/// rollback"). `Parallel` lets the controller replace a pod of an old
/// revision whatever its state; with one replica it changes nothing else:
/// the controller still deletes the old pod and waits until it is gone
/// before it creates the new one, so two never share the state volume.
pub const KUBE_POD_MANAGEMENT_POLICY: &str = "Parallel";

/// When the kubelet applies `fsGroup` to the claims: `OnRootMismatch`,
/// only while the volume's root does not have it yet (its first mount).
/// With the default, `Always`, it adds group read and write to every file
/// at every mount, and OpenClaw's 0600 files (a seeded config, its
/// credentials) turn 0660 in every new pod (seen on a real node).
pub const KUBE_FS_GROUP_CHANGE_POLICY: &str = "OnRootMismatch";

/// Where a [`Keep::Persistent`](super::Keep::Persistent) place lives on the state claim: a
/// directory `.ocgen-<name>` at its root, mounted with `subPath`, so that
/// one claim per gateway holds everything that must last (a claim of its
/// own per place would take a disk, and an attachment slot of the node,
/// for a few bytes).
pub const KUBE_PERSISTENT_SUBPATH_PREFIX: &str = ".ocgen-";

/// The directory of the state claim that is OpenClaw's state dir
/// (`/home/node/.openclaw`), mounted with `subPath`.
///
/// Not the claim's root: a volume's root belongs to root on most clusters
/// (`fsGroup` gives it only group 1000 and mode 2775), and OpenClaw sets
/// its state dir's mode when it writes its config, which only the owner
/// may: `openclaw config set` (and `onboard`, `channels add`) in a
/// `config: seeded` pod exited 1 with `EPERM: operation not permitted,
/// fchmod` on a real node. A directory the gateway's own user made is its
/// own, as compose's named volume is. The init container makes it
/// ([`kube_claim_dirs`]) before the kubelet would (a directory the kubelet
/// makes for a `subPath` belongs to root).
pub const KUBE_STATE_SUBPATH: &str = ".ocgen-state";

/// Entries at a state claim's root that are neither OpenClaw's nor
/// ocgen's: ext4's `lost+found`. Left alone.
pub const KUBE_CLAIM_FOREIGN: &[&str] = &["lost+found"];

/// The `subPath` of a [`Keep::Persistent`] place on the state claim.
pub fn kube_place_subpath(name: &str) -> String {
    format!("{KUBE_PERSISTENT_SUBPATH_PREFIX}{name}")
}

/// The directories at the state claim's root that the init container
/// makes as the gateway's user (mode 0700) before the gateway starts:
/// [`KUBE_STATE_SUBPATH`] and every persistent place's `subPath`.
///
/// A claim that an earlier ocgen used holds OpenClaw's state at its root.
/// The same init container moves every entry of the root into
/// [`KUBE_STATE_SUBPATH`] except ocgen's own (named with
/// [`KUBE_PERSISTENT_SUBPATH_PREFIX`]) and [`KUBE_CLAIM_FOREIGN`], one
/// rename each, so that a pod killed half-way leaves nothing lost and the
/// next one moves the rest. It deletes nothing but an empty directory it
/// cannot move (the mount point the runtime made for the workspace claim),
/// and stops, saying so, when an entry is in both places.
pub fn kube_claim_dirs() -> Vec<String> {
    std::iter::once(KUBE_STATE_SUBPATH.to_string())
        .chain(
            container_writable_places()
                .iter()
                .filter(|p| p.keep == Keep::Persistent)
                .map(|p| kube_place_subpath(p.name)),
        )
        .collect()
}

/// The labels of a gateway's backup pods: the gateway's, but another
/// instance (`<object>-backup`) and component (`backup`), so that neither
/// the gateway's Service nor its NetworkPolicy selects them.
pub fn kube_backup_pod_labels<P>(g: &Gateway<P>) -> Vec<(String, String)> {
    kube_pod_labels(g)
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "app.kubernetes.io/instance" => (k, format!("{v}{KUBE_BACKUP_SUFFIX}")),
            "app.kubernetes.io/component" => (k, "backup".to_string()),
            _ => (k, v),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_claim_dir_is_ocgens_own() {
        let dirs = kube_claim_dirs();
        assert_eq!(dirs[0], KUBE_STATE_SUBPATH);
        assert!(dirs.contains(&".ocgen-oauth".to_string()));
        for d in &dirs {
            assert!(d.starts_with(KUBE_PERSISTENT_SUBPATH_PREFIX), "{d}");
            assert!(!KUBE_CLAIM_FOREIGN.contains(&d.as_str()));
        }
    }
}
