//! The one writer of `logs`: every stream sends its lines here, and they leave in the order
//! they arrive — prefixed, stamped, as JSON, or as the bytes they are. On a terminal, log
//! content is made visible ([`crate::sanitize`]); on a pipe it passes through unchanged.

use std::io::Write;
use std::sync::Arc;

use serde_json::json;

use crate::logplan::Container;
use crate::sanitize;

/// Where a line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub namespace: String,
    pub pod: String,
    pub container: Container,
    pub attempt: i32,
    /// Several pods are shown: the prefix names the pod too.
    pub show_pod: bool,
}

impl Tag {
    /// `[init 2/3 wait-db]`, or `[web-1 init 2/3 wait-db]` when several pods are shown.
    pub fn prefix(&self) -> String {
        if self.show_pod {
            format!("[{} {}]", self.pod, self.container.label())
        } else {
            format!("[{}]", self.container.label())
        }
    }
}

/// A line of log content (or a piece of a very long one), its timestamp removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub time: Option<String>,
    pub starts_line: bool,
    pub content: Vec<u8>,
}

/// What the streams send to the writer.
#[derive(Debug)]
pub enum Out {
    Lines(Arc<Tag>, Vec<Line>),
    /// A header, footer or note for humans: to stderr.
    Note(String),
}

/// How lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub prefix: bool,
    pub timestamps: bool,
    pub json: bool,
    /// stdout is a terminal: make controls visible.
    pub terminal: bool,
    pub colour: bool,
}

/// The colours a container's prefix can have, picked by its name (stable across runs).
const COLOURS: [u8; 6] = [36, 33, 32, 35, 34, 31];

fn colour_of(name: &str) -> u8 {
    let hash = name.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    });
    COLOURS[(hash as usize) % COLOURS.len()]
}

/// Append one line, formatted, to `buf`.
pub fn format_line(style: Style, tag: &Tag, line: &Line, buf: &mut Vec<u8>) {
    if style.json {
        let content = line.content.strip_suffix(b"\n").unwrap_or(&line.content);
        let object = json!({
            "namespace": tag.namespace,
            "pod": tag.pod,
            "container": tag.container.name,
            "index": tag.container.index,
            "kind": tag.container.kind,
            "attempt": tag.attempt,
            "time": line.time,
            "line": String::from_utf8_lossy(content),
        });
        // Serialising a json! value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *buf, &object);
        buf.push(b'\n');
        return;
    }
    if line.starts_line {
        if style.prefix {
            let prefix = sanitize::line(&tag.prefix()).into_owned();
            if style.colour {
                let code = colour_of(&tag.container.name);
                buf.extend_from_slice(format!("\x1b[{code}m{prefix}\x1b[0m ").as_bytes());
            } else {
                buf.extend_from_slice(prefix.as_bytes());
                buf.push(b' ');
            }
        }
        if let (true, Some(time)) = (style.timestamps, &line.time) {
            buf.extend_from_slice(sanitize::line(time).as_bytes());
            buf.push(b' ');
        }
    }
    if style.terminal {
        sanitize::bytes_into(&line.content, buf);
    } else {
        buf.extend_from_slice(&line.content);
    }
}

/// Write everything received until every sender is gone (run it on a blocking thread). A
/// closed stdout ends it with the error, so that the command can stop.
pub fn write_all(style: Style, mut rx: tokio::sync::mpsc::Receiver<Out>) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let mut buf: Vec<u8> = Vec::with_capacity(64 << 10);
    while let Some(first) = rx.blocking_recv() {
        let mut next = Some(first);
        // Take what is already queued, then write it in one go.
        while let Some(out) = next.take() {
            match out {
                Out::Lines(tag, lines) => {
                    for line in &lines {
                        format_line(style, &tag, line, &mut buf);
                    }
                    if buf.len() >= 256 << 10 {
                        stdout.write_all(&buf)?;
                        buf.clear();
                    }
                }
                Out::Note(text) => {
                    stdout.write_all(&buf)?;
                    stdout.flush()?;
                    buf.clear();
                    let _ = writeln!(std::io::stderr(), "{}", sanitize::terminal(&text));
                }
            }
            next = rx.try_recv().ok();
        }
        stdout.write_all(&buf)?;
        stdout.flush()?;
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logplan::Kind;

    fn tag(show_pod: bool) -> Tag {
        Tag {
            namespace: "shop".into(),
            pod: "web-1".into(),
            container: Container {
                name: "wait-db".into(),
                kind: Kind::Init,
                index: 1,
                total: 3,
            },
            attempt: 2,
            show_pod,
        }
    }

    fn style() -> Style {
        Style {
            prefix: false,
            timestamps: false,
            json: false,
            terminal: false,
            colour: false,
        }
    }

    fn line(content: &[u8]) -> Line {
        Line {
            time: Some("2026-01-01T00:00:05.000000000Z".into()),
            starts_line: true,
            content: content.to_vec(),
        }
    }

    #[test]
    fn lines_are_formatted_per_style() {
        let raw = b"\x1b[2Jhi \xff\n";
        let cases: Vec<(Style, bool, &[u8])> = vec![
            (style(), false, raw),
            (
                Style {
                    prefix: true,
                    ..style()
                },
                false,
                b"[init 2/3 wait-db] \x1b[2Jhi \xff\n",
            ),
            (
                Style {
                    prefix: true,
                    ..style()
                },
                true,
                b"[web-1 init 2/3 wait-db] \x1b[2Jhi \xff\n",
            ),
            (
                Style {
                    timestamps: true,
                    ..style()
                },
                false,
                b"2026-01-01T00:00:05.000000000Z \x1b[2Jhi \xff\n",
            ),
            (
                Style {
                    terminal: true,
                    ..style()
                },
                false,
                b"^[[2Jhi \\xff\n",
            ),
        ];
        for (style, show_pod, want) in cases {
            let mut buf = Vec::new();
            format_line(style, &tag(show_pod), &line(raw), &mut buf);
            assert_eq!(
                String::from_utf8_lossy(&buf),
                String::from_utf8_lossy(want),
                "{style:?}"
            );
            assert_eq!(buf, want);
        }
    }

    #[test]
    fn json_has_one_object_per_line() {
        let mut buf = Vec::new();
        let style = Style {
            json: true,
            ..style()
        };
        format_line(style, &tag(false), &line(b"ready\n"), &mut buf);
        let value: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(
            value,
            json!({"namespace": "shop", "pod": "web-1", "container": "wait-db", "index": 1,
                   "kind": "init", "attempt": 2, "time": "2026-01-01T00:00:05.000000000Z",
                   "line": "ready"})
        );
        assert!(buf.ends_with(b"}\n"));
    }

    #[test]
    fn a_container_keeps_its_colour() {
        assert_eq!(colour_of("wait-db"), colour_of("wait-db"));
        let mut buf = Vec::new();
        let style = Style {
            prefix: true,
            colour: true,
            ..style()
        };
        format_line(style, &tag(false), &line(b"x\n"), &mut buf);
        assert!(buf.starts_with(b"\x1b["), "{buf:?}");
    }
}
