//! This machine: `ocgen install`, `ocgen status` and `ocgen check --host`.
//!
//! * **install** writes what a bare-host gateway needs where the plan says
//!   (its `openclaw.json` and env file, 0600) and creates its state dir and
//!   workspace (0700). It reuses [`crate::write`]: every file is compared
//!   with what ocgen would write, a differing one is refused without
//!   `--force`, and all files are staged before any is renamed into place.
//! * **probes** are one HTTP/1.1 `GET` over a plain [`TcpStream`] to
//!   [`PROBE_ADDR`], with connect, read and overall time limits, so a hung
//!   gateway costs at most about a second.
//! * **ports in use** come from `/proc/net/tcp` and `/proc/net/tcp6`
//!   (sockets in LISTEN state) and `/proc/<pid>/fd` (which process owns
//!   them). That is Linux only: elsewhere [`listening_sockets`] returns
//!   `None` and callers say the check was skipped.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::plan::{
    ConfigMode, Gateway, HEALTH_PATH, HostPaths, PINNED_KEYS, PROBE_ADDR, Plan, PortRange,
    READY_PATH, SecretSource, is_healthy, is_ready,
};
use crate::render::{self, OutFile, TemplateError, Templates};
use crate::write::{self, Action, Change, IoError};

// ---------------------------------------------------------------------------
// install

/// Turns `--root DIR` into the prefix put before every absolute path: an
/// absolute, normalised path without a trailing `/` (empty for `/`).
pub fn root_prefix(dir: &Path) -> Result<String, String> {
    let abs = std::path::absolute(dir).map_err(|e| format!("--root {}: {e}", dir.display()))?;
    let Some(s) = abs.to_str() else {
        return Err(format!(
            "--root {}: the path must be valid UTF-8 (it is written into configs and env files)",
            dir.display()
        ));
    };
    if s.chars().any(char::is_control) {
        return Err(format!(
            "--root {}: the path contains a control character",
            s.escape_debug()
        ));
    }
    let mut parts = Vec::new();
    for part in s.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "--root {s}: write the path without `..` (it is written into configs and env files)"
                ));
            }
            p => parts.push(p),
        }
    }
    Ok(parts.iter().fold(String::new(), |mut acc, p| {
        acc.push('/');
        acc.push_str(p);
        acc
    }))
}

/// The files `ocgen install` writes for a plan (already rooted): each
/// gateway's config at its config path and its env file beside it. A
/// seeded config is written only where none exists: after that it is
/// OpenClaw's (`status` reports where it strays from what ocgen pins).
pub fn install_files(plan: &Plan, t: &Templates) -> Result<Vec<OutFile>, TemplateError> {
    let mut files = Vec::with_capacity(plan.gateways.len() * 2);
    for g in &plan.gateways {
        let rt = g.host_runtime()?;
        let seeded_and_there =
            g.config_mode == ConfigMode::Seeded && Path::new(&rt.config_path).exists();
        if !seeded_and_there {
            files.push(OutFile {
                path: rt.config_path.clone(),
                contents: render::openclaw::render(&rt),
                private: true,
            });
        }
        files.push(OutFile {
            path: g.host_paths()?.env_file(&g.name),
            contents: render::env::render_by(g, t, "ocgen install")?,
            private: true,
        });
    }
    Ok(files)
}

/// What `ocgen install` did.
#[derive(Debug)]
pub struct Installed {
    /// Every file, with what happened to it.
    pub changes: Vec<Change>,
    /// Directories it created, parents first.
    pub dirs_created: Vec<PathBuf>,
    /// Secrets files it created empty (mode 0600) for the operator to fill.
    pub secrets_files_created: Vec<String>,
}

/// Why `ocgen install` wrote nothing.
#[derive(Debug)]
pub enum InstallError {
    /// A template failed to render.
    Template(TemplateError),
    /// Reading, creating or writing failed (nothing was replaced).
    Io(IoError),
    /// Files exist with contents ocgen would not write, and `--force` was not given.
    Foreign(Vec<Change>),
}

/// Creates the directories and writes the files of `plan` (already rooted).
/// Nothing is touched when a template fails or a differing file is found
/// without `force`; a failure while creating or staging leaves every file as
/// it was and removes the directories it created.
pub fn install(plan: &Plan, t: &Templates, force: bool) -> Result<Installed, InstallError> {
    let files = install_files(plan, t).map_err(InstallError::Template)?;
    // A killed earlier install of this plan: finish or undo it first.
    if let Some(journal) = files
        .first()
        .and_then(|f| write::find_install_journal(Path::new(&f.path)))
    {
        write::recover(&journal).map_err(InstallError::Io)?;
    }
    let changes = write::compare_absolute(&files).map_err(InstallError::Io)?;
    let foreign: Vec<Change> = changes.iter().filter(|c| c.foreign).cloned().collect();
    if !foreign.is_empty() && !force {
        return Err(InstallError::Foreign(foreign));
    }
    let paths: Vec<&HostPaths> = plan
        .gateways
        .iter()
        .map(Gateway::host_paths)
        .collect::<Result<_, _>>()
        .map_err(|e| InstallError::Template(e.into()))?;
    let mut dirs: Vec<&Path> = Vec::new();
    for p in &paths {
        dirs.extend(p.private_dirs().into_iter().map(Path::new));
    }
    for f in &files {
        dirs.extend(Path::new(&f.path).parent());
    }
    for p in &paths {
        dirs.extend(Path::new(&p.secrets_env_file).parent());
    }
    let journal = files.first().map_or_else(
        || PathBuf::from("/").join(write::INSTALL_JOURNAL),
        |f| write::install_journal(Path::new(&f.path)),
    );
    // The empty secrets env files that are missing are created in the same
    // journaled transaction, so that a kill leaves all or none of them.
    // Only missing ones: an existing file is the operator's, never opened.
    let mut all = changes.clone();
    let mut secrets_files_created = Vec::new();
    for p in &paths {
        let path = &p.secrets_env_file;
        if Path::new(path).symlink_metadata().is_err() && !secrets_files_created.contains(path) {
            secrets_files_created.push(path.clone());
            all.push(Change {
                path: path.clone(),
                action: Action::Create,
                old: None,
                new: Some(String::new()),
                private: true,
                foreign: false,
                on_host: true,
            });
        }
    }
    let created = write::replace_all(&journal, &dirs, &all).map_err(InstallError::Io)?;
    Ok(Installed {
        changes,
        dirs_created: created,
        secrets_files_created,
    })
}

/// The report of a successful install: the files it wrote, a summary, and
/// what the user still has to provide (secrets ocgen never writes).
pub fn install_report(plan: &Plan, done: &Installed) -> String {
    let mut s = String::new();
    for c in &done.changes {
        match c.action {
            Action::Create => {
                let _ = writeln!(s, "created  {}", c.path);
            }
            Action::Update => {
                let _ = writeln!(s, "updated  {}", c.path);
            }
            Action::Keep | Action::Delete => {}
        }
    }
    let count = |a: Action| done.changes.iter().filter(|c| c.action == a).count();
    let n = plan.gateways.len();
    let _ = writeln!(
        s,
        "{}: {n} gateway{} installed: {} files created, {} updated, {} unchanged; {} director{} created",
        plan.name,
        if n == 1 { "" } else { "s" },
        count(Action::Create),
        count(Action::Update),
        count(Action::Keep),
        done.dirs_created.len(),
        if done.dirs_created.len() == 1 {
            "y"
        } else {
            "ies"
        },
    );
    s.push_str(&secret_notes(plan, done));
    s.push_str(&launchd_notes(plan));
    s
}

/// For a file that targets launchd: where each gateway's LaunchAgent goes
/// and the `launchctl` commands that start and stop it. ocgen does not
/// load them itself: `launchctl` acts on the GUI session of the user who
/// runs it, which an installer cannot assume.
fn launchd_notes(plan: &Plan) -> String {
    let mut s = String::new();
    if !plan.has_target(crate::target::Target::Launchd) {
        return s;
    }
    let _ = writeln!(
        s,
        "launchd: as the macOS user of each gateway, copy its plist from `ocgen generate`'s launchd/ and load it:"
    );
    for g in &plan.gateways {
        let (Ok(a), Ok(p)) = (g.launch_agent(&plan.launchd), g.host_paths()) else {
            continue;
        };
        let _ = writeln!(s, "  {} ({}):", g.name, a.label);
        // What OpenClaw's installer creates before loading: launchd opens
        // the log but makes no directory, and Node does not create TMPDIR.
        let log_dir = a.stdout_path.rsplit_once('/').map_or("", |(d, _)| d);
        let _ = writeln!(
            s,
            "    mkdir -p {log_dir} && mkdir -p -m 0700 {}",
            a.tmp_dir()
        );
        let _ = writeln!(
            s,
            "    install -m 0644 launchd/{} {}",
            a.file_name(),
            a.plist_path
        );
        let _ = writeln!(s, "    launchctl bootstrap gui/$(id -u) {}", a.plist_path);
        let _ = writeln!(s, "    stop: launchctl bootout gui/$(id -u)/{}", a.label);
        let _ = writeln!(s, "    secrets: {}; logs: {}", p.dotenv(), a.stdout_path);
    }
    s
}

/// What the operator still has to provide: each gateway's secrets, by name,
/// in its own secrets file (ocgen never writes a value), and auth files.
fn secret_notes(plan: &Plan, done: &Installed) -> String {
    let mut s = String::new();
    for f in &done.secrets_files_created {
        let _ = writeln!(s, "created  {f} (empty, mode 0600)");
    }
    for g in &plan.gateways {
        let names = g.secret_names();
        let Ok(p) = g.host_paths() else { continue };
        if !names.is_empty() {
            let who = if p.secrets_in_dotenv() {
                "OpenClaw loads it, and so does the gateway's systemd unit"
            } else {
                "the gateway's systemd unit loads it; source it before `openclaw gateway run` by hand"
            };
            let _ = writeln!(
                s,
                "note: gateway `{}` reads {} from {} (one NAME=value line each, mode 0600; {who})",
                g.name,
                names.join(", "),
                p.secrets_env_file,
            );
        }
        if let Some(SecretSource::File(path)) = g.auth.as_ref().and_then(|a| a.secret.as_ref()) {
            if !Path::new(path).exists() {
                let _ = writeln!(
                    s,
                    "note: gateway `{}` reads its {} from {path}, which does not exist yet: create it (mode 0600, owned by the gateway's user)",
                    g.name,
                    g.auth.as_ref().map_or("secret", |a| a.mode.as_str()),
                );
            }
        }
    }
    s
}

/// Where a seeded gateway's live `openclaw.json` strays from what ocgen
/// pins: one line per key, empty when it agrees (or is managed, or absent).
pub fn config_drift(g: &Gateway) -> Vec<String> {
    let Ok(rt) = g.host_runtime() else {
        return Vec::new();
    };
    if g.config_mode != ConfigMode::Seeded {
        return Vec::new();
    }
    let Ok(text) = std::fs::read_to_string(&rt.config_path) else {
        return Vec::new();
    };
    let Ok(live) = serde_json::from_str::<serde_json::Value>(&text) else {
        return vec![format!(
            "{}: not plain JSON, cannot compare with the plan",
            rt.config_path
        )];
    };
    let want = render::openclaw::value(&rt);
    let mut out = Vec::new();
    for key in PINNED_KEYS {
        let pointer = format!("/{}", key.replace('.', "/"));
        let (a, b) = (want.pointer(&pointer), live.pointer(&pointer));
        if a != b {
            let shown = |v: Option<&serde_json::Value>| {
                v.map_or("nothing".to_string(), ToString::to_string)
            };
            out.push(format!(
                "{key} is {} in {}, ocgen pins {}",
                shown(b),
                rt.config_path,
                shown(a)
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// HTTP probes

/// Connect and read time limit of one probe step. A request takes at most
/// three times this, and `status` retries a timed-out `/healthz` once, so a
/// gateway that does not answer within about 3 s is reported unhealthy.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Largest answer a probe reads.
const MAX_RESPONSE: usize = 64 * 1024;

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body, decoded from chunked encoding if need be.
    pub body: String,
}

/// Why a probe got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeError {
    /// Nothing listens on the port.
    Refused,
    /// Connecting or reading took longer than allowed.
    TimedOut,
    /// Anything else: a reset, an answer that is not HTTP.
    Failed(String),
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Refused => f.write_str("connection refused"),
            ProbeError::TimedOut => f.write_str("timed out"),
            ProbeError::Failed(why) => f.write_str(why),
        }
    }
}

fn classify(e: &io::Error) -> ProbeError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ProbeError::Refused,
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => ProbeError::TimedOut,
        _ => ProbeError::Failed(e.to_string()),
    }
}

/// `GET path` on `addr` with HTTP/1.1 and `Connection: close`. Connecting
/// and each read are limited to `timeout`, the whole exchange to three times it.
pub fn http_get(
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
) -> Result<HttpResponse, ProbeError> {
    let deadline = Instant::now() + timeout * 3;
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| classify(&e))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| classify(&e))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUser-Agent: ocgen\r\nAccept: application/json\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| classify(&e))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if Instant::now() > deadline {
            return Err(ProbeError::TimedOut);
        }
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > MAX_RESPONSE {
                    return Err(ProbeError::Failed(format!(
                        "answer larger than {MAX_RESPONSE} bytes"
                    )));
                }
                if !matches!(parse_response(&buf), Ok(None)) {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(classify(&e)),
        }
    }
    match parse_response(&buf) {
        Ok(Some(r)) => Ok(r),
        Ok(None) if buf.is_empty() => Err(ProbeError::Failed(
            "connection closed without an answer".into(),
        )),
        Ok(None) => match parse_until_eof(&buf) {
            Some(r) => Ok(r),
            None => Err(ProbeError::Failed("incomplete HTTP answer".into())),
        },
        Err(why) => Err(ProbeError::Failed(why)),
    }
}

/// The head of an answer: status code, headers (names lowercased), and
/// where the body starts.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    body_start: usize,
}

fn split_head(buf: &[u8]) -> Result<Option<Head>, String> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let version = parts.next().unwrap_or("");
    let status = parts.next().and_then(|c| c.parse::<u16>().ok());
    let (true, Some(status)) = (version.starts_with("HTTP/1."), status) else {
        return Err(format!(
            "not an HTTP answer: `{}`",
            status_line
                .chars()
                .take(60)
                .collect::<String>()
                .escape_debug()
        ));
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Some(Head {
        status,
        headers,
        body_start: end + 4,
    }))
}

/// A complete answer from `buf`, `None` while more bytes are needed.
fn parse_response(buf: &[u8]) -> Result<Option<HttpResponse>, String> {
    let Some(Head {
        status,
        headers,
        body_start: start,
    }) = split_head(buf)?
    else {
        return Ok(None);
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let body = &buf[start..];
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return Ok(decode_chunked(body)?.map(|b| HttpResponse {
            status,
            body: String::from_utf8_lossy(&b).into_owned(),
        }));
    }
    if let Some(len) = header("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| format!("bad Content-Length `{}`", len.escape_debug()))?;
        return Ok((body.len() >= len).then(|| HttpResponse {
            status,
            body: String::from_utf8_lossy(&body[..len]).into_owned(),
        }));
    }
    Ok(None)
}

/// An answer without length or chunking ends where the connection closed.
fn parse_until_eof(buf: &[u8]) -> Option<HttpResponse> {
    let head = split_head(buf).ok()??;
    Some(HttpResponse {
        status: head.status,
        body: String::from_utf8_lossy(&buf[head.body_start..]).into_owned(),
    })
}

/// Decodes a chunked body; `None` until the last chunk has arrived.
fn decode_chunked(mut body: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size `{}`", size_hex.escape_debug()))?;
        body = &body[eol + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        if body.len() < size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&body[..size]);
        body = &body[size + 2..];
    }
}

// ---------------------------------------------------------------------------
// Listening sockets

/// A TCP socket in LISTEN state on this host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listener {
    /// Local address.
    pub address: IpAddr,
    /// Local port.
    pub port: u16,
    /// Owner's uid.
    pub uid: u32,
    /// Socket inode (to find the owning process).
    #[serde(skip)]
    pub inode: u64,
}

/// The process that holds a socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// Process id.
    pub pid: u32,
    /// Its name (`/proc/<pid>/comm`).
    pub process: String,
}

/// Parses `/proc/net/tcp` (`v6 = false`) or `/proc/net/tcp6` and keeps the
/// sockets in LISTEN state (`0A`). Addresses are printed by the kernel as
/// 32-bit words in host byte order.
pub fn parse_proc_net_tcp(text: &str, v6: bool) -> Vec<Listener> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 10 || f[3] != "0A" {
                return None;
            }
            let (addr, port) = f[1].split_once(':')?;
            let port = u16::from_str_radix(port, 16).ok()?;
            let address = if v6 {
                if addr.len() != 32 {
                    return None;
                }
                let mut bytes = [0u8; 16];
                for (i, word) in bytes.chunks_mut(4).enumerate() {
                    let w = u32::from_str_radix(addr.get(i * 8..i * 8 + 8)?, 16).ok()?;
                    word.copy_from_slice(&w.to_ne_bytes());
                }
                IpAddr::V6(Ipv6Addr::from(bytes))
            } else {
                let w = u32::from_str_radix(addr, 16).ok()?;
                IpAddr::V4(Ipv4Addr::from(w.to_ne_bytes()))
            };
            Some(Listener {
                address,
                port,
                uid: f[7].parse().ok()?,
                inode: f[9].parse().ok()?,
            })
        })
        .collect()
}

/// Every listening TCP socket of this host (its network namespace), or
/// `None` where `/proc/net/tcp` cannot be read (not Linux).
pub fn listening_sockets() -> Option<Vec<Listener>> {
    let v4 = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let mut all = parse_proc_net_tcp(&v4, false);
    if let Ok(v6) = std::fs::read_to_string("/proc/net/tcp6") {
        all.extend(parse_proc_net_tcp(&v6, true));
    }
    Some(all)
}

/// Which process holds each of `inodes`, as far as `/proc/<pid>/fd` can be
/// read (all processes as root, one's own otherwise).
pub fn socket_owners<S: std::hash::BuildHasher>(inodes: &HashSet<u64, S>) -> HashMap<u64, Owner> {
    let mut found = HashMap::new();
    if inodes.is_empty() {
        return found;
    }
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in procs.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Ok(target) = std::fs::read_link(fd.path()) else {
                continue;
            };
            let Some(inode) = target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<u64>().ok())
            else {
                continue;
            };
            if inodes.contains(&inode) && !found.contains_key(&inode) {
                let process = std::fs::read_to_string(entry.path().join("comm"))
                    .map(|c| c.trim_end().to_string())
                    .unwrap_or_default();
                found.insert(inode, Owner { pid, process });
            }
        }
        if found.len() == inodes.len() {
            break;
        }
    }
    found
}

/// A reserved port that something listens on.
#[derive(Debug, Clone, Serialize)]
pub struct PortInUse {
    /// The gateway that reserves it.
    pub gateway: String,
    /// What the gateway reserves it for.
    pub purpose: &'static str,
    /// The port.
    pub port: u16,
    /// The address the listener is bound to.
    pub address: IpAddr,
    /// The listener's uid.
    pub uid: u32,
    /// The listener's process, when it can be found.
    pub owner: Option<Owner>,
}

impl std::fmt::Display for PortInUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}) on {} by ",
            self.port, self.purpose, self.address
        )?;
        match &self.owner {
            Some(o) => write!(f, "pid {} ({}), uid {}", o.pid, o.process, self.uid),
            None => write!(f, "uid {}", self.uid),
        }
    }
}

/// The listeners inside `ranges`, with their owners looked up.
pub fn ports_in_use(ranges: &[PortRange], listeners: &[Listener]) -> Vec<PortInUse> {
    let mut hits: Vec<(&PortRange, &Listener)> = Vec::new();
    for r in ranges {
        for l in listeners {
            if (r.start..=r.end).contains(&l.port) {
                hits.push((r, l));
            }
        }
    }
    let inodes: HashSet<u64> = hits.iter().map(|(_, l)| l.inode).collect();
    let owners = socket_owners(&inodes);
    let mut out: Vec<PortInUse> = hits
        .into_iter()
        .map(|(r, l)| PortInUse {
            gateway: r.gateway.clone(),
            purpose: r.purpose.as_str(),
            port: l.port,
            address: l.address,
            uid: l.uid,
            owner: owners.get(&l.inode).cloned(),
        })
        .collect();
    out.sort_by_key(|u| (u.port, u.address));
    out.dedup_by(|a, b| a.port == b.port && a.address == b.address && a.gateway == b.gateway);
    out
}

/// `ocgen check --host`: the plan's reserved ports that are already in use,
/// and the report. `None` when this host cannot tell.
pub fn check_host(plan: &Plan) -> (String, Option<Vec<PortInUse>>) {
    let table = plan.port_table();
    let total: u32 = table.iter().map(|r| u32::from(r.end - r.start) + 1).sum();
    let Some(listeners) = listening_sockets() else {
        return (
            "host: cannot list listening sockets here (ocgen reads /proc/net/tcp, Linux only); port check skipped\n".to_string(),
            None,
        );
    };
    let used = ports_in_use(&table, &listeners);
    let mut s = String::new();
    if used.is_empty() {
        let _ = writeln!(s, "host: none of the {total} reserved ports is in use");
    } else {
        let _ = writeln!(
            s,
            "host: {} reserved port{} already in use:",
            used.len(),
            if used.len() == 1 { "" } else { "s" }
        );
        let w = used.iter().map(|u| u.gateway.len()).max().unwrap_or(0);
        for u in &used {
            let _ = writeln!(s, "  {:<w$}  {u}", u.gateway);
        }
        let _ = writeln!(
            s,
            "help: stop what holds these ports, or move the gateways (`port:`) so that their ranges are free (`ocgen ports` lists them)"
        );
    }
    (s, Some(used))
}

/// `ocgen check --host`: the seeded configs that stray from what ocgen
/// pins, one line each.
pub fn check_configs(plan: &Plan) -> Vec<String> {
    plan.gateways
        .iter()
        .flat_map(|g| {
            config_drift(g)
                .into_iter()
                .map(move |d| format!("config: gateway `{}`: {d}", g.name))
        })
        .collect()
}

// ---------------------------------------------------------------------------
// status

/// How a gateway is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// `/healthz` answers that it is alive.
    Healthy,
    /// Something listens on the base port but `/healthz` does not say ok.
    Unhealthy,
    /// Nothing answers on the base port.
    Down,
}

impl State {
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Healthy => "healthy",
            State::Unhealthy => "unhealthy",
            State::Down => "down",
        }
    }
}

/// `ocgen status` for one gateway.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayStatus {
    /// Gateway name.
    pub name: String,
    /// Base port.
    pub port: u16,
    /// The URL probed.
    pub url: String,
    /// Healthy, unhealthy or down.
    pub state: State,
    /// Whether a connection to the base port succeeded.
    pub listening: bool,
    /// Whether `/healthz` said ok (`null` when nothing answered).
    pub healthz: Option<bool>,
    /// Whether `/readyz` said ready (`null` when nothing answered).
    pub readyz: Option<bool>,
    /// Why it is not healthy.
    pub detail: Option<String>,
    /// The process listening on the base port, when it can be found.
    pub listener: Option<Owner>,
    /// For a gateway that is not healthy: its reserved ports that something
    /// else listens on (`null` when this host cannot tell, or when healthy).
    pub ports_in_use: Option<Vec<PortInUse>>,
    /// Seeded configs: where the live file strays from what ocgen pins.
    pub config_drift: Vec<String>,
}

/// Probes one gateway's `/healthz` and `/readyz` on loopback.
fn probe(g: &Gateway) -> GatewayStatus {
    let addr = SocketAddr::from((PROBE_ADDR, g.port));
    let json = |r: &HttpResponse| serde_json::from_str::<serde_json::Value>(&r.body).ok();
    let mut st = GatewayStatus {
        name: g.name.clone(),
        port: g.port,
        url: format!("http://{addr}{HEALTH_PATH}"),
        state: State::Down,
        listening: false,
        healthz: None,
        readyz: None,
        detail: None,
        listener: None,
        ports_in_use: None,
        config_drift: config_drift(g),
    };
    // A gateway that is busy starting its sidecars can miss one deadline:
    // a timed-out probe gets one more try.
    let health = match http_get(addr, HEALTH_PATH, PROBE_TIMEOUT) {
        Err(ProbeError::TimedOut) => http_get(addr, HEALTH_PATH, PROBE_TIMEOUT),
        other => other,
    };
    match health {
        Err(ProbeError::Refused) => {
            st.detail = Some(format!("nothing listens on {addr}"));
            return st;
        }
        Err(ProbeError::TimedOut) => {
            st.detail = Some(format!("{addr}: timed out"));
            st.state = State::Unhealthy;
            st.listening = true;
        }
        Err(e) => {
            st.state = State::Unhealthy;
            st.listening = true;
            st.detail = Some(format!("GET {HEALTH_PATH}: {e}"));
        }
        Ok(r) => {
            st.listening = true;
            let ok = json(&r).is_some_and(|v| is_healthy(r.status, &v));
            st.healthz = Some(ok);
            if ok {
                st.state = State::Healthy;
            } else {
                st.state = State::Unhealthy;
                st.detail = Some(format!(
                    "GET {HEALTH_PATH} answered {}: {}",
                    r.status,
                    r.body.trim().chars().take(80).collect::<String>()
                ));
            }
        }
    }
    if let Ok(r) = http_get(addr, READY_PATH, PROBE_TIMEOUT) {
        st.readyz = Some(json(&r).is_some_and(|v| is_ready(r.status, &v)));
    }
    st
}

/// Most probes in flight at once.
const PROBE_THREADS: usize = 16;

/// `ocgen status`: every gateway probed (in parallel), and for the ones that
/// are not healthy, which of their reserved ports something else holds.
pub fn status(plan: &Plan) -> Vec<GatewayStatus> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; plan.gateways.len()]);
    std::thread::scope(|s| {
        for _ in 0..plan.gateways.len().min(PROBE_THREADS) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(g) = plan.gateways.get(i) else {
                        break;
                    };
                    let st = probe(g);
                    if let Ok(mut r) = results.lock() {
                        r[i] = Some(st);
                    }
                }
            });
        }
    });
    let mut out: Vec<GatewayStatus> = results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect();
    if let Some(listeners) = listening_sockets() {
        // One pass over /proc for every gateway: the base port of each, the
        // whole footprint of the ones that are not healthy.
        let mut ranges = Vec::new();
        for (st, g) in out.iter().zip(&plan.gateways) {
            let mut r = g.reserved();
            if st.state == State::Healthy {
                r.truncate(1);
            }
            ranges.extend(r);
        }
        let used = ports_in_use(&ranges, &listeners);
        for st in &mut out {
            let mine = used.iter().filter(|u| u.gateway == st.name);
            st.listener = mine
                .clone()
                .find(|u| u.port == st.port)
                .and_then(|u| u.owner.clone());
            if st.state != State::Healthy {
                st.ports_in_use = Some(mine.cloned().collect());
            }
        }
    }
    out
}

/// The status table, one line per gateway and a total.
pub fn status_table(plan: &Plan, all: &[GatewayStatus]) -> String {
    let w = all
        .iter()
        .map(|g| g.name.len())
        .max()
        .unwrap_or(0)
        .max("GATEWAY".len());
    let yes_no = |v: Option<bool>, yes: &'static str, no: &'static str| match v {
        Some(true) => yes,
        Some(false) => no,
        None => "-",
    };
    let mut s = format!(
        "{:<w$}  {:>5}  {:<9}  {:<7}  {:<9}  DETAIL\n",
        "GATEWAY", "PORT", "STATE", "HEALTHZ", "READYZ"
    );
    for g in all {
        let mut detail = match (&g.detail, &g.listener) {
            (Some(d), _) => d.clone(),
            (None, Some(o)) => format!("pid {} ({})", o.pid, o.process),
            (None, None) => String::new(),
        };
        if let Some(used) = &g.ports_in_use {
            for u in used {
                let _ = write!(detail, "; port {u}");
            }
        }
        for d in &g.config_drift {
            if !detail.is_empty() {
                detail.push_str("; ");
            }
            let _ = write!(detail, "config: {d}");
        }
        let _ = writeln!(
            s,
            "{:<w$}  {:>5}  {:<9}  {:<7}  {:<9}  {}",
            g.name,
            g.port,
            g.state.as_str(),
            yes_no(g.healthz, "ok", "failing"),
            yes_no(g.readyz, "ready", "not-ready"),
            detail
        );
    }
    let healthy = all.iter().filter(|g| g.state == State::Healthy).count();
    let _ = writeln!(
        s,
        "{}: {healthy} of {} gateway{} healthy",
        plan.name,
        all.len(),
        if all.len() == 1 { "" } else { "s" }
    );
    s
}

/// The status as JSON: `{"healthy": bool, "gateways": [...]}`.
pub fn status_json(all: &[GatewayStatus]) -> String {
    let v = serde_json::json!({
        "healthy": all.iter().all(|g| g.state == State::Healthy),
        "gateways": all,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A one-shot HTTP server on 127.0.0.1: answers the first request with
    /// `answer`, then closes. Returns its address and the thread.
    fn serve_once(answer: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut req = Vec::new();
            let mut b = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = s.read(&mut b).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&b[..n]);
            }
            s.write_all(answer).unwrap();
            String::from_utf8_lossy(&req).into_owned()
        });
        (addr, h)
    }

    #[test]
    fn probe_reads_a_content_length_answer_and_sends_a_minimal_request() {
        let (addr, h) = serve_once(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{\"ok\":true,\"status\":\"live\"}\n",
        );
        let r = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "{\"ok\":true,\"status\":\"live\"}\n");
        let req = h.join().unwrap();
        assert!(req.starts_with("GET /healthz HTTP/1.1\r\n"), "{req}");
        assert!(req.contains(&format!("Host: {addr}\r\n")), "{req}");
        assert!(req.contains("Connection: close\r\n"), "{req}");
    }

    #[test]
    fn probe_decodes_chunked_answers() {
        let (addr, h) = serve_once(
            b"HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n{\"ready\":\r\nb;ext=1\r\nfalse,\"x\":1\r\n1\r\n}\r\n0\r\n\r\n",
        );
        let r = http_get(addr, "/readyz", PROBE_TIMEOUT).unwrap();
        h.join().unwrap();
        assert_eq!(r.status, 503);
        assert_eq!(r.body, "{\"ready\":false,\"x\":1}");
    }

    #[test]
    fn probe_reads_to_eof_without_a_length() {
        let (addr, h) = serve_once(b"HTTP/1.0 200 OK\r\n\r\n{\"ok\":true}");
        let r = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap();
        h.join().unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "{\"ok\":true}"));
    }

    #[test]
    fn probe_rejects_what_is_not_http() {
        let (addr, h) = serve_once(b"SSH-2.0-OpenSSH_9.6\r\n\r\n");
        let e = http_get(addr, "/healthz", PROBE_TIMEOUT).unwrap_err();
        h.join().unwrap();
        assert!(
            matches!(e, ProbeError::Failed(ref m) if m.contains("not an HTTP answer")),
            "{e:?}"
        );
    }

    #[test]
    fn probe_of_a_closed_port_is_refused() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let e = http_get(
            SocketAddr::from((PROBE_ADDR, port)),
            "/healthz",
            PROBE_TIMEOUT,
        );
        assert_eq!(e, Err(ProbeError::Refused));
    }

    #[test]
    fn probe_of_a_silent_server_times_out_quickly() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let t = Instant::now();
        // The listener accepts (the kernel does) but never answers.
        let e = http_get(addr, "/healthz", Duration::from_millis(200));
        assert_eq!(e, Err(ProbeError::TimedOut));
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        drop(l);
    }

    fn hex4(ip: [u8; 4]) -> String {
        format!("{:08X}", u32::from_ne_bytes(ip))
    }

    #[test]
    fn proc_net_tcp_keeps_listeners_only() {
        let text = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: {}:4965 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n   1: {}:1F90 {}:C350 01 00000000:00000000 00:00000000 00000000     0        0 99 1 0000000000000000 20 4 30 10 -1\n   2: {}:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7 1 0000000000000000 100 0 0 10 0\n",
            hex4([127, 0, 0, 1]),
            hex4([127, 0, 0, 1]),
            hex4([127, 0, 0, 1]),
            hex4([0, 0, 0, 0]),
        );
        let l = parse_proc_net_tcp(&text, false);
        assert_eq!(
            l,
            vec![
                Listener {
                    address: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    port: 18789,
                    uid: 1000,
                    inode: 4242
                },
                Listener {
                    address: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    port: 80,
                    uid: 0,
                    inode: 7
                },
            ]
        );
    }

    #[test]
    fn proc_net_tcp6_decodes_addresses_word_by_word() {
        let mut loopback = String::new();
        for c in Ipv6Addr::LOCALHOST.octets().chunks(4) {
            let _ = write!(
                loopback,
                "{:08X}",
                u32::from_ne_bytes([c[0], c[1], c[2], c[3]])
            );
        }
        let text = format!(
            "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: {loopback}:4965 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555 1 0000000000000000 100 0 0 10 0\n   1: garbage\n"
        );
        let l = parse_proc_net_tcp(&text, true);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].address, IpAddr::V6(Ipv6Addr::LOCALHOST));
        assert_eq!((l[0].port, l[0].inode), (18789, 555));
    }

    #[test]
    fn a_listener_of_this_process_is_found_with_its_owner() {
        let Some(_) = listening_sockets() else {
            // Not Linux: nothing to compare with.
            return;
        };
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let listeners = listening_sockets().unwrap();
        let range = PortRange {
            gateway: "g".into(),
            purpose: crate::plan::Purpose::BrowserControl,
            start: port,
            end: port,
            bind: "loopback".into(),
        };
        let used = ports_in_use(&[range], &listeners);
        assert_eq!(used.len(), 1, "{listeners:?}");
        assert_eq!(used[0].address, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(
            used[0].owner.as_ref().map(|o| o.pid),
            Some(std::process::id())
        );
        assert!(
            used[0]
                .to_string()
                .contains("(browser-control) on 127.0.0.1 by pid")
        );
    }

    #[test]
    fn root_prefix_is_absolute_and_normalised() {
        assert_eq!(root_prefix(Path::new("/")).unwrap(), "");
        assert_eq!(root_prefix(Path::new("/tmp//x/./y/")).unwrap(), "/tmp/x/y");
        let rel = root_prefix(Path::new("pkg")).unwrap();
        assert!(rel.starts_with('/') && rel.ends_with("/pkg"), "{rel}");
        assert!(root_prefix(Path::new("/tmp/../etc")).is_err());
    }
}
