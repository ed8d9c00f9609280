//! Colours for the human output: a leaf that knows only [`Severity`], so every renderer (the
//! table in [`crate::render`], the waits section in [`crate::waits`]) can use it without
//! importing one another.

use owo_colors::OwoColorize;

use crate::finding::Severity;

/// Colours for the human output, or none.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    fn paint(self, text: &str, f: impl Fn(&str) -> String) -> String {
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
    fn no_escape_codes_without_colour() {
        let p = Palette { enabled: false };
        assert_eq!(p.severity(Severity::Error, "x"), "x");
        let p = Palette { enabled: true };
        assert!(p.severity(Severity::Error, "x").contains('\u{1b}'));
    }
}
