//! This machine: `ocgen install`, `ocgen status` and `ocgen check --host`.
//!
//! * `install` writes what a bare-host gateway needs where the plan says
//!   and creates its directories, staged and journaled.
//! * `drift` compares a seeded config, which OpenClaw owns once written,
//!   with the keys ocgen pins.
//! * `http` is the probes' HTTP/1.1 client: time limits, a bounded answer,
//!   a plain socket.
//! * `sockets` reads which ports are in use, and by whom, from `/proc`
//!   (Linux only).
//! * `memory` adds up the gateways' memory limits against the host's.
//! * `status` probes every gateway and says how it is doing; `wait`
//!   probes again until all are healthy or a deadline passes.
//! * `doctor` compares what runs here with the plan (`ocgen doctor`).
//! * `backup` makes archives with OpenClaw's own `backup create`.
//! * `restore` brings a gateway back from an archive (journaled);
//!   `rollout` switches gateways to another `openclaw`, rolling back on failure;
//!   `units` finds (and `install` sets aside) units of a name ocgen no
//!   longer gives them;
//!   `service` stops, starts and waits for one gateway; `compose` does
//!   backup, restore and the rollout's steps on a Compose deployment.

mod backup;
mod compose;
mod doctor;
mod drift;
mod http;
mod install;
mod memory;
mod restore;
mod rollout;
mod service;
mod sockets;
mod status;
mod units;
mod wait;

pub(crate) use backup::backup;
pub(crate) use compose::ComposeSite;
pub(crate) use doctor::{
    Family as DoctorFamily, Options as DoctorOptions, Report as DoctorReport, doctor,
};
pub(crate) use drift::check_configs;
pub use http::{HttpResponse, ProbeError, http_get};
pub(crate) use install::{InstallError, Installed, RootError, install, root_prefix};
pub(crate) use memory::memory_warning;
pub(crate) use restore::{RestoreError, restore};
pub(crate) use rollout::{HostSite, Outcome as RolloutOutcome, rollout};
pub(crate) use service::{Manager, utc_stamp};
pub use sockets::{Listener, listening_sockets};
pub(crate) use sockets::{PortInUse, reserved_ports_in_use};
pub(crate) use status::{GatewayStatus, State, status};
pub(crate) use units::{FormerUnit, Retired, former_units, retire_former_units, unit_dirs};
pub(crate) use wait::{format_duration, parse_duration, wait_healthy};
