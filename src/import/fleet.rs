//! `openclaw fleet` cells: one container per tenant, its state in
//! `<state_dir>/fleet/cells/<tenant>/` of the OpenClaw that created it.
//!
//! What ocgen can read of a cell is its state dir and its config. The
//! registry that maps a tenant to its host port and container lives in the
//! SQLite state database (`fleet_cells`), and the token in the container's
//! environment; ocgen reads neither, so a cell is reported with what was
//! read, never imported with a port made up.

use super::{Note, Where, read_host_text, state};
use crate::openclaw::{CONFIG_FILE_NAME, FLEET_CELLS_DIR, STATE_DB};

/// Reports the fleet cells under one state dir.
pub(super) fn scan(state_dir: &str, notes: &mut Vec<Note>) {
    let dir = format!("{}/{FLEET_CELLS_DIR}", state_dir.trim_end_matches('/'));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut cells: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cells.sort();
    for tenant in cells {
        let cell = format!("{dir}/{tenant}");
        let config = format!("{cell}/{CONFIG_FILE_NAME}");
        let read = match read_host_text(std::path::Path::new(&config)) {
            Ok(text) => match state::read_config(&config, &text) {
                Ok(m) => {
                    let bind = m
                        .get("gateway")
                        .and_then(|g| g.get("bind"))
                        .and_then(|b| b.as_str())
                        .unwrap_or("loopback");
                    format!(
                        "its config reads (bind `{}` inside the container)",
                        bind.escape_debug()
                    )
                }
                Err(n) => format!("its config does not read ({})", n.why),
            },
            Err(why) => format!("its config cannot be read ({why})"),
        };
        notes.push(Note::unread(
            Where::file(&cell),
            format!(
                "`openclaw fleet` cell `{}` (container `openclaw-cell-{}`): {read}, but its host port is in fleet's registry ({state_dir}/{STATE_DB}, SQLite) and its token in the container's environment, which ocgen does not read: not imported. To run it from ocgen on this state, add a gateway with `state_dir: {cell}` and the port `openclaw fleet status {}` shows",
                tenant.escape_debug(),
                tenant.escape_debug(),
                tenant.escape_debug()
            ),
        ));
    }
}
