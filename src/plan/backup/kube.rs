//! Day two on Kubernetes: a gateway's backup CronJob and its archive
//! claim (the rules; render/kubernetes.rs writes them).

use serde::Serialize;

use super::super::defaults::Resolved;
use super::super::gateway::{Draft, Gateway, Schedule};
use super::{CONTAINER_BACKUP_DIR, create_args, prune_command};
use crate::diag::{Kind, Problem};
use crate::target::{Target, Targets};

/// Size of a gateway's archive claim on Kubernetes (`<object>-backups`).
pub const KUBE_BACKUP_SIZE: &str = "5Gi";
/// What the backup CronJob's name adds to the gateway's object name.
pub const KUBE_BACKUP_SUFFIX: &str = "-backup";
/// A CronJob's name is at most 52 characters: its Jobs add 11, and a Job's
/// name is a label value of its pods (at most 63).
pub const KUBE_MAX_CRONJOB_NAME: usize = 52;
/// When a Kubernetes backup without `schedule` would run if resumed: it is
/// written suspended (`suspend: true`), for `kubectl create job --from`.
pub const KUBE_BACKUP_ON_DEMAND: Schedule = Schedule::Daily;

/// A gateway's backup on Kubernetes: a CronJob whose Job runs OpenClaw's
/// `backup create --verify` in a pod of the gateway's image, with the
/// gateway's environment and its claims (state and workspace, which are
/// `ReadWriteOnce`: the pod is scheduled on the gateway pod's node), and
/// writes into a claim of its own, then applies retention.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KubeBackup {
    /// The CronJob's name: `<object>-backup`.
    pub cron_job: String,
    /// The archive claim's name: `<object>-backups`.
    pub claim: String,
    /// The archive claim's size.
    pub size: &'static str,
    /// The cron schedule.
    pub schedule: String,
    /// No `schedule`: the CronJob is suspended and runs on demand only.
    pub suspend: bool,
    /// Where the archives go in the pod: `/backups/<gateway>`.
    pub dir: String,
    /// The container's command: `/bin/sh -c 'mkdir ... && node openclaw.mjs
    /// backup create ... && <retention>'`.
    pub command: Vec<String>,
}

impl Gateway {
    /// The gateway's Kubernetes backup, when it has `backup:`.
    pub fn kube_backup(&self) -> Option<KubeBackup> {
        if !self.backup.configured {
            return None;
        }
        let dir = format!("{CONTAINER_BACKUP_DIR}/{}", self.name);
        let create = crate::openclaw::CONTAINER_GATEWAY_CMD[..2]
            .iter()
            .map(ToString::to_string)
            .chain(create_args(&dir))
            .collect::<Vec<_>>()
            .join(" ");
        let (schedule, suspend) = match self.backup.schedule {
            Some(s) => (s.cron(), false),
            None => (KUBE_BACKUP_ON_DEMAND.cron(), true),
        };
        Some(KubeBackup {
            cron_job: format!("{}{KUBE_BACKUP_SUFFIX}", self.kube.object),
            claim: format!("{}-backups", self.kube.object),
            size: KUBE_BACKUP_SIZE,
            schedule,
            suspend,
            command: vec![
                "/bin/sh".into(),
                "-c".into(),
                format!(
                    "mkdir -p -m 0700 {dir} && {create} && {}",
                    prune_command(&dir, self.backup.keep)
                ),
            ],
            dir,
        })
    }
}

/// A gateway with `backup:` on Kubernetes needs a CronJob name of at most
/// [`KUBE_MAX_CRONJOB_NAME`] characters.
pub(in crate::plan) fn check_kube_backup_names(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    for (r, g) in resolved.iter().zip(gateways) {
        let name = format!("{}{KUBE_BACKUP_SUFFIX}", g.kube.object);
        if g.backup.configured && name.len() > KUBE_MAX_CRONJOB_NAME {
            let span = r.s.backup.as_ref().map_or(r.body, |b| b.span);
            problems.push(
                Problem::new(
                    Kind::Kubernetes,
                    format!(
                        "gateway `{}`: its backup CronJob would be named `{name}`, {} characters; Kubernetes allows {KUBE_MAX_CRONJOB_NAME}",
                        g.name,
                        name.len()
                    ),
                )
                .only(Targets::one(Target::Kubernetes))
                .label(span, "asks for backups")
                .help("shorten the gateway's name or the deployment's `name:`"),
            );
        }
    }
}
