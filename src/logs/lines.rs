//! A log stream as lines: framing of the bytes as they come, the kubelet's timestamp on each
//! line, and the cursor that lets a dropped stream resume without losing or repeating a line.

use jiff::Timestamp;

/// A line longer than this is passed on in pieces, so that memory stays bounded.
pub const MAX_PIECE: usize = 1 << 20;

/// One line, or a piece of a long one, as read (timestamp still attached).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub bytes: Vec<u8>,
    /// True when the piece begins a line (and so carries the timestamp).
    pub starts_line: bool,
    /// True when the piece ends with the line's newline (or the stream's last byte).
    pub ends_line: bool,
}

/// Cuts a byte stream into lines; a line over [`MAX_PIECE`] comes out in pieces.
#[derive(Debug, Default)]
pub struct Framer {
    pending: Vec<u8>,
    pending_starts_line: bool,
}

impl Framer {
    pub fn new() -> Self {
        Framer {
            pending: Vec::new(),
            pending_starts_line: true,
        }
    }

    /// The pieces completed by `data`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Piece>) {
        for part in data.chunks(MAX_PIECE) {
            self.push_part(part, out);
        }
    }

    fn push_part(&mut self, mut data: &[u8], out: &mut Vec<Piece>) {
        while let Some(i) = data.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&data[..=i]);
            out.push(Piece {
                bytes: std::mem::take(&mut self.pending),
                starts_line: self.pending_starts_line,
                ends_line: true,
            });
            self.pending_starts_line = true;
            data = &data[i + 1..];
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= MAX_PIECE {
            out.push(Piece {
                bytes: std::mem::take(&mut self.pending),
                starts_line: self.pending_starts_line,
                ends_line: false,
            });
            self.pending_starts_line = false;
        }
    }

    /// What is left when the stream ends: an unfinished last line.
    pub fn finish(&mut self) -> Option<Piece> {
        if self.pending.is_empty() {
            return None;
        }
        let piece = Piece {
            bytes: std::mem::take(&mut self.pending),
            starts_line: self.pending_starts_line,
            ends_line: true,
        };
        self.pending_starts_line = true;
        Some(piece)
    }

    /// Forget a half-read line (the stream broke; it will be read again).
    pub fn reset(&mut self) -> usize {
        let dropped = self.pending.len();
        self.pending.clear();
        self.pending_starts_line = true;
        dropped
    }
}

/// Split the kubelet's `timestamps=true` prefix (`<RFC 3339> `) off a line's start.
pub fn split_timestamp(line: &[u8]) -> Option<(Timestamp, &str, &[u8])> {
    let space = line.iter().take(40).position(|&b| b == b' ')?;
    let text = std::str::from_utf8(&line[..space]).ok()?;
    let at: Timestamp = text.parse().ok()?;
    Some((at, text, &line[space + 1..]))
}

/// How the kubelet says that it cannot serve a log it should have (the runtime has removed the
/// instance or its file): it answers 200 with this text as the body, without a timestamp or a
/// newline, where the log would be.
const KUBELET_NOTICE: &[u8] = b"unable to retrieve container logs for ";

/// The kubelet's notice, when `piece` is one and not a line of the log (a log line carries the
/// timestamp asked for): its words, safe for a terminal, on one line of at most 200 characters.
pub fn kubelet_notice(piece: &Piece) -> Option<String> {
    if !piece.starts_line || piece.bytes.len() > 1024 || split_timestamp(&piece.bytes).is_some() {
        return None;
    }
    let text = piece.bytes.strip_prefix(b"\n").unwrap_or(&piece.bytes);
    if !text.starts_with(KUBELET_NOTICE) {
        return None;
    }
    let shown = crate::sanitize::line(crate::sanitize::bytes(text).trim_end()).into_owned();
    Some(crate::text::cap(&shown, 200))
}

/// What to do with a piece after a resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Already printed: drop it.
    Skip,
    /// New: print it from this byte of its content on (0 unless a line was cut mid-way).
    From(usize),
}

/// Where a stream has got to: the last line's timestamp, how many complete lines carried that
/// exact timestamp, and how much of an unfinished line was printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    last: Option<Timestamp>,
    at_last: usize,
    partial: usize,
    /// While replaying after a resume: the lines with the last timestamp seen again so far.
    replay: Option<usize>,
}

impl Cursor {
    /// The `sinceTime` to resume from: the last timestamp, down to its second (the API takes
    /// whole seconds; what comes again before the cursor is dropped).
    pub fn since(&self) -> Option<Timestamp> {
        self.last
            .and_then(|t| Timestamp::from_second(t.as_second()).ok())
    }

    /// True once a line has been seen.
    pub fn started(&self) -> bool {
        self.last.is_some()
    }

    /// Start replaying: the next pieces come from `since()` and may repeat printed ones.
    pub fn resume(&mut self) {
        self.replay = Some(0);
    }

    /// Decide for a piece whose line has timestamp `at` (`None`: the server sent none), and
    /// record it as printed when admitted. `content_len` is the piece's length after the stamp.
    pub fn admit(&mut self, at: Option<Timestamp>, piece: &Piece, content_len: usize) -> Admit {
        let decision = match (self.replay, at, self.last) {
            (Some(seen), Some(at), Some(last)) if piece.starts_line => {
                if at < last || (at == last && seen < self.at_last) {
                    if at == last {
                        self.replay = Some(seen + 1);
                    }
                    Admit::Skip
                } else {
                    self.replay = None;
                    Admit::From(std::mem::take(&mut self.partial).min(content_len))
                }
            }
            _ => {
                self.replay = None;
                Admit::From(0)
            }
        };
        if decision == Admit::Skip {
            return decision;
        }
        // at_last counts complete lines with the last timestamp; a line is counted when it ends.
        if let (true, Some(at)) = (piece.starts_line, at)
            && Some(at) != self.last
        {
            self.last = Some(at);
            self.at_last = 0;
        }
        if piece.ends_line {
            self.at_last += 1;
            self.partial = 0;
        } else {
            self.partial += content_len;
        }
        decision
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(chunks: &[&[u8]]) -> Vec<Piece> {
        let mut framer = Framer::new();
        let mut out = Vec::new();
        for c in chunks {
            framer.push(c, &mut out);
        }
        out.extend(framer.finish());
        out
    }

    #[test]
    fn framing_joins_chunks_into_lines_and_keeps_bytes() {
        let got = pieces(&[b"on", b"e\ntw", b"o\n\xff\xfe raw\nlast"]);
        let lines: Vec<&[u8]> = got.iter().map(|p| p.bytes.as_slice()).collect();
        assert_eq!(
            lines,
            vec![&b"one\n"[..], b"two\n", b"\xff\xfe raw\n", b"last"]
        );
        assert!(got.iter().all(|p| p.starts_line && p.ends_line));
    }

    #[test]
    fn a_huge_line_comes_in_bounded_pieces() {
        let big = vec![b'x'; MAX_PIECE * 2 + 10];
        let mut data = big.clone();
        data.push(b'\n');
        let got = pieces(&[&data]);
        assert!(got.iter().all(|p| p.bytes.len() < 2 * MAX_PIECE));
        assert!(got.len() >= 2);
        assert!(got[0].starts_line && !got[0].ends_line);
        assert!(got.last().unwrap().ends_line);
        let joined: Vec<u8> = got.iter().flat_map(|p| p.bytes.clone()).collect();
        assert_eq!(joined, data);
    }

    #[test]
    fn timestamps_split_off_only_when_valid() {
        let (at, text, rest) =
            split_timestamp(b"2026-01-01T00:00:05.123456789Z hello world\n").unwrap();
        assert_eq!(text, "2026-01-01T00:00:05.123456789Z");
        assert_eq!(at.as_second(), 1767225605);
        assert_eq!(rest, b"hello world\n");
        assert!(split_timestamp(b"hello world\n").is_none());
        assert!(split_timestamp(b"nospace").is_none());
    }

    fn ts(s: &str) -> Option<Timestamp> {
        Some(s.parse().unwrap())
    }

    fn line() -> Piece {
        Piece {
            bytes: vec![],
            starts_line: true,
            ends_line: true,
        }
    }

    /// (timestamp, printed before the drop?) — after the resume, the same lines come again
    /// from the second of the last one, and only the new ones are admitted.
    #[test]
    fn resume_drops_what_was_printed_and_keeps_same_second_lines_apart() {
        type Case<'a> = (&'a [&'a str], usize, &'a [&'a str], &'a [bool]);
        let cases: &[Case] = &[
            // Two lines share a timestamp (plain file): the second was not printed yet.
            (
                &["2026-01-01T00:00:05Z", "2026-01-01T00:00:05Z"],
                1,
                &[
                    "2026-01-01T00:00:05Z",
                    "2026-01-01T00:00:05Z",
                    "2026-01-01T00:00:06Z",
                ],
                &[false, true, true],
            ),
            // Nanosecond stamps; sinceTime goes back to the whole second.
            (
                &["2026-01-01T00:00:05.1Z", "2026-01-01T00:00:05.2Z"],
                2,
                &[
                    "2026-01-01T00:00:05.1Z",
                    "2026-01-01T00:00:05.2Z",
                    "2026-01-01T00:00:05.3Z",
                ],
                &[false, false, true],
            ),
        ];
        for (before, printed, after, want) in cases {
            let mut cursor = Cursor::default();
            for at in &before[..*printed] {
                assert_eq!(cursor.admit(ts(at), &line(), 1), Admit::From(0));
            }
            assert_eq!(
                cursor.since().unwrap().as_second(),
                ts(before[0]).unwrap().as_second()
            );
            cursor.resume();
            let got: Vec<bool> = after
                .iter()
                .map(|at| cursor.admit(ts(at), &line(), 1) != Admit::Skip)
                .collect();
            assert_eq!(&got, want, "before {before:?}, printed {printed}");
        }
    }

    #[test]
    fn resume_mid_line_prints_only_the_rest() {
        let mut cursor = Cursor::default();
        let head = Piece {
            bytes: vec![],
            starts_line: true,
            ends_line: false,
        };
        assert_eq!(
            cursor.admit(ts("2026-01-01T00:00:05Z"), &head, 4),
            Admit::From(0)
        );
        cursor.resume();
        assert_eq!(
            cursor.admit(ts("2026-01-01T00:00:05Z"), &line(), 10),
            Admit::From(4)
        );
    }
}
