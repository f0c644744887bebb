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
//! * `backup` makes archives with OpenClaw's own `backup create`.
//! * `restore` brings a gateway back from an archive (journaled);
//!   `rollout` switches gateways to another `openclaw`, rolling back on failure;
//!   `service` stops, starts and waits for one gateway.
//! * `status` probes every gateway and says how it is doing.

mod backup;
mod drift;
mod http;
mod install;
mod restore;
mod rollout;
mod service;
mod sockets;
mod status;

pub(crate) use backup::backup;
pub(crate) use drift::check_configs;
pub use http::{HttpResponse, ProbeError, http_get};
pub(crate) use install::{InstallError, Installed, RootError, install, root_prefix};
pub(crate) use restore::{RestoreError, restore};
pub(crate) use rollout::{Outcome as RolloutOutcome, rollout};
pub(crate) use service::Manager;
pub use sockets::{Listener, listening_sockets};
pub(crate) use sockets::{PortInUse, reserved_ports_in_use};
pub(crate) use status::{GatewayStatus, State, status};
