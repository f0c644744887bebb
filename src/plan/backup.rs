//! Day two: backups, restores and rollouts of a gateway's state. Every
//! rule lives here; the renderers (the backup unit and timer, ...) and the
//! live operations of `src/host/` only read it.
//!
//! * An archive is made by OpenClaw itself, `openclaw backup create
//!   --verify --output <dir>/` (consistent SQLite snapshots while the
//!   gateway runs), with `TZ=UTC` so that its name
//!   `<UTC time>-openclaw-backup.tar.gz` sorts by time. OpenClaw writes it
//!   0600; ocgen makes the directories 0700.
//! * Each gateway writes into a directory of its own, `<dir>/<gateway>/`,
//!   so a listing shows gateway and time; `<dir>` defaults to
//!   `openclaw-backups` beside the gateway's state dir (compose:
//!   `./backups` beside the compose file). It may not lie inside any
//!   gateway's state (OpenClaw refuses an archive inside its own sources).
//! * Retention keeps the newest `keep` archives of a gateway: only files
//!   named as OpenClaw names archives are ever removed.
//! * A restore never deletes state: what it replaces is renamed aside
//!   ([`set_aside_path`]) and the archive is extracted beside it
//!   ([`restore_staging`]) by `openclaw backup restore --target`.

use serde::Serialize;

use super::defaults::Resolved;
use super::gateway::{Backup, Draft, Gateway, HostPaths, Schedule};
use super::launchd::LaunchdPlan;
use super::paths::{NoHostPaths, normalize_path};
use super::services::{CREDENTIALS_ROOT, Directive, Scope, Service, Value, is_under};
use crate::diag::{Kind, Problem};
use crate::model::NixosBackend;
use crate::openclaw::SYSTEMD_UNIT_PREFIX;
use crate::target::{Target, Targets};

mod kube;
pub(super) use kube::check_kube_backup_names;
pub use kube::{
    KUBE_BACKUP_ON_DEMAND, KUBE_BACKUP_SIZE, KUBE_BACKUP_SUFFIX, KUBE_MAX_CRONJOB_NAME, KubeBackup,
};

/// How OpenClaw's archive names end.
pub const ARCHIVE_SUFFIX: &str = "-openclaw-backup.tar.gz";
/// Archives kept per gateway unless `keep` says otherwise.
pub const DEFAULT_KEEP: u32 = 7;
/// Default archive directory: this name beside the gateway's state dir.
pub const HOST_BACKUP_DIR: &str = "openclaw-backups";
/// Default archive directory of compose deployments, beside the compose file.
pub const COMPOSE_BACKUP_DIR: &str = "./backups";
/// Where the compose backup service sees the gateway's archive directory.
pub const CONTAINER_BACKUP_DIR: &str = "/backups";
/// The time zone of backup runs: archive names then sort by time.
pub const BACKUP_TZ: &str = "UTC";
/// A replaced state dir is renamed to `<state_dir>` + this + a UTC time.
pub const SET_ASIDE_TAG: &str = ".ocgen-replaced-";
/// The fresh directory an archive is restored into, beside the state dir.
pub const RESTORE_STAGING_TAG: &str = ".ocgen-restore";
/// Compose profile of the on-demand backup services.
pub const COMPOSE_BACKUP_PROFILE: &str = "backup";

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

impl Schedule {
    /// Parses `hourly`, `daily`, `weekly`, `monthly`, `HH:MM` or `DAY HH:MM`.
    pub fn parse(s: &str) -> Option<Schedule> {
        match s.trim() {
            "hourly" => return Some(Schedule::Hourly),
            "daily" => return Some(Schedule::Daily),
            "weekly" => return Some(Schedule::Weekly),
            "monthly" => return Some(Schedule::Monthly),
            _ => {}
        }
        let mut words = s.split_whitespace();
        let (day, time) = match (words.next(), words.next(), words.next()) {
            (Some(t), None, None) => (None, t),
            (Some(d), Some(t), None) => (Some(d), t),
            _ => return None,
        };
        let weekday = match day {
            None => None,
            Some(d) => {
                Some(u8::try_from(DAYS.iter().position(|x| x.eq_ignore_ascii_case(d))?).ok()?)
            }
        };
        let (h, m) = time.split_once(':')?;
        let num = |v: &str, max: u8| {
            (v.len() == 2 && v.bytes().all(|b| b.is_ascii_digit()))
                .then(|| v.parse::<u8>().ok())
                .flatten()
                .filter(|n| *n <= max)
        };
        Some(Schedule::At {
            hour: num(h, 23)?,
            minute: num(m, 59)?,
            weekday,
        })
    }

    /// The schedule as `ocgen.yaml` writes it, in the one form that
    /// [`Schedule::parse`] reads back (`ocgen nix` writes this; the NixOS
    /// module reads the same grammar).
    pub fn text(self) -> String {
        match self {
            Schedule::Hourly => "hourly".into(),
            Schedule::Daily => "daily".into(),
            Schedule::Weekly => "weekly".into(),
            Schedule::Monthly => "monthly".into(),
            Schedule::At {
                hour,
                minute,
                weekday,
            } => match weekday {
                Some(d) => format!("{} {hour:02}:{minute:02}", DAYS[d as usize]),
                None => format!("{hour:02}:{minute:02}"),
            },
        }
    }

    /// systemd's `OnCalendar=`.
    pub fn on_calendar(self) -> String {
        match self {
            Schedule::Hourly => "hourly".into(),
            Schedule::Daily => "daily".into(),
            Schedule::Weekly => "weekly".into(),
            Schedule::Monthly => "monthly".into(),
            Schedule::At {
                hour,
                minute,
                weekday,
            } => match weekday {
                Some(d) => format!("{} *-*-* {hour:02}:{minute:02}:00", DAYS[d as usize]),
                None => format!("*-*-* {hour:02}:{minute:02}:00"),
            },
        }
    }

    /// A cron schedule (Kubernetes CronJob): minute hour day month weekday.
    pub fn cron(self) -> String {
        match self {
            Schedule::Hourly => "0 * * * *".into(),
            Schedule::Daily => "0 0 * * *".into(),
            Schedule::Weekly => "0 0 * * 1".into(),
            Schedule::Monthly => "0 0 1 * *".into(),
            Schedule::At {
                hour,
                minute,
                weekday,
            } => match weekday {
                Some(d) => format!("{minute} {hour} * * {d}"),
                None => format!("{minute} {hour} * * *"),
            },
        }
    }

    /// launchd's `StartCalendarInterval` keys (`Minute`, `Hour`, `Day`, `Weekday`).
    pub fn launchd(self) -> Vec<(&'static str, u32)> {
        match self {
            Schedule::Hourly => vec![("Minute", 0)],
            Schedule::Daily => vec![("Hour", 0), ("Minute", 0)],
            Schedule::Weekly => vec![("Weekday", 1), ("Hour", 0), ("Minute", 0)],
            Schedule::Monthly => vec![("Day", 1), ("Hour", 0), ("Minute", 0)],
            Schedule::At {
                hour,
                minute,
                weekday,
            } => {
                let mut v = Vec::new();
                if let Some(d) = weekday {
                    v.push(("Weekday", u32::from(d)));
                }
                v.push(("Hour", u32::from(hour)));
                v.push(("Minute", u32::from(minute)));
                v
            }
        }
    }
}

/// `backup:` of one gateway, resolved; its problems reported.
pub(super) fn resolve_backup(
    r: &Resolved,
    paths: Option<&HostPaths>,
    problems: &mut Vec<Problem>,
) -> Backup {
    let name = r.name.value.as_str();
    let b = r.s.backup.as_ref().map(|b| &b.value);
    let keep = match b.and_then(|b| b.keep.as_ref()) {
        None => DEFAULT_KEEP,
        Some(k) => match u32::try_from(k.value.0) {
            Ok(n) if n >= 1 => n,
            _ => {
                problems.push(
                    Problem::new(
                        Kind::Backup,
                        format!(
                            "gateway `{name}`: `backup.keep` is {}, which would keep no archive",
                            k.value.0
                        ),
                    )
                    .label(k.span, "at least 1")
                    .help(format!(
                        "keep at least one archive (default {DEFAULT_KEEP}), or remove `backup` to make none on schedule"
                    )),
                );
                DEFAULT_KEEP
            }
        },
    };
    let schedule = b.and_then(|b| b.schedule.as_ref()).and_then(|s| {
        let parsed = Schedule::parse(&s.value);
        if parsed.is_none() {
            problems.push(
                Problem::new(
                    Kind::Backup,
                    format!(
                        "gateway `{name}`: `backup.schedule` `{}` is not a schedule ocgen can give every target",
                        s.value.escape_debug()
                    ),
                )
                .label(s.span, "not understood")
                .help("write `hourly`, `daily`, `weekly`, `monthly`, a time `03:30` (every day) or a day and a time `Sun 03:30`"),
            );
        }
        parsed
    });
    let dir = b
        .and_then(|b| b.dir.as_ref())
        .and_then(|d| normalize_path(name, "backup.dir", d, problems));
    let host_dir = match (&dir, paths) {
        (Some(d), _) => Some(format!("{d}/{name}")),
        (None, Some(p)) => Some(format!(
            "{}/{HOST_BACKUP_DIR}/{name}",
            p.state_dir
                .rsplit_once('/')
                .map_or("", |(parent, _)| parent)
        )),
        (None, None) => None,
    };
    let compose_dir = match &dir {
        Some(d) => format!("{d}/{name}"),
        None => format!("{COMPOSE_BACKUP_DIR}/{name}"),
    };
    Backup {
        configured: b.is_some(),
        keep,
        schedule,
        host_dir,
        compose_dir,
    }
}

/// The archive directories of the gateways that ask for backups: never
/// inside any gateway's state, config or workspace (OpenClaw refuses an
/// archive inside its own sources, and another gateway's archives would
/// land in this one's), never the same as or nested in another gateway's.
pub(super) fn check_backup_dirs(
    resolved: &[Resolved],
    gateways: &[Draft],
    problems: &mut Vec<Problem>,
) {
    let span_of = |i: usize| {
        resolved[i].s.backup.as_ref().map_or(resolved[i].body, |b| {
            b.value.dir.as_ref().map_or(b.span, |d| d.span)
        })
    };
    let dirs: Vec<(usize, &str)> = gateways
        .iter()
        .enumerate()
        .filter(|(_, g)| g.backup.configured)
        .filter_map(|(i, g)| g.backup.host_dir.as_deref().map(|d| (i, d)))
        .collect();
    for &(i, dir) in &dirs {
        let name = &gateways[i].name;
        for other in gateways {
            let Some(p) = &other.paths else { continue };
            let config_dir = p.config_path.rsplit_once('/').map_or("", |(d, _)| d);
            let inside = [
                ("state dir", p.state_dir.as_str()),
                ("workspace", p.workspace.as_str()),
                ("config directory", config_dir),
            ]
            .into_iter()
            .find(|(_, root)| !root.is_empty() && (dir == *root || is_under(dir, root)));
            if let Some((what, root)) = inside {
                problems.push(
                    Problem::new(
                        Kind::Backup,
                        format!(
                            "gateway `{name}`: its archives would go to `{dir}`, inside the {what} `{root}` of gateway `{}`",
                            other.name
                        ),
                    )
                    .only(Targets::of(Target::HOST_PATHS))
                    .label(span_of(i), "archive directory")
                    .help("set `backup.dir` outside every gateway's state, e.g. `/var/backups/openclaw` (OpenClaw refuses to write an archive inside the state it archives, and each backup would carry the others)"),
                );
                break;
            }
        }
    }
    for (a, &(i, da)) in dirs.iter().enumerate() {
        for &(j, db) in &dirs[a + 1..] {
            if da == db || is_under(da, db) || is_under(db, da) {
                problems.push(
                    Problem::new(
                        Kind::PathOverlap,
                        format!(
                            "gateways `{}` and `{}` would write archives to `{da}` and `{db}`: one listing would mix them and retention of one would count the other's",
                            gateways[i].name, gateways[j].name
                        ),
                    )
                    .only(Targets::of(Target::HOST_PATHS))
                    .label(span_of(i), "here")
                    .label(span_of(j), "and here")
                    .help("give the gateways one `backup.dir` (each writes into `<dir>/<gateway>/`) or directories that do not nest"),
                );
            }
        }
    }
}

/// The NixOS module makes archives with the systemd backend only: its
/// backup unit runs the host's `openclaw` on the state, which the
/// oci-containers backend does not install.
pub(super) fn check_nixos_backups(
    resolved: &[Resolved],
    gateways: &[Draft],
    backend: NixosBackend,
    problems: &mut Vec<Problem>,
) {
    if backend != NixosBackend::OciContainers {
        return;
    }
    for (r, g) in resolved.iter().zip(gateways) {
        if !g.backup.configured {
            continue;
        }
        problems.push(
            Problem::new(
                Kind::Backup,
                format!(
                    "gateway `{}`: `backup` needs the NixOS module's systemd backend, and `nixos.backend` is oci-containers",
                    g.name
                ),
            )
            .only(Targets::one(Target::Nixos))
            .label(r.s.backup.as_ref().map_or(r.body, |b| b.span), "backup asked for here")
            .help("set `nixos.backend: systemd` (the backup unit runs the OpenClaw package on the gateway's state), or leave `backup` out of the NixOS target"),
        );
    }
}

/// The newest `keep` archives stay; returns the others (names ending in
/// [`ARCHIVE_SUFFIX`] only, oldest first). Names are UTC times: they sort
/// by time.
pub fn archives_to_prune(names: &[String], keep: u32) -> Vec<String> {
    let mut archives: Vec<&String> = names
        .iter()
        .filter(|n| n.ends_with(ARCHIVE_SUFFIX) && !n.starts_with('.'))
        .collect();
    archives.sort();
    let drop = archives.len().saturating_sub(keep as usize);
    archives[..drop].iter().map(|s| (*s).clone()).collect()
}

/// `openclaw backup create` arguments writing into `dir`.
pub fn create_args(dir: &str) -> Vec<String> {
    vec![
        "backup".into(),
        "create".into(),
        "--verify".into(),
        "--json".into(),
        "--output".into(),
        format!("{dir}/"),
    ]
}

/// The shell command of the backup unit that applies retention after a
/// backup: the same rule as [`archives_to_prune`] (names sort by time).
pub fn prune_command(dir: &str, keep: u32) -> String {
    format!(
        "ls -1 -r {dir}/*{ARCHIVE_SUFFIX} | tail -n +{} | xargs -r rm -f --",
        keep + 1
    )
}

/// `<state_dir>.ocgen-replaced-<stamp>`: where a restore or a rollback
/// moves the state it replaces (never deleted).
pub fn set_aside_path(path: &str, stamp: &str) -> String {
    format!("{path}{SET_ASIDE_TAG}{stamp}")
}

/// The fresh directory beside the state dir that `openclaw backup restore
/// --target` extracts into (same file system, so the swap is a rename).
pub fn restore_staging(state_dir: &str) -> String {
    format!("{state_dir}{RESTORE_STAGING_TAG}")
}

/// The backup units' name without its profile: `openclaw-backup`.
pub const BACKUP_UNIT_PREFIX: &str = "openclaw-backup";

/// The backup unit's name (without `.service` / `.timer`): the gateway
/// unit's ([`Gateway::unit_name`]) with `openclaw-backup` for
/// `openclaw-gateway`, so that both follow the profile.
pub fn backup_unit_name<P>(g: &Gateway<P>) -> String {
    let unit = g.unit_name();
    let suffix = unit.strip_prefix(SYSTEMD_UNIT_PREFIX).unwrap_or(&unit);
    format!("{BACKUP_UNIT_PREFIX}{suffix}")
}

/// The backup unit's name before units were named by profile
/// (`openclaw-backup-<name>`), when it differs from [`backup_unit_name`].
pub fn former_backup_unit_name<P>(g: &Gateway<P>) -> Option<String> {
    let former = format!("{BACKUP_UNIT_PREFIX}-{}", g.name);
    (former != backup_unit_name(g)).then_some(former)
}

/// A scheduled backup's timer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Timer {
    /// Unit name without `.timer` (the service it starts has the same name).
    pub unit: String,
    /// `Description=`.
    pub description: String,
    /// `OnCalendar=`.
    pub on_calendar: String,
}

impl Gateway {
    /// The oneshot service that makes one archive of the gateway, hardened
    /// like the gateway's own unit (its user, environment, sandbox and
    /// writable paths, plus the archive directory), then applies retention.
    pub fn backup_service(&self, scope: Scope) -> Result<Service<'_>, NoHostPaths> {
        // The gateway's lifecycle, which a oneshot does not have (a
        // oneshot has no start deadline unless it sets one: an archive of
        // a large state may take longer than the gateway's start), and the
        // gateway's compile cache, which `openclaw backup` does not use.
        const GATEWAY_ONLY: &[&str] = &[
            "Type",
            "Restart",
            "RestartSec",
            "RestartPreventExitStatus",
            "TimeoutStartSec",
            "TimeoutStopSec",
            "KillMode",
            "SuccessExitStatus",
            "CacheDirectory",
            "CacheDirectoryMode",
        ];

        let mut s = self.service(scope)?;
        let dir = self
            .backup
            .host_dir
            .clone()
            .ok_or_else(|| NoHostPaths::State(self.name.clone()))?;
        s.unit = backup_unit_name(self);
        s.description = format!("Backup of OpenClaw gateway {}", self.name);
        s.args = create_args(&dir);
        // Not the gateway: without the markers by which OpenClaw knows its service.
        s.environment = s.runtime.environment();
        s.environment.push(("TZ".into(), BACKUP_TZ.into()));
        s.after = Vec::new();
        s.directories.push(dir.clone());
        s.wanted_by = "";
        s.directives.retain(|d| !GATEWAY_ONLY.contains(&d.key));
        s.directives.insert(
            0,
            Directive {
                key: "Type",
                value: Value::Str("oneshot".into()),
            },
        );
        // The unit's own copy of the auth credential, bound where the
        // config names it (the gateway's unit binds its own).
        let gateway_creds = format!("{CREDENTIALS_ROOT}/{}.service/", self.unit_name());
        let own_creds = format!("{CREDENTIALS_ROOT}/{}.service/", s.unit);
        let mut rw_added = false;
        for d in &mut s.directives {
            if d.key == "BindReadOnlyPaths"
                && let Value::List(l) = &mut d.value
            {
                for b in l.iter_mut() {
                    *b = b.replacen(&gateway_creds, &own_creds, 1);
                }
            }
            if d.key == "ReadWritePaths"
                && let Value::List(l) = &mut d.value
            {
                l.push(dir.clone());
                rw_added = true;
            }
        }
        if !rw_added && scope == Scope::System {
            s.directives.push(Directive {
                key: "ReadWritePaths",
                value: Value::List(vec![dir.clone()]),
            });
        }
        s.directives.push(Directive {
            key: "ExecStartPost",
            value: Value::Str(format!(
                "/bin/sh -c '{}'",
                prune_command(&dir, self.backup.keep)
            )),
        });
        Ok(s)
    }

    /// The timer of a scheduled backup, if the gateway has one.
    pub fn backup_timer(&self) -> Option<Timer> {
        let schedule = self.backup.schedule.filter(|_| self.backup.configured)?;
        Some(Timer {
            unit: backup_unit_name(self),
            description: format!("Scheduled backup of OpenClaw gateway {}", self.name),
            on_calendar: schedule.on_calendar(),
        })
    }
}

/// The on-demand backup service of a gateway in `compose.yaml`, under the
/// Compose profile [`COMPOSE_BACKUP_PROFILE`] (so `docker compose up` never
/// starts it; `docker compose --profile backup run --rm <gateway>-backup`
/// does): the gateway's image, environment and hardening, its volumes
/// read-only but the state ([`ComposeBackup::writable`]), and its own
/// archive directory at [`CONTAINER_BACKUP_DIR`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComposeBackup {
    /// Service name: `<gateway>-backup`.
    pub service: String,
    /// The archive directory on the host, relative to the compose file
    /// unless `backup.dir` is absolute ([`Backup::compose_dir`]).
    pub host_dir: String,
    /// The command: `openclaw backup create --verify` into
    /// [`CONTAINER_BACKUP_DIR`], then retention (the same rule as
    /// [`archives_to_prune`]).
    pub command: Vec<String>,
    /// The gateway's environment, plus `TZ=UTC` (names sort by time).
    pub environment: Vec<(String, String)>,
    /// The mounts it must be able to write: the state. OpenClaw snapshots
    /// SQLite with the online backup API (which needs the databases'
    /// `-shm`) and records the outcome in the state database; on a
    /// read-only state it fails ("SQLite database cannot be snapshotted
    /// safely ... unable to open database file", 2026.9.6). Every other
    /// mount (workspace, credentials) is read-only.
    pub writable: &'static [&'static str],
}

/// The compose backup service's name for a gateway.
pub fn compose_backup_service<P>(g: &Gateway<P>) -> String {
    format!("{}-backup", g.name)
}

impl Gateway {
    /// The gateway's backup service for Compose.
    pub fn compose_backup(&self) -> ComposeBackup {
        let node = crate::openclaw::CONTAINER_GATEWAY_CMD[..2].join(" ");
        let create = create_args(CONTAINER_BACKUP_DIR).join(" ");
        let mut environment = self.compose_runtime().environment();
        // Compose refuses a key twice: the gateway's own `TZ` gives way.
        environment.retain(|(k, _)| k != "TZ");
        environment.push(("TZ".into(), BACKUP_TZ.into()));
        ComposeBackup {
            service: compose_backup_service(self),
            host_dir: self.backup.compose_dir.clone(),
            command: vec![
                "sh".into(),
                "-c".into(),
                format!(
                    "{node} {create} && {}",
                    prune_command(CONTAINER_BACKUP_DIR, self.backup.keep)
                ),
            ],
            environment,
            writable: &[crate::openclaw::CONTAINER_STATE_DIR],
        }
    }
}

/// A scheduled backup as a LaunchAgent (macOS): the gateway's agent's
/// environment without the markers of its service, run at the schedule's
/// `StartCalendarInterval`, never at load, never kept alive.
#[derive(Clone, Debug, Serialize)]
pub struct BackupAgent {
    /// `Label`: the gateway's label + `.backup`.
    pub label: String,
    /// `ProgramArguments`: `/bin/sh -c '<node> <entry> backup create ... && <retention>'`.
    pub program_arguments: Vec<String>,
    /// `EnvironmentVariables`.
    pub environment: Vec<(String, String)>,
    /// `StartCalendarInterval`.
    pub calendar: Vec<(&'static str, u32)>,
    /// `StandardOutPath` and `StandardErrorPath`.
    pub log: String,
}

impl Gateway {
    /// The LaunchAgent of a scheduled backup, if the gateway has one.
    pub fn backup_agent(&self, l: &LaunchdPlan) -> Result<Option<BackupAgent>, NoHostPaths> {
        // What tells OpenClaw this process is the gateway's service.
        const SERVICE_ONLY: &[&str] = &[
            "OPENCLAW_SERVICE_MARKER",
            "OPENCLAW_SERVICE_KIND",
            crate::openclaw::LAUNCHD_LABEL_ENV,
            "OPENCLAW_SYSTEMD_UNIT",
            "OPENCLAW_WINDOWS_TASK_NAME",
            "OPENCLAW_WINDOWS_TASK_HIDDEN_LAUNCHER",
        ];

        let Some(schedule) = self.backup.schedule.filter(|_| self.backup.configured) else {
            return Ok(None);
        };
        let a = self.launch_agent(l)?;
        let dir = self
            .backup
            .host_dir
            .clone()
            .ok_or_else(|| NoHostPaths::State(self.name.clone()))?;
        let mut environment: Vec<(String, String)> = a
            .environment
            .into_iter()
            .filter(|(k, _)| !SERVICE_ONLY.contains(&k.as_str()))
            .collect();
        environment.push(("TZ".into(), BACKUP_TZ.into()));
        let create = std::iter::once(l.node.clone())
            .chain(std::iter::once(l.entry.clone()))
            .chain(create_args(&dir))
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Some(BackupAgent {
            label: format!("{}.backup", a.label),
            program_arguments: vec![
                "/bin/sh".into(),
                "-c".into(),
                format!(
                    "mkdir -p -m 0700 {dir} && {create} && {}",
                    prune_command(&dir, self.backup.keep)
                ),
            ],
            environment,
            calendar: schedule.launchd(),
            log: a.stdout_path.replace(".log", ".backup.log"),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::testing::{HEAD, kinds, plan_of};

    #[test]
    fn schedules_parse_into_every_targets_form() {
        let s = Schedule::parse("Sun 03:30").unwrap();
        assert_eq!(s.on_calendar(), "Sun *-*-* 03:30:00");
        assert_eq!(s.cron(), "30 3 * * 0");
        assert_eq!(s.launchd(), [("Weekday", 0), ("Hour", 3), ("Minute", 30)]);
        assert_eq!(Schedule::parse("04:05").unwrap().cron(), "5 4 * * *");
        assert_eq!(Schedule::parse("daily"), Some(Schedule::Daily));
        for bad in [
            "",
            "every day",
            "25:00",
            "3:30",
            "Funday 03:30",
            "*-*-* 03:00",
            "03:60",
        ] {
            assert_eq!(Schedule::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn archive_dirs_default_beside_the_state_and_are_per_gateway() {
        let p = plan_of(&format!(
            "{HEAD}  a: {{backup: {{keep: 3}}}}\n  b: {{backup: {{dir: /var/backups/oc, schedule: daily}}}}\n  c: {{}}\n"
        ))
        .unwrap();
        let b = |i: usize| p.gateways[i].backup.clone();
        assert_eq!(b(0).host_dir.as_deref(), Some("/srv/oc/openclaw-backups/a"));
        assert_eq!(b(0).keep, 3);
        assert_eq!(b(0).compose_dir, "./backups/a");
        assert_eq!(b(1).host_dir.as_deref(), Some("/var/backups/oc/b"));
        assert_eq!(b(1).schedule, Some(Schedule::Daily));
        assert!(!b(2).configured && b(2).keep == DEFAULT_KEEP);
        assert!(p.gateways[1].backup_timer().is_some() && p.gateways[0].backup_timer().is_none());
    }

    #[test]
    fn bad_backup_settings_are_located_errors() {
        for (y, k) in [
            ("  a: {backup: {keep: 0}}\n", vec![Kind::Backup]),
            (
                "  a: {backup: {schedule: 'every night'}}\n",
                vec![Kind::Backup],
            ),
            (
                "  a: {backup: {dir: /srv/oc/.openclaw-a/bk}}\n",
                vec![Kind::Backup],
            ),
            (
                "  a: {backup: {dir: /srv/oc/.openclaw-b}}\n  b: {}\n",
                vec![Kind::Backup],
            ),
            ("  a: {backup: {dir: relative}}\n", vec![Kind::Path]),
            (
                "  a: {backup: {dir: /b}}\n  b: {backup: {dir: /b/a}}\n",
                vec![Kind::PathOverlap],
            ),
        ] {
            assert_eq!(kinds(plan_of(&format!("{HEAD}{y}"))), k, "{y}");
        }
        // One shared `dir` is fine: each gateway has its own directory in it.
        assert!(plan_of("version: 1\ndefaults: {home: /srv/oc, backup: {dir: /b}}\ngateways:\n  a: {}\n  b: {}\n").is_ok());
    }

    #[test]
    fn retention_keeps_the_newest_and_touches_nothing_else() {
        let names: Vec<String> = [
            "2026-01-02T00-00-00.000+00-00-openclaw-backup.tar.gz",
            "notes.txt",
            "2026-01-01T00-00-00.000+00-00-openclaw-backup.tar.gz",
            "2026-01-03T00-00-00.000+00-00-openclaw-backup.tar.gz",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            archives_to_prune(&names, 2),
            ["2026-01-01T00-00-00.000+00-00-openclaw-backup.tar.gz"]
        );
        assert!(archives_to_prune(&names, 7).is_empty());
    }

    #[test]
    fn a_kubernetes_backup_is_a_cron_job_per_gateway_with_backup() {
        let p = plan_of(&format!(
            "{HEAD}  a: {{backup: {{schedule: 'Sun 03:30', keep: 2}}}}\n  b: {{backup: {{}}}}\n  c: {{}}\n"
        ))
        .unwrap();
        let a = p.gateways[0].kube_backup().unwrap();
        assert_eq!(a.cron_job, format!("{}-backup", p.gateways[0].kube.object));
        assert_eq!(a.claim, format!("{}-backups", p.gateways[0].kube.object));
        assert_eq!((a.schedule.as_str(), a.suspend), ("30 3 * * 0", false));
        assert!(
            a.command[2].contains("backup create --verify --json --output /backups/a/")
                && a.command[2].contains("tail -n +3"),
            "{}",
            a.command[2]
        );
        // On demand only: suspended, for `kubectl create job --from`.
        assert!(p.gateways[1].kube_backup().unwrap().suspend);
        assert!(p.gateways[2].kube_backup().is_none());
    }

    #[test]
    fn the_backup_unit_is_the_gateway_unit_made_oneshot() {
        let p = plan_of(&format!("{HEAD}  a: {{backup: {{schedule: daily}}}}\n")).unwrap();
        let g = &p.gateways[0];
        let s = g.backup_service(Scope::System).unwrap();
        let gw = g.service(Scope::System).unwrap();
        assert_eq!(s.account, gw.account);
        // The gateway's environment without the markers of its service.
        let rt = gw.runtime.environment();
        assert!(s.environment.starts_with(&rt) && s.environment.len() == rt.len() + 1);
        let key = |k: &str| s.directives.iter().filter(|d| d.key == k).count();
        assert_eq!(key("Restart"), 0);
        assert_eq!(key("Type"), 1);
        assert_eq!(key("ProtectSystem"), 1);
        assert!(s.args.contains(&"/srv/oc/openclaw-backups/a/".to_string()));
    }

    #[test]
    fn the_compose_backup_service_writes_into_its_own_dir_then_prunes() {
        let p = plan_of(&format!("{HEAD}  a: {{backup: {{keep: 2}}}}\n  b: {{}}\n")).unwrap();
        let a = p.gateways[0].compose_backup();
        assert_eq!(a.service, "a-backup");
        assert_eq!(a.host_dir, "./backups/a");
        assert_eq!(
            a.command[2],
            "node openclaw.mjs backup create --verify --json --output /backups/ && ls -1 -r /backups/*-openclaw-backup.tar.gz | tail -n +3 | xargs -r rm -f --"
        );
        assert_eq!(
            a.environment.last().unwrap(),
            &("TZ".to_string(), "UTC".to_string())
        );
        assert_eq!(p.gateways[1].compose_backup().host_dir, "./backups/b");
    }
}
