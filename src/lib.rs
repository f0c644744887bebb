//! ocgen turns a declarative list of OpenClaw gateways into deployments.
//!
//! The pipeline, one module per stage:
//! [`model`] (read `ocgen.yaml`) → [`plan`] (every OpenClaw rule: ports,
//! profiles, paths, auth) → [`render`] (one renderer per output format) →
//! [`mod@write`] (atomic files, `--check`). [`import`] reads a host's
//! existing gateways back into `ocgen.yaml`. [`host`] is this machine
//! (`install`, `status`, ports in use), [`cli`] the command line and
//! [`diag`] how problems are reported.

// Items are `pub(crate)` unless the library's users (the tests, the fuzz
// target, the benches) need them.
#![warn(unreachable_pub)]

pub mod cli;
pub mod diag;
pub mod host;
pub mod import;
pub mod model;
pub mod openclaw;
pub mod plan;
pub mod render;
pub mod span;
pub mod target;
pub mod write;
