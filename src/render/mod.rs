//! Rendering: diagnoses in, text out. Knows terminals and colours, nothing of the API.

pub mod fixline;
#[cfg(test)]
mod golden;
pub mod json;
pub mod owners;
pub mod preflight;
pub mod safe;
pub mod table;
pub mod triage;
pub mod waits;

/// Decide once whether to colour: `Some(true)` (always), `Some(false)` (never), or for `None`
/// (auto) a terminal with `NO_COLOR` unset.
pub fn use_color(forced: Option<bool>, stdout_is_terminal: bool, no_color: bool) -> bool {
    forced.unwrap_or(stdout_is_terminal && !no_color)
}

pub use crate::palette::Palette;

/// A kubectl-style table: no borders, columns apart, no wrapping; styled cells only when
/// `styled` (otherwise never, whatever the terminal).
pub fn bare_table(styled: bool) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_style(comfy_table::presets::NOTHING);
    table.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    if styled {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_is_decided_like_fd_and_ripgrep() {
        assert!(use_color(Some(true), false, true));
        assert!(!use_color(Some(false), true, false));
        assert!(use_color(None, true, false));
        assert!(!use_color(None, true, true));
        assert!(!use_color(None, false, false));
    }
}
