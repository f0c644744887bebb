//! Ports in use on this host: the sockets in LISTEN state from
//! `/proc/net/tcp` and `/proc/net/tcp6`, and which process holds each
//! (`/proc/<pid>/fd`). That is Linux only: elsewhere [`listening_sockets`]
//! returns `None` and callers say the check was skipped.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::plan::{Plan, PortRange};

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
pub(crate) struct Owner {
    /// Process id.
    pub pid: u32,
    /// Its name (`/proc/<pid>/comm`).
    pub process: String,
}

/// Parses `/proc/net/tcp` (`v6 = false`) or `/proc/net/tcp6` and keeps the
/// sockets in LISTEN state (`0A`). Addresses are printed by the kernel as
/// 32-bit words in host byte order.
pub(crate) fn parse_proc_net_tcp(text: &str, v6: bool) -> Vec<Listener> {
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
pub(crate) fn socket_owners<S: std::hash::BuildHasher>(
    inodes: &HashSet<u64, S>,
) -> HashMap<u64, Owner> {
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
pub(crate) struct PortInUse {
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
pub(crate) fn ports_in_use(ranges: &[PortRange], listeners: &[Listener]) -> Vec<PortInUse> {
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
/// `None` when this host cannot tell.
pub(crate) fn reserved_ports_in_use(plan: &Plan) -> Option<Vec<PortInUse>> {
    let listeners = listening_sockets()?;
    Some(ports_in_use(&plan.port_table(), &listeners))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;
    use std::net::TcpListener;

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
}
