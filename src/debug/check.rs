//! `--check`, the inside view: from what `explain` extracted from the blocked init container's
//! command ([`crate::command::extract`]) to a POSIX `sh` script that a one-shot
//! ephemeral container runs in the pod's network namespace, and back from the structured lines
//! it prints in its log. Pure: no I/O.
//!
//! Each name is resolved the way the pod resolves it: with the blocker's own tool when the debug
//! image has a real one (not busybox's, whose `nslookup` exits non-zero on a short name when any search domain fails), otherwise by
//! asking busybox `nslookup` for each search-path candidate in the resolver's order, fully
//! qualified (`NAME.NS.svc.cluster.local` first) — the output says which. Each `host:port` is
//! connected to (on the address the name resolved to), each URL fetched, every step bounded.

use crate::command::{Extraction, Part, Target, Tool};

/// The prefix of every structured line.
pub const LINE_PREFIX: &str = "initdoctor-check";

/// The longest detail kept from a probe's line (the script sends at most 2000 characters).
const DETAIL_CHARS: usize = 300;

/// Seconds each step may take.
pub const STEP_SECONDS: u32 = 5;

/// What a probe asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeKind {
    /// Resolve `host`; `candidates` are the fully qualified names to try, in order.
    Dns { candidates: Vec<String> },
    /// Connect to `host:port`.
    Tcp { port: u16 },
    /// Fetch `url`.
    Http { url: String },
}

/// One step of the check script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub id: usize,
    /// The target as written in the blocker's command (what explain's findings name).
    pub target: String,
    /// The host name or address, as the container would use it.
    pub host: String,
    /// The blocker's tool.
    pub tool: Tool,
    pub kind: ProbeKind,
    /// The id of the DNS probe of the same host, whose address TCP and HTTP use.
    pub resolved_by: Option<usize>,
    /// The blocker's own command, run as written first ([`super::written`]), when it is made
    /// of plain words.
    pub written: Option<Vec<String>>,
}

/// A target that is not probed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub target: String,
    pub why: String,
}

/// The search path a pod with `dnsPolicy: ClusterFirst` uses, in order, for `name`.
pub fn search_candidates(name: &str, namespace: &str, domain: &str) -> Vec<String> {
    if let Some(absolute) = name.strip_suffix('.') {
        return vec![absolute.to_string()];
    }
    let search = [
        format!("{namespace}.svc.{domain}"),
        format!("svc.{domain}"),
        domain.to_string(),
    ];
    let expanded = search.iter().map(|s| format!("{name}.{s}"));
    let dots = name.matches('.').count();
    // ndots:5 — fewer dots: the search path first, then the name as is.
    if dots < 5 && !name.ends_with(&format!(".{domain}")) {
        expanded.chain(std::iter::once(name.to_string())).collect()
    } else {
        std::iter::once(name.to_string()).chain(expanded).collect()
    }
}

fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// A host a script may name: letters, digits, `-`, `.`, `_` (or an address). Anything else
/// (an unexpanded variable, a quote) is skipped, never pasted into a script.
fn plain_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && (is_ip(host)
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_'))
}

/// The URL of a check, from its fragment when written there in full, else built.
fn url_of(fragment: &str, scheme: &str, host: &str, port: u16) -> String {
    let written = fragment
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']))
        .find(|w| w.contains("://") && !w.contains('$') && w.contains(host));
    match written {
        Some(u) if u.bytes().all(|b| b.is_ascii_graphic()) => u.to_string(),
        _ => format!("{scheme}://{host}:{port}/"),
    }
}

/// The probes for one blocker's checks.
pub fn probes(
    extraction: &Extraction,
    namespace: &str,
    domain: &str,
) -> (Vec<Probe>, Vec<Skipped>) {
    let mut probes: Vec<Probe> = Vec::new();
    let mut skipped = Vec::new();
    for check in &extraction.checks {
        let Target::Host(h) = &check.target else {
            let target = check.target.written();
            let why = match &check.target {
                // A poll interval or a timed wait: nothing to probe, nothing worth saying.
                Target::Sleep { .. } => continue,
                Target::Local { .. } => {
                    "this pod's own loopback: the debug container shares it, but the blocker's process is what should listen"
                }
                _ => "not a network target: `explain` reads it from the API",
            };
            skipped.push(Skipped {
                target,
                why: why.into(),
            });
            continue;
        };
        let host = match &h.host {
            Part::Known(host) if plain_host(host) => host.clone(),
            Part::Known(host) => {
                skipped.push(Skipped {
                    target: h.written.clone(),
                    why: format!("{host:?} is not a plain host name"),
                });
                continue;
            }
            Part::ServiceLink(s) => {
                skipped.push(Skipped {
                    target: h.written.clone(),
                    why: format!("set by Kubernetes from Service {s}: the API view covers it"),
                });
                continue;
            }
            Part::Unknown(_) => {
                skipped.push(Skipped {
                    target: h.written.clone(),
                    why: "its value is not known from the pod's spec".into(),
                });
                continue;
            }
        };
        let mut resolved_by = None;
        if !is_ip(&host) {
            resolved_by = probes
                .iter()
                .find(|p| p.host == host && matches!(p.kind, ProbeKind::Dns { .. }))
                .map(|p| p.id);
            if resolved_by.is_none() {
                let id = probes.len();
                probes.push(Probe {
                    id,
                    target: h.written.clone(),
                    host: host.clone(),
                    tool: check.tool,
                    kind: ProbeKind::Dns {
                        candidates: search_candidates(&host, namespace, domain),
                    },
                    resolved_by: None,
                    written: None,
                });
                resolved_by = Some(id);
            }
        }
        if !check.tool.connects() {
            continue;
        }
        let port = match &h.port {
            Some(Part::Known(p)) => *p,
            Some(_) => {
                skipped.push(Skipped {
                    target: h.written.clone(),
                    why: "its port is not known from the pod's spec".into(),
                });
                continue;
            }
            None => continue,
        };
        let kind = match h.scheme.as_deref() {
            Some(scheme @ ("http" | "https")) => ProbeKind::Http {
                url: url_of(&check.fragment, scheme, &host, port),
            },
            _ => ProbeKind::Tcp { port },
        };
        if probes.iter().any(|p| p.host == host && p.kind == kind) {
            continue;
        }
        probes.push(Probe {
            id: probes.len(),
            target: h.written.clone(),
            host,
            tool: check.tool,
            kind,
            resolved_by,
            written: super::written::words(check),
        });
    }
    (probes, skipped)
}

/// Single-quote for `sh` (the values are already plain, this is belt and braces).
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The shell functions the script calls; each prints one structured line per probe.
const FUNCTIONS: &str = r#"T=STEP
to() { if command -v timeout >/dev/null 2>&1; then timeout "$T" "$@"; else "$@"; fi; }
line() { printf 'initdoctor-check\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$(printf '%s' "$4" | tr '\t\r\n' '   ' | cut -c1-2000)"; }
native() {
  p=$(command -v "$1" 2>/dev/null) || return 1
  case "$(readlink -f "$p" 2>/dev/null)" in *busybox*) return 1 ;; esac
  to "$1" --help 2>&1 | head -n 2 | grep -q BusyBox && return 1
  return 0
}
addrs() { printf '%s\n' "$1" | sed -n '/^Name:/,$p' | sed -n 's/^Address:[[:space:]]*//p' | sed 's/#.*//' | tr '\n' ' '; }
dns() {
  id=$1; tool=$2; name=$3; shift 3
  if [ -n "$tool" ] && native "$tool"; then
    case $tool in
      getent) out=$(to getent hosts "$name" 2>&1); a=$(printf '%s\n' "$out" | awk '{print $1}' | tr '\n' ' ') ;;
      dig) out=$(to dig +search +short "$name" 2>&1); a=$(printf '%s\n' "$out" | grep -E '^[0-9a-f.:]+$' | tr '\n' ' ') ;;
      host) out=$(to host "$name" 2>&1); a=$(printf '%s\n' "$out" | sed -n 's/.* has .*address //p' | tr '\n' ' ') ;;
      *) out=$(to nslookup "$name" 2>&1); a=$(addrs "$out") ;;
    esac
    if [ -n "${a% }" ]; then eval "A_$id=\${a%% *}"; line "$id" dns ok "$a| $tool $name (the blocker's tool)"; return; fi
    case "$out" in *NXDOMAIN*|*"not found"*|*"can't find"*|*"no servers"*) r=nxdomain ;; *) [ -z "$out" ] && r=nxdomain || r=error ;; esac
    line "$id" dns "$r" "| $tool $name (the blocker's tool): $out"; return
  fi
  last=""; nx=""
  for fq in "$@"; do
    out=$(to nslookup "$fq" 2>&1); a=$(addrs "$out")
    if [ -n "${a% }" ]; then eval "A_$id=\${a%% *}"; line "$id" dns ok "$a| nslookup $fq (fully qualified: the debug image's nslookup fails a short name on the search domains that lack it)"; return; fi
    case "$out" in *NXDOMAIN*) nx=1; last=$out ;; *) [ -n "$nx" ] || last=$out ;; esac
  done
  # NXDOMAIN for a search-path name decides: the bare name may get SERVFAIL from a DNS without upstream.
  if [ -n "$nx" ]; then r=nxdomain; last=$(printf '%s\n' "$last" | grep -m 1 -E "NXDOMAIN|can't find" || printf '%s' "$last"); else r=error; fi
  line "$id" dns "$r" "| nslookup of $* : $last"
}
net() {
  case "$1" in *refused*) echo refused ;; *"timed out"*|*timeout*) echo timeout ;; *"bad address"*|*resolve*|*"not known"*|*"unknown host"*) echo dns-failed ;; *) echo error ;; esac
}
tcp() {
  id=$1; host=$2; port=$3; via=$4
  eval "addr=\${A_$via:-}"
  if [ "$via" != x ] && [ -z "$addr" ]; then line "$id" tcp dns-failed "$host does not resolve"; return; fi
  [ -n "$addr" ] || addr=$host
  command -v nc >/dev/null 2>&1 || { line "$id" tcp error "no nc in the debug image"; return; }
  out=$(to nc -z -v -w "$T" "$addr" "$port" 2>&1 </dev/null); rc=$?
  # Debian's busybox nc has no -z: it connects and, stdin at its end, closes at once.
  case "$out" in *"invalid option"*|*"unrecognized option"*) out=$(to nc -w "$T" "$addr" "$port" 2>&1 </dev/null); rc=$? ;; esac
  if [ $rc -eq 0 ]; then line "$id" tcp ok "$addr:$port"; else line "$id" tcp "$(net "$out")" "$addr:$port: $out"; fi
}
http() {
  id=$1; url=$2; host=$3; via=$4
  eval "addr=\${A_$via:-}"; u=$url; h=""
  if [ "$via" != x ] && [ -z "$addr" ]; then line "$id" http dns-failed "$host does not resolve"; return; fi
  if [ -n "$addr" ]; then u=$(printf '%s' "$url" | sed "s#//$host#//$addr#"); h="Host: $host"; fi
  command -v wget >/dev/null 2>&1 || { line "$id" http error "no wget in the debug image"; return; }
  if [ -n "$h" ]; then out=$(to wget -S -O /dev/null -T "$T" --header "$h" "$u" 2>&1); rc=$?; else out=$(to wget -S -O /dev/null -T "$T" "$u" 2>&1); rc=$?; fi
  code=$(printf '%s\n' "$out" | sed -n 's/.*HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' | tail -n 1)
  if [ $rc -eq 0 ]; then line "$id" http ok "${code:-200} $url"
  elif [ -n "$code" ]; then line "$id" http http-error "$code $url"
  else line "$id" http "$(net "$out")" "$url: $out"; fi
}
"#;

/// The script for `probes`: functions, one call per probe, and an end marker.
pub fn script(probes: &[Probe]) -> String {
    let mut s = FUNCTIONS.replace("T=STEP", &format!("T={STEP_SECONDS}"));
    s.push_str(super::written::FUNCTION);
    for p in probes {
        if let Some(words) = &p.written {
            let kind = match p.kind {
                ProbeKind::Http { .. } => "http",
                _ => "tcp",
            };
            s.push_str(&super::written::call(p.id, kind, words, quote));
        }
        let call = match &p.kind {
            ProbeKind::Dns { candidates } => {
                let tool = match p.tool {
                    Tool::Nslookup | Tool::Dig | Tool::Host | Tool::Getent => p.tool.name(),
                    _ => "",
                };
                let mut words = vec![p.id.to_string(), quote(tool), quote(&p.host)];
                words.extend(candidates.iter().map(|c| quote(c)));
                format!("dns {}", words.join(" "))
            }
            ProbeKind::Tcp { port } => format!(
                "tcp {} {} {port} {}",
                p.id,
                quote(&p.host),
                p.resolved_by.map(|v| v.to_string()).unwrap_or("x".into())
            ),
            ProbeKind::Http { url } => format!(
                "http {} {} {} {}",
                p.id,
                quote(url),
                quote(&p.host),
                p.resolved_by.map(|v| v.to_string()).unwrap_or("x".into())
            ),
        };
        s.push_str(&call);
        s.push('\n');
    }
    s.push_str(&format!("printf '{LINE_PREFIX}\\tend\\n'\n"));
    s
}

/// What one probe found inside the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub id: usize,
    pub kind: String,
    /// `ok`, `nxdomain`, `refused`, `timeout`, `dns-failed`, `http-error`, `error`.
    pub result: String,
    /// For DNS: the addresses; otherwise what was reached.
    pub addresses: Vec<String>,
    pub detail: String,
}

impl Outcome {
    pub fn ok(&self) -> bool {
        self.result == "ok"
    }
}

/// The outcomes in a check container's log, and whether it ran to its end marker.
pub fn parse(log: &str) -> (Vec<Outcome>, bool) {
    let mut outcomes = Vec::new();
    let mut complete = false;
    for line in log.lines() {
        let mut fields = line.trim_end_matches('\r').split('\t');
        if fields.next() != Some(LINE_PREFIX) {
            continue;
        }
        let Some(id) = fields.next() else { continue };
        if id == "end" {
            complete = true;
            continue;
        }
        let (Ok(id), Some(kind), Some(result)) = (id.parse(), fields.next(), fields.next()) else {
            continue;
        };
        let rest = fields.collect::<Vec<_>>().join(" ");
        let (addresses, detail) = match (kind, rest.split_once('|')) {
            ("dns", Some((a, d))) => (
                a.split_whitespace().map(str::to_string).collect(),
                d.trim().to_string(),
            ),
            _ => (Vec::new(), rest.trim().to_string()),
        };
        // Shown whole up to a bound, never cut inside a word.
        let detail = crate::text::cap(&detail, DETAIL_CHARS);
        outcomes.push(Outcome {
            id,
            kind: kind.to_string(),
            result: result.to_string(),
            addresses,
            detail,
        });
    }
    (outcomes, complete)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    fn extraction(script: &str) -> Extraction {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"initContainers": [{"name": "wait", "image": "busybox:1.35",
                       "command": ["sh", "-c", script]}],
                     "containers": [{"name": "app", "image": "nginx"}]}
        }))
        .unwrap();
        let c = pod.spec.as_ref().unwrap().init_containers.as_ref().unwrap()[0].clone();
        command::extract(&pod, &c, None)
    }

    #[test]
    fn the_search_path_in_the_resolvers_order() {
        let cases: [(&str, &[&str]); 3] = [
            (
                "mydb",
                &[
                    "mydb.shop.svc.cluster.local",
                    "mydb.svc.cluster.local",
                    "mydb.cluster.local",
                    "mydb",
                ],
            ),
            (
                "db.other",
                &[
                    "db.other.shop.svc.cluster.local",
                    "db.other.svc.cluster.local",
                    "db.other.cluster.local",
                    "db.other",
                ],
            ),
            (
                "db.other.svc.cluster.local.",
                &["db.other.svc.cluster.local"],
            ),
        ];
        for (name, want) in cases {
            assert_eq!(
                search_candidates(name, "shop", "cluster.local"),
                want,
                "{name}"
            );
        }
        assert_eq!(
            search_candidates("db.shop.svc.cluster.local", "shop", "cluster.local")[0],
            "db.shop.svc.cluster.local"
        );
    }

    #[test]
    fn probes_follow_the_extracted_checks() {
        let ex = extraction(
            "until nslookup mydb; do sleep 2; done; until nc -z mydb 5432; do sleep 1; done; wget -q http://api:8080/healthz; sleep 5; nc -z $(HOST) 1",
        );
        let (probes, skipped) = probes(&ex, "shop", "cluster.local");
        let got: Vec<(usize, &str, &str, ProbeKind, Option<usize>)> = probes
            .iter()
            .map(|p| {
                (
                    p.id,
                    p.target.as_str(),
                    p.host.as_str(),
                    p.kind.clone(),
                    p.resolved_by,
                )
            })
            .collect();
        let dns = |n: &str| ProbeKind::Dns {
            candidates: search_candidates(n, "shop", "cluster.local"),
        };
        assert_eq!(
            got,
            vec![
                (0, "mydb", "mydb", dns("mydb"), None),
                (1, "mydb", "mydb", ProbeKind::Tcp { port: 5432 }, Some(0)),
                (2, "api", "api", dns("api"), None),
                (
                    3,
                    "api",
                    "api",
                    ProbeKind::Http {
                        url: "http://api:8080/healthz".into()
                    },
                    Some(2)
                ),
            ]
        );
        assert_eq!(probes[0].tool, Tool::Nslookup);
        assert_eq!(
            skipped,
            [Skipped {
                target: "$(HOST)".into(),
                why: "its value is not known from the pod's spec".into()
            }]
        );
    }

    #[test]
    fn the_script_calls_one_function_per_probe_and_ends_with_a_marker() {
        let ex = extraction("until nc -z mydb 5432; do sleep 1; done");
        let (probes, _) = probes(&ex, "shop", "cluster.local");
        let s = script(&probes);
        let calls: Vec<&str> = s
            .lines()
            .filter(|l| {
                l.starts_with("dns ")
                    || l.starts_with("tcp ")
                    || l.starts_with("written ")
                    || l.starts_with("printf 'initdoctor")
            })
            .collect();
        assert_eq!(
            calls,
            [
                "dns 0 '' 'mydb' 'mydb.shop.svc.cluster.local' 'mydb.svc.cluster.local' 'mydb.cluster.local' 'mydb'",
                // The blocker's command as written first, then the probe of its target.
                "written 1 tcp 'nc' '-z' 'mydb' '5432' || tcp 1 'mydb' 5432 0",
                "printf 'initdoctor-check\\tend\\n'",
            ]
        );
        assert!(s.starts_with("T=5\n"));
    }

    #[test]
    fn hosts_that_are_not_plain_are_never_pasted_into_the_script() {
        assert!(plain_host("my-db_1.shop"));
        assert!(plain_host("10.0.0.1"));
        assert!(plain_host("::1"));
        for bad in ["a'b", "a;b", "$(x)", "", "a b"] {
            assert!(!plain_host(bad), "{bad}");
        }
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn structured_lines_parse_and_noise_is_ignored() {
        let log = "Server: 10.96.0.10\n\
            initdoctor-check\t0\tdns\tok\t10.96.3.4 | nslookup mydb.shop.svc.cluster.local (fully qualified)\n\
            initdoctor-check\t1\ttcp\trefused\t10.96.3.4:5432: nc: 10.96.3.4 (10.96.3.4:5432): Connection refused\r\n\
            initdoctor-check\tx\ttcp\tok\tbad id\n\
            initdoctor-check\t2\tdns\tnxdomain\t| nslookup of a b : ** server can't find a: NXDOMAIN\n\
            initdoctor-check\tend\n";
        let (outcomes, complete) = parse(log);
        assert!(complete);
        let got: Vec<(usize, &str, &str, Vec<String>)> = outcomes
            .iter()
            .map(|o| {
                (
                    o.id,
                    o.kind.as_str(),
                    o.result.as_str(),
                    o.addresses.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (0, "dns", "ok", vec!["10.96.3.4".to_string()]),
                (1, "tcp", "refused", vec![]),
                (2, "dns", "nxdomain", vec![]),
            ]
        );
        assert!(outcomes[0].detail.starts_with("nslookup mydb.shop.svc"));
        assert!(outcomes[1].detail.ends_with("Connection refused"));
        assert!(!parse("initdoctor-check\t0\tdns\tok\t1.2.3.4 | x\n").1);
    }

    #[test]
    fn a_long_detail_is_cut_between_words_and_says_so() {
        let names: Vec<String> = (0..12)
            .map(|i| format!("orders-db-{i}.shop.svc.cluster.local"))
            .collect();
        let detail = format!(
            "| nslookup of {} : ** server can't find orders-db.shop.svc.cluster.local: NXDOMAIN",
            names.join(" ")
        );
        let (outcomes, _) = parse(&format!("initdoctor-check\t0\tdns\tnxdomain\t{detail}\n"));
        let shown = &outcomes[0].detail;
        assert!(shown.chars().count() <= DETAIL_CHARS, "{shown}");
        let (head, marker) = shown.split_once('…').expect("a marker");
        assert!(
            marker.starts_with(" [+") && marker.ends_with(" characters]"),
            "{shown}"
        );
        let whole = detail.trim_start_matches("| ").trim();
        assert!(whole.starts_with(head), "{shown}");
        assert!(
            whole[head.len()..].starts_with(' '),
            "cut between two words: {shown}"
        );
    }

    /// The script itself, run by this machine's `sh` against stub `nslookup` and `nc` that
    /// answer as busybox's do (nothing leaves the machine): its lines parse into the outcomes.
    #[test]
    fn the_script_runs_under_sh_and_its_lines_parse() {
        let dir = std::env::temp_dir().join(format!("initdoctor-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let stub = |name: &str, body: &str| {
            let path = dir.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        stub(
            "nslookup",
            r#"case "$1" in
  mydb.shop.svc.cluster.local) printf 'Server:\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tmydb.shop.svc.cluster.local\nAddress: 10.96.3.4\n' ;;
  *.cluster.local) printf "** server can't find $1: NXDOMAIN\n"; exit 1 ;;
  *) printf "** server can't find $1: SERVFAIL\n"; exit 1 ;;
esac"#,
        );
        stub(
            "nc",
            r#"echo "nc: $4 ($4:$5): Connection refused" >&2; exit 1"#,
        );
        let ex = extraction("until nc -z mydb 5432 && nc -z other 80; do sleep 1; done");
        let (probes, _) = probes(&ex, "shop", "cluster.local");
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script(&probes))
            .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
            .output()
            .expect("sh runs");
        let _ = std::fs::remove_dir_all(&dir);
        let log = String::from_utf8_lossy(&out.stdout);
        let (outcomes, complete) = parse(&log);
        assert!(complete, "{log}");
        let got: Vec<(usize, &str, &str)> = outcomes
            .iter()
            .map(|o| (o.id, o.kind.as_str(), o.result.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (0, "dns", "ok"),
                (1, "tcp", "refused"),
                (2, "dns", "nxdomain"),
                (3, "tcp", "dns-failed")
            ],
            "{log}"
        );
        assert_eq!(outcomes[0].addresses, ["10.96.3.4"]);
        assert!(
            outcomes[0]
                .detail
                .contains("nslookup mydb.shop.svc.cluster.local (fully qualified")
        );
        assert!(
            outcomes[1].detail.starts_with("10.96.3.4:5432"),
            "TCP uses the resolved address: {log}"
        );
    }
}
