//! A command's arguments as values, and the readers every tool shares: options (`-h db`,
//! `--port=5432`), `host:port`, URLs.

use super::{HostTarget, Part};
use crate::command::expand::{self, Unknown};

/// A word's value: text where unknown parts are marker characters indexing `unknowns`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Arg {
    pub(super) written: String,
    pub(super) text: String,
    pub(super) unknowns: Vec<Unknown>,
    pub(super) notes: Vec<String>,
}

pub(super) const MARKER_BASE: u32 = 0xF0000;

pub(super) fn marker(i: usize) -> char {
    char::from_u32(MARKER_BASE + i as u32).unwrap_or(expand::UNKNOWN)
}

pub(super) fn marker_index(c: char) -> Option<usize> {
    let v = c as u32;
    (MARKER_BASE..MARKER_BASE + 0xFFFD)
        .contains(&v)
        .then(|| (v - MARKER_BASE) as usize)
}

impl Arg {
    pub(super) fn literal(text: &str) -> Arg {
        Arg {
            written: text.into(),
            text: text.into(),
            ..Default::default()
        }
    }

    /// The value, when fully known.
    pub(super) fn known(&self) -> Option<&str> {
        (!self.text.chars().any(|c| marker_index(c).is_some())).then_some(self.text.as_str())
    }

    /// The unknowns within `part` of the text.
    pub(super) fn unknowns_in(&self, part: &str) -> Vec<Unknown> {
        let mut out = Vec::new();
        for c in part.chars() {
            if let Some(u) = marker_index(c).and_then(|i| self.unknowns.get(i))
                && !out.contains(u)
            {
                out.push(u.clone());
            }
        }
        out
    }

    /// Drop the first `n` characters (an attached option name: `-hdb`, `--port=5432`).
    pub(super) fn strip(&self, n: usize) -> Arg {
        let written = if self.written.chars().take(n).eq(self.text.chars().take(n)) {
            self.written.chars().skip(n).collect()
        } else {
            self.written.clone()
        };
        Arg {
            written,
            text: self.text.chars().skip(n).collect(),
            unknowns: self.unknowns.clone(),
            notes: self.notes.clone(),
        }
    }

    /// A part of the value as a [`Part`] string: a whole service link is kept as such.
    pub(super) fn part(&self, text: &str) -> Part<String> {
        let unknowns = self.unknowns_in(text);
        if unknowns.is_empty() {
            return Part::Known(text.to_string());
        }
        if let [Unknown::ServiceLink { service, .. }] = unknowns.as_slice()
            && text.chars().count() == 1
        {
            return Part::ServiceLink(service.clone());
        }
        Part::Unknown(unknowns)
    }

    pub(super) fn port(&self, text: &str) -> Part<u16> {
        match self.part(text) {
            Part::Known(t) => match t.split('-').next().unwrap_or("").parse::<u16>() {
                Ok(p) => Part::Known(p),
                Err(_) => Part::Unknown(vec![Unknown::Dynamic {
                    text: format!("port {t:?}"),
                }]),
            },
            Part::ServiceLink(s) => Part::ServiceLink(s),
            Part::Unknown(u) => Part::Unknown(u),
        }
    }
}
/// Options read from argv: positionals, valued options (`-h`, `--host`), flags.
#[derive(Default)]
pub(super) struct Opts {
    pub(super) positional: Vec<Arg>,
    pub(super) valued: Vec<(String, Arg)>,
    pub(super) flags: Vec<String>,
    /// Everything after `--`.
    pub(super) rest: Vec<Arg>,
}

impl Opts {
    pub(super) fn get(&self, names: &[&str]) -> Option<&Arg> {
        self.valued
            .iter()
            .rev()
            .find(|(k, _)| names.contains(&k.as_str()))
            .map(|(_, v)| v)
    }
}

/// Read options: `short_val` are the one-letter options taking a value, `long_val` the long ones.
pub(super) fn opts(args: &[Arg], short_val: &str, long_val: &[&str]) -> Opts {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let t = a.text.as_str();
        i += 1;
        if t == "--" {
            o.rest = args[i..].to_vec();
            break;
        }
        if let Some(long) = t.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, _)) => {
                    let n = name.chars().count() + 3;
                    o.valued.push((format!("--{name}"), a.strip(n)));
                }
                None if long_val.contains(&t) => {
                    if let Some(v) = args.get(i) {
                        o.valued.push((t.to_string(), v.clone()));
                        i += 1;
                    }
                }
                None => o.flags.push(t.to_string()),
            }
            continue;
        }
        if t.len() > 1 && t.starts_with('-') && !t.starts_with("-$") {
            for (pos, c) in t.char_indices().skip(1) {
                if short_val.contains(c) {
                    let attached = &t[pos + c.len_utf8()..];
                    if attached.is_empty() {
                        if let Some(v) = args.get(i) {
                            o.valued.push((format!("-{c}"), v.clone()));
                            i += 1;
                        }
                    } else {
                        let n = t[..pos + c.len_utf8()].chars().count();
                        o.valued.push((format!("-{c}"), a.strip(n)));
                    }
                    break;
                }
                o.flags.push(format!("-{c}"));
            }
            continue;
        }
        o.positional.push(a.clone());
    }
    o
}

/// Split `host:port` (or `[v6]:port`); the port is `None` when absent.
pub(super) fn split_host_port(text: &str) -> (String, Option<String>) {
    if let Some(rest) = text.strip_prefix('[')
        && let Some((host, after)) = rest.split_once(']')
    {
        return (
            host.to_string(),
            after.strip_prefix(':').map(str::to_string),
        );
    }
    if text.matches(':').count() > 1 {
        return (text.to_string(), None);
    }
    match text.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), Some(p.to_string())),
        None => (text.to_string(), None),
    }
}

/// `scheme://user@host:port/path` → (scheme, host, port), on a value or on written text (where
/// `$(…)`, `${…}` and backquotes are opaque).
pub(super) fn split_url(text: &str) -> (Option<String>, String, Option<String>) {
    let (scheme, rest) = match text.find("://") {
        Some(i)
            if text[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)) =>
        {
            (Some(text[..i].to_ascii_lowercase()), &text[i + 3..])
        }
        _ => (None, text),
    };
    // The authority ends at the first '/', '?' or '#' outside an expansion.
    let mut depth = 0i32;
    let mut end = rest.len();
    let mut prev = '\0';
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '{' if prev == '$' => depth += 1,
            ')' | '}' if depth > 0 => depth -= 1,
            '/' | '?' | '#' if depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
        prev = c;
    }
    let authority = &rest[..end];
    let authority = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let (host, port) = split_host_port(authority);
    (scheme, host, port)
}

pub(super) fn default_port(scheme: Option<&str>) -> Option<u16> {
    match scheme.unwrap_or("http") {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "postgres" | "postgresql" => Some(5432),
        "mysql" => Some(3306),
        "redis" | "rediss" => Some(6379),
        "mongodb" => Some(27017),
        "amqp" => Some(5672),
        "amqps" => Some(5671),
        "nats" => Some(4222),
        "kafka" => Some(9092),
        "ftp" => Some(21),
        _ => None,
    }
}

/// A host target from a URL argument.
pub(super) fn url_target(arg: &Arg) -> Option<HostTarget> {
    let (scheme, host, port) = split_url(&arg.text);
    if host.is_empty() {
        return None;
    }
    let (_, written_host, _) = split_url(&arg.written);
    // A URL that starts with an unknown value (`$URL/status`) may have its scheme and port in
    // that value: neither is assumed.
    let leading_unknown =
        scheme.is_none() && arg.text.chars().next().and_then(marker_index).is_some();
    let port = match port {
        Some(p) => Some(arg.port(&p)),
        None if leading_unknown => Some(Part::Unknown(arg.unknowns_in(&host))),
        None => default_port(scheme.as_deref()).map(Part::Known),
    };
    Some(HostTarget {
        written: if written_host.is_empty() {
            host.clone()
        } else {
            written_host
        },
        host: arg.part(&host),
        port,
        scheme,
    })
}

/// Every host a URL lists (`mongodb://a:27017,b:27017/db`: both), each with the URL's scheme,
/// user and default port.
pub(super) fn url_targets(arg: &Arg) -> Vec<HostTarget> {
    let Some((head, rest)) = arg.text.split_once("://") else {
        return url_target(arg).into_iter().collect();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (userinfo, hosts) = match rest[..end].rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), &rest[..end]),
    };
    if !hosts.contains(',') {
        return url_target(arg).into_iter().collect();
    }
    hosts
        .split(',')
        .filter(|h| !h.is_empty())
        .filter_map(|h| {
            let text = format!("{head}://{userinfo}{h}");
            url_target(&Arg {
                written: if arg.written == arg.text {
                    text.clone()
                } else {
                    arg.written.clone()
                },
                text,
                unknowns: arg.unknowns.clone(),
                notes: arg.notes.clone(),
            })
        })
        .collect()
}

/// A host target from a host argument and an optional port argument (or default).
pub(super) fn host_target(host: &Arg, port: Option<&Arg>, default: Option<u16>) -> HostTarget {
    let (h, attached) = split_host_port(&host.text);
    let (wh, _) = split_host_port(&host.written);
    let port = match (port, attached) {
        (Some(p), _) => Some(p.port(&p.text)),
        (None, Some(p)) => Some(host.port(&p)),
        (None, None) => default.map(Part::Known),
    };
    HostTarget {
        written: wh,
        host: host.part(&h),
        port,
        scheme: None,
    }
}
