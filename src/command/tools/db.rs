//! Database clients: `-h`/`--host` and `-p`/`--port` or a connection URI, the local socket when
//! no host is given.

use super::{Call, one};
use crate::command::args::{Arg, Opts, host_target, opts, url_target};
use crate::command::expand::Unknown;
use crate::command::{Part, Target, Tool};

pub(super) fn pg_isready(call: &mut Call) -> Vec<Target> {
    let o = opts(
        call.args,
        "hpUdt",
        &["--host", "--port", "--username", "--dbname", "--timeout"],
    );
    let conninfo = o.get(&["-d", "--dbname"]).cloned();
    postgres(call, &o, conninfo.as_ref())
}

/// `psql [OPTIONS] [DBNAME|URI|CONNINFO [USER]]`: as `pg_isready`, the connection string also
/// as the first argument.
pub(super) fn psql(call: &mut Call) -> Vec<Target> {
    let o = opts(
        call.args,
        "cdfhLoPpRTUvF",
        &[
            "--command",
            "--dbname",
            "--file",
            "--host",
            "--log-file",
            "--output",
            "--pset",
            "--port",
            "--record-separator",
            "--table-attr",
            "--username",
            "--variable",
            "--set",
            "--field-separator",
        ],
    );
    let conninfo = o.get(&["-d", "--dbname"]).cloned().or_else(|| {
        o.positional
            .first()
            .filter(|a| a.text.contains("://") || a.text.contains("host="))
            .cloned()
    });
    postgres(call, &o, conninfo.as_ref())
}

/// A PostgreSQL client's target: the connection string, `-h`/`-p`, `PGHOST`/`PGPORT`, or the
/// local socket.
fn postgres(call: &Call, o: &Opts, conninfo: Option<&Arg>) -> Vec<Target> {
    let conninfo = conninfo.and_then(|d| {
        if d.text.contains("://") {
            url_target(d)
        } else if d.text.contains("host=") {
            let kv = |k: &str| {
                d.text
                    .split_whitespace()
                    .find_map(|p| p.strip_prefix(&format!("{k}=")).map(str::to_string))
            };
            let h = kv("host")?;
            let a = Arg {
                written: h.clone(),
                text: h,
                unknowns: d.unknowns.clone(),
                notes: d.notes.clone(),
            };
            let p = kv("port").map(|p| Arg::literal(&p));
            Some(host_target(&a, p.as_ref(), Some(5432)))
        } else {
            None
        }
    });
    if let Some(t) = conninfo {
        return one(t);
    }
    let h = o
        .get(&["-h", "--host"])
        .cloned()
        .or_else(|| call.env_arg("PGHOST"));
    let p = o
        .get(&["-p", "--port"])
        .cloned()
        .or_else(|| call.env_arg("PGPORT"));
    match h {
        Some(h) if !h.text.starts_with('/') => one(host_target(&h, p.as_ref(), Some(5432))),
        _ => vec![Target::Local {
            port: p
                .and_then(|p| p.known().and_then(|t| t.parse().ok()))
                .or(Some(5432)),
            what: "the local PostgreSQL socket (no -h)".into(),
        }],
    }
}

/// The option-file groups the mysql and mariadb clients read (MariaDB's "Configuring MariaDB with
/// Option Files": `[client]`, `[client-server]`, `[client-mariadb]`, and the program's own).
const MYSQL_SECTIONS: &[&str] = &[
    "client",
    "client-server",
    "client-mariadb",
    "mysql",
    "mariadb-client",
    "mysqladmin",
    "mariadb-admin",
];

pub(super) fn mysql(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let args: Vec<Arg> = args
        .iter()
        .filter(|a| !(a.text.starts_with("-p") || a.text == "-p"))
        .cloned()
        .collect();
    let o = opts(
        &args,
        "hPuSeDw",
        &[
            "--host",
            "--port",
            "--user",
            "--socket",
            "--execute",
            "--database",
            "--connect-timeout",
            "--protocol",
        ],
    );
    if call.tool == Tool::Mysqladmin && o.positional.is_empty() {
        return Vec::new();
    }
    // A flag wins over an option file the script wrote (`--defaults-file=F`,
    // `--defaults-extra-file=F`), which wins over MYSQL_HOST and MYSQL_TCP_PORT.
    // MySQL reads these only as `--opt=FILE` (its docs' form, first on the line).
    let file = o
        .get(&["--defaults-file", "--defaults-extra-file"])
        .cloned();
    let in_file = |key: &str| {
        let file = file.as_ref()?.known()?;
        call.reader.file_option(file, MYSQL_SECTIONS, key)
    };
    let host = o
        .get(&["-h", "--host"])
        .cloned()
        .or_else(|| in_file("host"))
        .or_else(|| call.env_arg("MYSQL_HOST"));
    let port = o
        .get(&["-P", "--port"])
        .cloned()
        .or_else(|| in_file("port"))
        .or_else(|| call.env_arg("MYSQL_TCP_PORT"));
    match host {
        Some(h) if !matches!(h.known(), Some("localhost")) => {
            one(host_target(&h, port.as_ref(), Some(3306)))
        }
        // An option file may name the host (`[client] host=…`): not the local socket.
        None if let Some(file) = &file => {
            let file = &file.written;
            let unknown = Arg {
                written: file.clone(),
                text: crate::command::args::marker(0).to_string(),
                unknowns: vec![Unknown::Dynamic {
                    text: format!("the host in option file {file}"),
                }],
                notes: Vec::new(),
            };
            one(host_target(&unknown, port.as_ref(), Some(3306)))
        }
        _ => vec![Target::Local {
            port: Some(3306),
            what: "the local MySQL socket (no -h)".into(),
        }],
    }
}

pub(super) fn redis_cli(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(
        args,
        "hpausnrit",
        &["--user", "--pass", "--tls", "--cacert"],
    );
    if let Some(uri) = o.get(&["-u"]) {
        return url_target(uri).map(one).unwrap_or_default();
    }
    match o.get(&["-h"]) {
        Some(h) => one(host_target(h, o.get(&["-p"]), Some(6379))),
        None => vec![Target::Local {
            port: Some(6379),
            what: "127.0.0.1:6379 (no -h)".into(),
        }],
    }
}

pub(super) fn mongo(call: &mut Call) -> Vec<Target> {
    let args = call.args;
    let o = opts(
        args,
        "up",
        &[
            "--host",
            "--port",
            "--eval",
            "--username",
            "--password",
            "--authenticationDatabase",
            "--file",
        ],
    );
    if let Some(h) = o.get(&["--host"]) {
        let first = h
            .text
            .rsplit('/')
            .next()
            .unwrap_or(&h.text)
            .split(',')
            .next()
            .unwrap_or("")
            .to_string();
        let a = Arg {
            written: h
                .written
                .rsplit('/')
                .next()
                .unwrap_or(&h.written)
                .split(',')
                .next()
                .unwrap_or("")
                .to_string(),
            text: first,
            unknowns: h.unknowns.clone(),
            notes: h.notes.clone(),
        };
        return one(host_target(&a, o.get(&["--port"]), Some(27017)));
    }
    match o.positional.first() {
        Some(uri) if uri.text.contains("://") => {
            // `mongodb://h0:27017,h1:27017/admin`: a replica set; its first member is named.
            let first = Arg {
                written: first_member(&uri.written),
                text: first_member(&uri.text),
                unknowns: uri.unknowns.clone(),
                notes: uri.notes.clone(),
            };
            let mut t = url_target(&first);
            if let Some(t) = &mut t
                && t.port.is_none()
            {
                t.port = Some(Part::Known(27017));
            }
            t.map(one).unwrap_or_default()
        }
        Some(hp) if hp.text.contains(':') || hp.text.contains('/') => {
            let text = hp.text.split('/').next().unwrap_or("").to_string();
            let a = Arg {
                written: hp.written.split('/').next().unwrap_or("").to_string(),
                text,
                unknowns: hp.unknowns.clone(),
                notes: hp.notes.clone(),
            };
            one(host_target(&a, o.get(&["--port"]), Some(27017)))
        }
        // `mongosh $URI`: a connection string not known here (a Secret's, or a ConfigMap's not
        // yet read) names the server all the same.
        Some(uri) if uri.known().is_none() && !uri.text.starts_with('-') => {
            one(host_target(uri, None, Some(27017)))
        }
        _ => vec![Target::Local {
            port: Some(27017),
            what: "localhost:27017 (no --host)".into(),
        }],
    }
}

/// `scheme://a:1,b:2/db` → `scheme://a:1/db`: the first host of a connection string's list.
fn first_member(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (hosts, tail) = rest.split_at(end);
    let first = hosts.split(',').next().unwrap_or(hosts);
    format!("{scheme}://{first}{tail}")
}
