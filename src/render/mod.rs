//! Rendering: diagnoses in, text out. Knows terminals and colours, nothing of the API.

#[cfg(test)]
mod golden;
pub mod json;
pub mod safe;
pub mod table;
pub mod triage;

use owo_colors::OwoColorize;

use crate::cli::ColorChoice;
use crate::diagnosis::Severity;

/// Decide once whether to colour: `always`, `never`, or for `auto` a terminal with `NO_COLOR` unset.
pub fn use_color(choice: ColorChoice, stdout_is_terminal: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && !no_color,
    }
}

/// Colours for the human output, or none.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    fn paint(&self, text: &str, f: impl Fn(&str) -> String) -> String {
        if self.enabled {
            f(text)
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint(text, |t| t.bold().to_string())
    }

    pub fn dim(&self, text: &str) -> String {
        self.paint(text, |t| t.dimmed().to_string())
    }

    pub fn good(&self, text: &str) -> String {
        self.paint(text, |t| t.green().to_string())
    }

    /// Colour by severity: red errors, yellow warnings, cyan information.
    pub fn severity(&self, severity: Severity, text: &str) -> String {
        match severity {
            Severity::Error => self.paint(text, |t| t.red().bold().to_string()),
            Severity::Warning => self.paint(text, |t| t.yellow().to_string()),
            Severity::Info => self.paint(text, |t| t.cyan().to_string()),
        }
    }
}

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

    #[test]
    fn no_escape_codes_without_colour() {
        let p = Palette { enabled: false };
        assert_eq!(p.severity(Severity::Error, "x"), "x");
        let p = Palette { enabled: true };
        assert!(p.severity(Severity::Error, "x").contains('\u{1b}'));
    }
}
