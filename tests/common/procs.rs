//! Processes started by tests: identified by pid and start time, stopped
//! with every descendant (OpenClaw's spawn broker leaves the process group).

use std::collections::HashMap;
use std::fs;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `(ppid, pgid, starttime, state)` of a process, from /proc/<pid>/stat.
pub fn stat(pid: u32) -> Option<(u32, u32, u64, char)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may hold anything; fields follow the last `)`.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some((
        f.get(1)?.parse().ok()?,
        f.get(2)?.parse().ok()?,
        f.get(19)?.parse().ok()?,
        f.first()?.chars().next()?,
    ))
}

/// A process, identified by pid and start time (so a reused pid is never
/// mistaken for it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pid {
    pub pid: u32,
    pub start: u64,
}

impl Pid {
    pub fn of(pid: u32) -> Option<Pid> {
        stat(pid).map(|(_, _, start, _)| Pid { pid, start })
    }

    pub fn alive(self) -> bool {
        matches!(stat(self.pid), Some((_, _, start, state)) if start == self.start && state != 'Z')
    }

    pub fn signal(self, sig: &str) {
        if self.alive() {
            let _ = Command::new("kill")
                .args([sig, &self.pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// `root` and all its descendants that are alive now.
pub fn tree(root: Pid) -> Vec<Pid> {
    if !root.alive() {
        return Vec::new();
    }
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        if let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) {
            if let Some((ppid, ..)) = stat(pid) {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        for &c in children.get(&out[i].pid).into_iter().flatten() {
            if let Some(p) = Pid::of(c) {
                out.push(p);
            }
        }
        i += 1;
    }
    out
}

/// Processes a test started, with everything they spawned: dropped, it
/// sends SIGTERM to each, waits, then SIGKILLs whatever is left, so nothing
/// outlives the test, passed or failed.
#[derive(Default)]
pub struct Guard {
    roots: Vec<(Pid, std::process::Child)>,
    seen: Vec<Pid>,
}

impl Guard {
    /// Takes charge of a started child.
    pub fn adopt(&mut self, child: std::process::Child) -> Pid {
        let pid = Pid::of(child.id()).expect("the child runs");
        self.roots.push((pid, child));
        pid
    }

    /// The `i`th process adopted.
    pub fn root(&self, i: usize) -> Pid {
        self.roots[i].0
    }

    /// Notes every process of every tree alive now.
    pub fn remember(&mut self) {
        for (root, _) in &self.roots {
            for p in tree(*root) {
                if !self.seen.contains(&p) {
                    self.seen.push(p);
                }
            }
        }
    }

    /// Stops the tree of `root` (SIGTERM, SIGKILL after `grace`).
    pub fn stop(&mut self, root: Pid, grace: Duration) {
        self.remember();
        let mine: Vec<Pid> = tree(root);
        root.signal("-TERM");
        let start = Instant::now();
        while mine.iter().any(|p| p.alive()) && start.elapsed() < grace {
            for (r, c) in &mut self.roots {
                if *r == root {
                    let _ = c.try_wait();
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        for p in &mine {
            p.signal("-KILL");
        }
        for (r, c) in &mut self.roots {
            if *r == root {
                let _ = c.wait();
            }
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let roots: Vec<Pid> = self.roots.iter().map(|(p, _)| *p).collect();
        for r in roots {
            self.stop(r, Duration::from_secs(15));
        }
        for p in &self.seen {
            p.signal("-KILL");
        }
    }
}
