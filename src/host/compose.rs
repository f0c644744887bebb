//! Day two on a Compose deployment (`ocgen backup`, `restore`, `rollout`
//! where the plan's site is Compose), through the docker CLI as the
//! environment configures it (`DOCKER_HOST`), in the directory of the
//! generated `compose.yaml`.
//!
//! * A backup is the generated `<gateway>-backup` service, run as a user
//!   would: `docker compose --profile backup run --rm <gateway>-backup`.
//! * An image other than the compose file's (the previous one, during a
//!   rollout or a rollback) is pinned with an override file beside it,
//!   `.ocgen-image-<gateway>.yaml`, passed as a second `-f`.
//! * A restore follows the host's steps ([`super::restore`]: its journal,
//!   stages and report) with volumes for directories: OpenClaw's own
//!   `backup restore --target` into a fresh staging volume
//!   (`<state volume>.ocgen-restore`), the live volumes copied into a
//!   set-aside volume `<state volume>.ocgen-replaced-<time>` (never
//!   deleted), then emptied and filled from the staging volume by one-off
//!   containers without network.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::backup::{BackupError, Made, private_dir};
use super::restore::{RestoreError, Restored, begin, outermost, save};
use super::rollout::Site;
use super::service::healthy as http_healthy;
use crate::plan::{
    CONTAINER_STATE_DIR, CONTAINER_UID, Gateway, archives_to_prune, compose_backup_service,
    restore_staging, set_aside_path,
};
use crate::write::{abort_point, write_atomic};

/// The compose file ocgen writes, in [`ComposeSite::dir`].
pub(crate) const COMPOSE_FILE: &str = "compose.yaml";

/// Where one-off containers see the archive's directory, the staging
/// volume, the live volumes and the set-aside volume.
const ARCHIVE_MNT: &str = "/ocgen-archive";
const STAGING_MNT: &str = "/ocgen-staging";
const LIVE_MNT: &str = "/ocgen-live";
const ASIDE_MNT: &str = "/ocgen-aside";

/// A Compose deployment.
pub(crate) struct ComposeSite {
    /// The directory of `compose.yaml`.
    pub dir: PathBuf,
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

/// Runs a command; its standard output, or what went wrong.
fn output(c: &mut Command) -> Result<String, String> {
    let o = c
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("docker: {e}"))?;
    if o.status.success() {
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    } else {
        Err(format!(
            "{} ({}): {}",
            describe(c),
            o.status,
            text(&o.stderr)
        ))
    }
}

fn describe(c: &Command) -> String {
    let args: Vec<String> = c
        .get_args()
        .take(6)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    format!("{} {}", c.get_program().to_string_lossy(), args.join(" "))
}

fn docker(args: &[&str]) -> Command {
    let mut c = Command::new("docker");
    c.args(args);
    c
}

/// Only fixed-form paths go into the one-off containers' shell scripts.
fn safe(path: &str) -> Result<&str, String> {
    if path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:".contains(&b))
    {
        Ok(path)
    } else {
        Err(format!("`{path}`: not a path ocgen moves by itself"))
    }
}

/// The JSON object a `--json` command printed (Compose may add lines).
fn json_of(stdout: &str) -> Option<serde_json::Value> {
    let end = stdout.rfind('}')?;
    let mut at = 0;
    for line in stdout.split_inclusive('\n') {
        if line.starts_with('{')
            && let Some(v) = stdout
                .get(at..=end)
                .and_then(|t| serde_json::from_str(t).ok())
        {
            return Some(v);
        }
        at += line.len();
    }
    None
}

impl ComposeSite {
    /// The override file that pins gateway `g`'s image.
    pub(crate) fn pin_file(&self, g: &Gateway) -> PathBuf {
        self.dir.join(format!(".ocgen-image-{}.yaml", g.name))
    }

    /// `docker compose -f compose.yaml` for gateway `g` on `image` (the
    /// compose file's unless given): another image is pinned for the
    /// gateway and its backup service by the override file.
    fn compose(&self, g: &Gateway, image: Option<&str>) -> Result<Command, String> {
        let mut c = docker(&["compose", "-f", COMPOSE_FILE]);
        c.current_dir(&self.dir);
        let pin = self.pin_file(g);
        match image.filter(|i| *i != g.image) {
            Some(image) => {
                let img = serde_json::to_string(image).map_err(|e| e.to_string())?;
                let body = format!(
                    "# Written by ocgen (rollout/restore): gateway `{name}` runs this image\n# until ocgen switches it again. Pass it as a second -f to keep it so.\nservices:\n  {name}:\n    image: {img}\n  {backup}:\n    image: {img}\n",
                    name = g.name,
                    backup = compose_backup_service(g),
                );
                write_atomic(&pin, &body, false).map_err(|e| e.to_string())?;
                c.arg("-f").arg(&pin);
            }
            None => match std::fs::remove_file(&pin) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(format!("{}: {e}", pin.display())),
            },
        }
        Ok(c)
    }

    /// The gateway's container (running or not), as `docker inspect` says.
    fn container(&self, g: &Gateway) -> Result<serde_json::Value, String> {
        let mut c = docker(&["compose", "-f", COMPOSE_FILE, "ps", "-a", "-q", &g.name]);
        c.current_dir(&self.dir);
        let id = output(&mut c)?;
        let id = id.lines().next().unwrap_or("").trim();
        if id.is_empty() {
            return Err(format!(
                "gateway `{}` has no container: start the deployment first (docker compose up -d)",
                g.name
            ));
        }
        let v: serde_json::Value = serde_json::from_str(&output(&mut docker(&["inspect", id]))?)
            .map_err(|e| format!("docker inspect: {e}"))?;
        Ok(v[0].clone())
    }

    /// The gateway's named volumes: (volume, path in the container).
    fn volumes(&self, g: &Gateway) -> Result<Vec<(String, String)>, String> {
        let c = self.container(g)?;
        Ok(c["Mounts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["Type"] == "volume")
            .filter_map(|m| {
                Some((
                    m["Name"].as_str()?.to_string(),
                    m["Destination"].as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// The image the gateway's container was made from.
    pub(crate) fn running_image(&self, g: &Gateway) -> Option<String> {
        let c = self.container(g).ok()?;
        c["Config"]["Image"].as_str().map(str::to_string)
    }

    /// The gateway's archive directory on this machine, absolute (what
    /// `ocgen backup` prints is a path to copy, not `././backups/...`).
    fn backup_dir(&self, g: &Gateway) -> PathBuf {
        let dir = self.dir.join(&g.backup.compose_dir);
        std::path::absolute(&dir).unwrap_or(dir)
    }

    /// One archive of `g` by its backup service, on `image` (the compose
    /// file's unless given), then retention.
    pub(crate) fn backup(&self, g: &Gateway, image: Option<&str>) -> Result<Made, BackupError> {
        let dir = self.backup_dir(g);
        let io = |source| BackupError::Io {
            path: dir.clone(),
            source,
        };
        private_dir(&dir)?;
        // The service runs as the image's user: the directory is its.
        let meta = std::fs::metadata(&dir).map_err(io)?;
        if meta.uid() != CONTAINER_UID {
            std::os::unix::fs::chown(&dir, Some(CONTAINER_UID), Some(CONTAINER_UID)).map_err(
                |e| BackupError::Failed {
                    gateway: g.name.clone(),
                    status: "not started".into(),
                    stderr: format!(
                        "{} must belong to uid {CONTAINER_UID} (the image's user): {e}; run `sudo chown {CONTAINER_UID}:{CONTAINER_UID} {}`",
                        dir.display(),
                        dir.display()
                    ),
                },
            )?;
        }
        let names = |d: &Path| -> Vec<String> {
            std::fs::read_dir(d)
                .into_iter()
                .flatten()
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        };
        let before = names(&dir);
        let failed = |status: String, stderr: String| BackupError::Failed {
            gateway: g.name.clone(),
            status,
            stderr,
        };
        let mut c = self
            .compose(g, image)
            .map_err(|e| failed("not started".into(), e))?;
        c.args([
            "--profile",
            crate::plan::COMPOSE_BACKUP_PROFILE,
            "run",
            "--rm",
            "--no-deps",
            "-T",
        ])
        .arg(compose_backup_service(g));
        let out = c
            .stdin(Stdio::null())
            .output()
            .map_err(|source| BackupError::Spawn {
                bin: "docker".into(),
                source,
            })?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let json = json_of(&stdout);
        let name = json
            .as_ref()
            .and_then(|j| j["archivePath"].as_str())
            .and_then(|p| p.rsplit('/').next())
            .map(str::to_string);
        let verified = json.as_ref().is_some_and(|j| j["verified"] == true);
        let (Some(name), true, true) = (name, verified, out.status.success()) else {
            return Err(failed(
                out.status.to_string(),
                format!("{}\n{}", stdout.trim(), text(&out.stderr)),
            ));
        };
        let archive = dir.join(&name);
        let bytes = std::fs::metadata(&archive)
            .map_err(|source| BackupError::Io {
                path: archive.clone(),
                source,
            })?
            .len();
        // What the service's retention removed: the same rule, here.
        let mut all = before;
        all.push(name);
        let pruned = archives_to_prune(&all, g.backup.keep);
        Ok(Made {
            gateway: g.name.clone(),
            archive,
            bytes,
            pruned,
        })
    }

    /// A one-off container of `image` without network; as root (with the
    /// capabilities to copy files of any owner as they are) when `root`.
    fn one_off(
        image: &str,
        root: bool,
        mounts: &[(String, String, bool)],
        cmd: &[&str],
    ) -> Command {
        let mut c = docker(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--security-opt",
            "no-new-privileges:true",
            "--cap-drop",
            "ALL",
        ]);
        if root {
            c.args(["--user", "0:0"]);
            for cap in ["CHOWN", "DAC_OVERRIDE", "FOWNER"] {
                c.args(["--cap-add", cap]);
            }
        }
        for (source, target, ro) in mounts {
            let mut m = format!("type=volume,source={source},target={target}");
            if source.starts_with('/') {
                m = format!("type=bind,source={source},target={target}");
            }
            if *ro {
                m.push_str(",readonly");
            }
            c.arg("--mount").arg(m);
        }
        c.arg(image).args(cmd);
        c
    }

    /// `openclaw backup verify` of an archive, on `image`.
    fn verify(image: &str, archive: &Path) -> Result<(), String> {
        let (dir, file) = split(archive)?;
        let path = format!("{ARCHIVE_MNT}/{file}");
        let node = node_cmd(&["backup", "verify", "--json", &path]);
        output(&mut Self::one_off(
            image,
            false,
            &[(dir, ARCHIVE_MNT.into(), true)],
            &node.iter().map(String::as_str).collect::<Vec<_>>(),
        ))
        .map(|_| ())
    }

    /// Restores `archive` into gateway `g` and starts it on `image` (the
    /// compose file's unless given): see the module's doc.
    pub(crate) fn restore(
        &self,
        g: &Gateway,
        archive: &Path,
        image: Option<&str>,
        deadline: Duration,
    ) -> Result<Restored, RestoreError> {
        let step = |what: &str| {
            let gateway = g.name.clone();
            let step = what.to_string();
            move |why: String| RestoreError::Step { gateway, step, why }
        };
        let img = image.unwrap_or(&g.image).to_string();
        let archive = std::path::absolute(archive).map_err(|e| step("archive")(e.to_string()))?;
        let archive_s = archive.display().to_string();
        let volumes = self.volumes(g).map_err(step("volumes"))?;
        let state_volume = volumes
            .iter()
            .find(|(_, d)| d == CONTAINER_STATE_DIR)
            .map(|(v, _)| v.clone())
            .ok_or_else(|| step("volumes")(format!("no volume at {CONTAINER_STATE_DIR}")))?;
        let jpath = self.dir.join(format!(".ocgen-restore-{}.json", g.name));
        let (mut j, resumed) = begin(g, &jpath, &archive_s, || Self::verify(&img, &archive))?;
        abort_point("restore-begun");
        let mut halt = self.compose(g, image).map_err(step("stop"))?;
        output(halt.args(["stop", &g.name])).map_err(step("stop"))?;
        let staging = restore_staging(&state_volume);
        let aside = set_aside_path(&state_volume, &j.stamp);
        let live: Vec<(String, String, bool)> = volumes
            .iter()
            .map(|(v, d)| (v.clone(), format!("{LIVE_MNT}{d}"), false))
            .collect();
        if j.stage == "begin" {
            // A fresh staging volume (an extraction a kill interrupted is dropped).
            let _ = output(&mut docker(&["volume", "rm", "-f", &staging]));
            output(&mut docker(&[
                "volume",
                "create",
                "--label",
                "ocgen.restore-staging=1",
                &staging,
            ]))
            .map_err(step("staging"))?;
            let own = format!("{CONTAINER_UID}:{CONTAINER_UID}");
            output(&mut Self::one_off(
                &img,
                true,
                &[(staging.clone(), STAGING_MNT.into(), false)],
                &["chown", &own, STAGING_MNT],
            ))
            .map_err(step("staging"))?;
            let (dir, file) = split(&archive).map_err(step("archive"))?;
            let target = format!("{STAGING_MNT}/restored");
            let path = format!("{ARCHIVE_MNT}/{file}");
            let node = node_cmd(&["backup", "restore", "--json", "--target", &target, &path]);
            let out = output(&mut Self::one_off(
                &img,
                false,
                &[
                    (dir, ARCHIVE_MNT.into(), true),
                    (staging.clone(), STAGING_MNT.into(), false),
                ],
                &node.iter().map(String::as_str).collect::<Vec<_>>(),
            ))
            .map_err(step("openclaw backup restore"))?;
            let r = json_of(&out)
                .ok_or_else(|| step("openclaw backup restore")(format!("no JSON in: {out}")))?;
            let root = in_dir(&target, r["archiveRoot"].as_str().unwrap_or_default());
            let manifest = output(&mut Self::one_off(
                &img,
                false,
                &[(staging.clone(), STAGING_MNT.into(), true)],
                &["cat", &format!("{root}/manifest.json")],
            ))
            .map_err(step("manifest"))?;
            let manifest: serde_json::Value =
                serde_json::from_str(&manifest).map_err(|e| step("manifest")(e.to_string()))?;
            j.swaps = swaps_of(&manifest, &target, &volumes);
            if j.swaps.is_empty() {
                return Err(step("manifest")(
                    "the archive holds nothing of the gateway's volumes".into(),
                ));
            }
            j.stage = "extracted".into();
            save(&jpath, &j).map_err(step("journal"))?;
        }
        abort_point("restore-extracted");
        if j.stage == "extracted" {
            let _ = output(&mut docker(&[
                "volume",
                "create",
                "--label",
                &format!("ocgen.replaced={state_volume}"),
                &aside,
            ]));
            let mut script = format!("set -e\nfind {ASIDE_MNT} -mindepth 1 -delete\n");
            for (l, _) in &outermost(j.swaps.clone()) {
                let l = safe(l).map_err(step("set aside"))?;
                script.push_str(&format!(
                    "mkdir -p \"$(dirname {ASIDE_MNT}{l})\"\ncp -a {LIVE_MNT}{l} {ASIDE_MNT}{l}\n"
                ));
            }
            let mut mounts = live.clone();
            mounts.push((aside.clone(), ASIDE_MNT.into(), false));
            output(&mut Self::one_off(
                &img,
                true,
                &mounts,
                &["sh", "-c", &script],
            ))
            .map_err(step("set aside"))?;
            j.stage = "aside".into();
            save(&jpath, &j).map_err(step("journal"))?;
        }
        abort_point("restore-set-aside");
        if j.stage == "aside" {
            let mut script = String::from("set -e\n");
            let outer = outermost(j.swaps.clone());
            // Outer trees first: an asset inside another is copied over it.
            for (l, r) in &j.swaps {
                let (l, r) = (
                    safe(l).map_err(step("swap in"))?,
                    safe(r).map_err(step("swap in"))?,
                );
                if !outer.iter().any(|(o, _)| o == l) {
                    script.push_str(&format!(
                        "mkdir -p {LIVE_MNT}{l}\ncp -a {r}/. {LIVE_MNT}{l}/\n"
                    ));
                    continue;
                }
                // Empty the live tree, but not the mount points of volumes inside it.
                let keep = volumes
                    .iter()
                    .filter(|(_, d)| d.strip_prefix(l).is_some_and(|x| x.starts_with('/')))
                    .fold(String::new(), |mut k, (_, d)| {
                        k.push_str(&format!(" ! -path {LIVE_MNT}{d}"));
                        k
                    });
                script.push_str(&format!(
                    "find {LIVE_MNT}{l} -mindepth 1 -depth{keep} -delete\ncp -a {r}/. {LIVE_MNT}{l}/\n"
                ));
            }
            let mut mounts = live.clone();
            mounts.push((staging.clone(), STAGING_MNT.into(), true));
            output(&mut Self::one_off(
                &img,
                true,
                &mounts,
                &["sh", "-c", &script],
            ))
            .map_err(step("swap in"))?;
            j.stage = "swapped".into();
            save(&jpath, &j).map_err(step("journal"))?;
        }
        abort_point("restore-swapped");
        let _ = output(&mut docker(&["volume", "rm", &staging]));
        let doctor = self.doctor(g, image);
        let mut up = self.compose(g, image).map_err(step("start"))?;
        output(up.args(["up", "-d", "--no-deps", &g.name])).map_err(step("start"))?;
        let _ = std::fs::remove_file(&jpath);
        let start = Instant::now();
        while !self.healthy(g) {
            if start.elapsed() > deadline {
                return Err(RestoreError::NotHealthy {
                    gateway: g.name.clone(),
                    deadline,
                    aside: format!("volume {aside}"),
                });
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Ok(Restored {
            resumed,
            set_aside: vec![(format!("volume {state_volume}"), format!("volume {aside}"))],
            unplaced: Vec::new(),
            doctor,
            healthy_after: start.elapsed(),
        })
    }

    /// `openclaw doctor --non-interactive` in a one-off container of the
    /// gateway's service (its volumes, environment and secrets), told that
    /// the container engine owns the gateway.
    fn doctor(&self, g: &Gateway, image: Option<&str>) -> (bool, String) {
        let mut c = match self.compose(g, image) {
            Ok(c) => c,
            Err(e) => return (false, e),
        };
        c.args([
            "run",
            "--rm",
            "--no-deps",
            "-T",
            "-e",
            "OPENCLAW_SERVICE_REPAIR_POLICY=external",
            &g.name,
        ])
        .args(node_cmd(&["doctor", "--non-interactive"]));
        match c.stdin(Stdio::null()).output() {
            Ok(o) => {
                let all = String::from_utf8_lossy(&o.stdout).into_owned()
                    + &String::from_utf8_lossy(&o.stderr);
                let lines: Vec<&str> = all.lines().collect();
                (
                    o.status.success(),
                    lines[lines.len().saturating_sub(5)..].join("\n"),
                )
            }
            Err(e) => (false, e.to_string()),
        }
    }

    /// Whether the gateway answers: its published port on 127.0.0.1, or
    /// the engine's health check when nothing is published there.
    pub(crate) fn healthy(&self, g: &Gateway) -> bool {
        http_healthy(g)
            || self
                .container(g)
                .is_ok_and(|c| c["State"]["Health"]["Status"] == "healthy")
    }
}

/// `node openclaw.mjs ARGS`: OpenClaw in its image.
fn node_cmd(args: &[&str]) -> Vec<String> {
    crate::plan::CONTAINER_GATEWAY_CMD[..2]
        .iter()
        .chain(args)
        .map(ToString::to_string)
        .collect()
}

/// An archive's directory and file name.
fn split(archive: &Path) -> Result<(String, String), String> {
    let dir = archive
        .parent()
        .map(|d| d.display().to_string())
        .ok_or_else(|| format!("{}: no directory", archive.display()))?;
    let file = archive
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{}: no file name", archive.display()))?;
    Ok((dir, file))
}

/// `rel` inside `dir` (as `Path::join` does: an absolute `rel` stays).
fn in_dir(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

/// Which restored asset replaces which live path: every asset whose
/// source lies in one of the gateway's volumes (the state, the workspace,
/// the credentials), outer trees first. The config ocgen generates is not
/// restored: `compose.yaml` holds it.
fn swaps_of(
    manifest: &serde_json::Value,
    extracted: &str,
    volumes: &[(String, String)],
) -> Vec<(String, String)> {
    let within = |p: &str| {
        volumes.iter().any(|(_, d)| {
            p == d
                || p.strip_prefix(d.as_str())
                    .is_some_and(|r| r.starts_with('/'))
        })
    };
    let mut out: Vec<(String, String)> = manifest["assets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["kind"] != "config")
        .filter_map(|a| {
            let source = a["sourcePath"].as_str()?;
            let rel = a["archivePath"].as_str()?;
            within(source).then(|| (source.to_string(), in_dir(extracted, rel)))
        })
        .collect();
    out.sort_by_key(|(l, _)| l.len());
    out
}

impl Site for ComposeSite {
    fn target(&self, g: &Gateway) -> String {
        g.image.clone()
    }
    fn current(&self, g: &Gateway) -> Option<String> {
        self.running_image(g)
    }
    fn record(&self, g: &Gateway, version: &str) -> Result<(), String> {
        // The pin file records an image other than the compose file's.
        self.compose(g, Some(version)).map(|_| ())
    }
    fn journal(&self, g: &Gateway) -> Result<PathBuf, String> {
        Ok(self.dir.join(format!(".ocgen-rollout-{}.json", g.name)))
    }
    fn backup(&self, g: &Gateway, version: &str) -> Result<String, String> {
        ComposeSite::backup(self, g, Some(version))
            .map(|m| m.archive.display().to_string())
            .map_err(|e| e.to_string())
    }
    fn stop(&self, g: &Gateway, version: &str) -> Result<(), String> {
        output(self.compose(g, Some(version))?.args(["stop", &g.name])).map(|_| ())
    }
    fn start(&self, g: &Gateway, version: &str) -> Result<(), String> {
        output(
            self.compose(g, Some(version))?
                .args(["up", "-d", "--no-deps", &g.name]),
        )
        .map(|_| ())
    }
    fn healthy(&self, g: &Gateway) -> bool {
        ComposeSite::healthy(self, g)
    }
    fn restore(
        &self,
        g: &Gateway,
        archive: &Path,
        version: &str,
        deadline: Duration,
    ) -> Result<Vec<String>, String> {
        ComposeSite::restore(self, g, archive, Some(version), deadline)
            .map(super::restore::Restored::set_aside_to)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_in_the_volumes_are_swapped_outer_trees_first() {
        let m = serde_json::json!({"assets": [
            {"kind": "state", "sourcePath": "/home/node/.openclaw", "archivePath": "r/payload/posix/home/node/.openclaw"},
            {"kind": "workspace", "sourcePath": "/home/node/.openclaw/workspace", "archivePath": "r/payload/posix/home/node/.openclaw/workspace"},
            {"kind": "config", "sourcePath": "/etc/openclaw/openclaw.json", "archivePath": "r/payload/posix/etc/openclaw/openclaw.json"},
            {"kind": "credentials", "sourcePath": "/home/node/.config/openclaw", "archivePath": "r/payload/posix/home/node/.config/openclaw"}
        ]});
        let vols = vec![
            ("p_a-state".to_string(), "/home/node/.openclaw".to_string()),
            (
                "p_a-workspace".into(),
                "/home/node/.openclaw/workspace".into(),
            ),
            ("p_a-oauth".into(), "/home/node/.config/openclaw".into()),
        ];
        assert_eq!(
            swaps_of(&m, "/ocgen-staging/restored", &vols),
            [
                (
                    "/home/node/.openclaw".to_string(),
                    "/ocgen-staging/restored/r/payload/posix/home/node/.openclaw".to_string()
                ),
                (
                    "/home/node/.config/openclaw".into(),
                    "/ocgen-staging/restored/r/payload/posix/home/node/.config/openclaw".into()
                ),
                (
                    "/home/node/.openclaw/workspace".into(),
                    "/ocgen-staging/restored/r/payload/posix/home/node/.openclaw/workspace".into()
                ),
            ]
        );
        assert!(safe("/home/node/x y").is_err() && safe("/a/b-c.d").is_ok());
    }
}
