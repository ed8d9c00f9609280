//! Rendering: diagnoses in, text out. Knows terminals and colours, nothing of the API.

#[cfg(test)]
mod golden;
pub mod json;
pub mod safe;
pub mod table;
pub mod triage;

use crate::cli::ColorChoice;

/// Decide once whether to colour: `always`, `never`, or for `auto` a terminal with `NO_COLOR` unset.
pub fn use_color(choice: ColorChoice, stdout_is_terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && !no_color,
    }
}

pub use crate::palette::Palette;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_is_decided_like_fd_and_ripgrep() {
        assert!(use_color(ColorChoice::Always, false, true));
        assert!(!use_color(ColorChoice::Never, true, false));
        assert!(use_color(ColorChoice::Auto, true, false));
        assert!(!use_color(ColorChoice::Auto, true, true));
        assert!(!use_color(ColorChoice::Auto, false, false));
    }
}
