//! Local stand-ins for a hostile environment, all on 127.0.0.1: HTTP servers that misbehave in
//! one way each, and proxies (HTTP CONNECT, SOCKS5) that count what they forward and forward
//! only to 127.0.0.1, whatever host they are asked for.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How one of the fake servers answers a connection.
#[derive(Debug, Clone, Copy)]
pub enum Server {
    /// A 200 whose body never ends, as fast as it can be written.
    Endless,
    /// A 200 whose body drips one byte every half second.
    Slow,
    /// Reads the request and never answers.
    Silent,
    /// Closes the connection at once.
    Close,
    /// Answers with bytes that are not HTTP.
    Garbage,
    /// Answers before reading (so a TLS client gets plain HTTP back).
    PlainHttpAtOnce,
    /// A fixed status, content type and body.
    Fixed(u16, &'static str, &'static str),
    /// An answer chosen from the request line (`GET /api/v1/… HTTP/1.1`).
    Route(fn(&str) -> Reply),
}

/// What a [`Server::Route`] answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A status and a JSON body.
    Json(u16, String),
    /// A 200 whose body never ends.
    Endless,
}

/// Start `server` on 127.0.0.1; its port.
pub fn serve(server: Server) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a fake server");
    let port = listener.local_addr().expect("local addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(server, stream));
        }
    });
    port
}

fn read_head(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 65536 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn answer(server: Server, mut stream: TcpStream) {
    match server {
        Server::Close => {
            let _ = stream.shutdown(Shutdown::Both);
        }
        Server::PlainHttpAtOnce => {
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            std::thread::sleep(Duration::from_secs(1));
        }
        Server::Silent => {
            read_head(&mut stream);
            std::thread::sleep(Duration::from_secs(120));
        }
        Server::Garbage => {
            read_head(&mut stream);
            let _ = stream.write_all(b"\x00\x01\x02 this is not HTTP \x1b[2J\r\n\r\n");
        }
        Server::Endless => {
            read_head(&mut stream);
            endless(&mut stream);
        }
        Server::Slow => {
            read_head(&mut stream);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
            );
            for _ in 0..240 {
                std::thread::sleep(Duration::from_millis(500));
                if stream.write_all(b" ").is_err() {
                    break;
                }
            }
        }
        Server::Route(route) => {
            let head = read_head(&mut stream);
            let line = head.lines().next().unwrap_or("").to_string();
            match route(&line) {
                Reply::Endless => endless(&mut stream),
                Reply::Json(code, body) => {
                    let _ = stream.write_all(
                        format!(
                            "HTTP/1.1 {code} Status\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    );
                }
            }
        }
        Server::Fixed(code, content_type, body) => {
            read_head(&mut stream);
            let reason = match code {
                200 => "OK",
                401 => "Unauthorized",
                404 => "Not Found",
                429 => "Too Many Requests",
                500 => "Internal Server Error",
                503 => "Service Unavailable",
                _ => "Status",
            };
            let _ = stream.write_all(
                format!(
                    "HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\nRetry-After: 1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    }
}

/// A server that answers its first `refusals` requests 429 as the API server's own throttling
/// does (`--max-requests-inflight`, API Priority and Fairness: a plain-text body, the wait in
/// the `Retry-After` header only), then 200 with `body`; it records when each request came.
pub struct Throttled {
    pub port: u16,
    arrivals: Arc<std::sync::Mutex<Vec<(Instant, String)>>>,
}

impl Throttled {
    /// When each request came, and its request line.
    pub fn arrivals(&self) -> Vec<(Instant, String)> {
        self.arrivals.lock().expect("arrivals").clone()
    }
}

pub fn throttled(refusals: usize, retry_after: u32, body: &'static str) -> Throttled {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a fake server");
    let port = listener.local_addr().expect("local addr").port();
    let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = arrivals.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let seen = seen.clone();
            std::thread::spawn(move || {
                // One request per connection (`Connection: close`).
                let head = read_head(&mut stream);
                let line = head.lines().next().unwrap_or("").to_string();
                let n = {
                    let mut seen = seen.lock().expect("arrivals");
                    seen.push((Instant::now(), line));
                    seen.len()
                };
                let answer = if n <= refusals {
                    let text = "Too many requests, please try again later.\n";
                    format!(
                        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: {retry_after}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                        text.len()
                    )
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                let _ = stream.write_all(answer.as_bytes());
            });
        }
    });
    Throttled { port, arrivals }
}

/// A 200 whose body never ends (4 GiB at most), as fast as it can be written.
fn endless(stream: &mut TcpStream) {
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    let chunk = vec![b' '; 1 << 20];
    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
    framed.extend_from_slice(&chunk);
    framed.extend_from_slice(b"\r\n");
    let _ = stream.write_all(b"1\r\n[\r\n");
    // Stop after 4 GiB at most, so a broken client cannot keep the thread forever.
    for _ in 0..4096 {
        if stream.write_all(&framed).is_err() {
            break;
        }
    }
}

/// A proxy that counts the connections it forwarded.
pub struct Proxy {
    pub port: u16,
    count: Arc<AtomicUsize>,
}

impl Proxy {
    pub fn forwarded(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// An HTTP CONNECT proxy: tunnels `CONNECT host:port` to 127.0.0.1:port.
pub fn connect_proxy() -> Proxy {
    proxy(|stream| {
        let head = read_head(stream);
        let target = head.split_whitespace().nth(1)?.to_string();
        if !head.starts_with("CONNECT ") {
            return None;
        }
        let port: u16 = target.rsplit(':').next()?.parse().ok()?;
        let upstream = TcpStream::connect(("127.0.0.1", port)).ok()?;
        stream
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .ok()?;
        Some(upstream)
    })
}

/// A SOCKS5 proxy (no authentication): connects to 127.0.0.1 and the port asked for.
pub fn socks5_proxy() -> Proxy {
    proxy(|stream| {
        let mut greeting = [0u8; 2];
        stream.read_exact(&mut greeting).ok()?;
        let mut methods = vec![0u8; greeting[1] as usize];
        stream.read_exact(&mut methods).ok()?;
        stream.write_all(&[5, 0]).ok()?;
        let mut request = [0u8; 4];
        stream.read_exact(&mut request).ok()?;
        let skip = match request[3] {
            1 => 4,
            4 => 16,
            3 => {
                let mut len = [0u8; 1];
                stream.read_exact(&mut len).ok()?;
                len[0] as usize
            }
            _ => return None,
        };
        let mut addr = vec![0u8; skip];
        stream.read_exact(&mut addr).ok()?;
        let mut port = [0u8; 2];
        stream.read_exact(&mut port).ok()?;
        let upstream = TcpStream::connect(("127.0.0.1", u16::from_be_bytes(port))).ok()?;
        stream.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).ok()?;
        Some(upstream)
    })
}

fn proxy(handshake: fn(&mut TcpStream) -> Option<TcpStream>) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a proxy");
    let port = listener.local_addr().expect("local addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || {
                let Some(upstream) = handshake(&mut client) else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                pipe(client, upstream);
            });
        }
    });
    Proxy { port, count }
}

fn pipe(a: TcpStream, b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().expect("clone"), b.try_clone().expect("clone"));
    let (mut a, mut b) = (a, b);
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut a, &mut b2);
        let _ = b2.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut b, &mut a2);
    let _ = a2.shutdown(Shutdown::Write);
    let _ = up.join();
}

/// A name other than `localhost` that /etc/hosts maps to a loopback address: a server named so
/// is proxied (only `localhost` and loopback IPs are exempt), and reached on 127.0.0.1 if not.
pub fn loopback_alias() -> String {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    hosts
        .lines()
        .filter(|l| l.trim_start().starts_with("127."))
        .flat_map(|l| {
            l.split_whitespace()
                .skip(1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .find(|name| name != "localhost" && !name.starts_with("localhost"))
        .expect(
            "the proxy tests need a name other than localhost mapped to 127.0.0.1 in /etc/hosts",
        )
}

/// How a run ended, and how long it took.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub took: Duration,
}

/// Run the binary with exactly `vars` (plus HOME, PATH), killed after `limit`.
pub fn run(args: &[String], vars: &[(String, String)], limit: Duration) -> Outcome {
    let home = std::env::temp_dir().join(format!(
        "initdoctor-hostile-home-{}",
        super::common::random_suffix()
    ));
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = Command::new(super::common::binary());
    cmd.env_clear()
        .env("HOME", &home)
        .env("PATH", "/usr/bin:/bin")
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = cmd.spawn().expect("spawn kubectl-initdoctor");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stderr.read_to_end(&mut v);
        v
    });
    let code = loop {
        if let Some(status) = child.try_wait().expect("poll") {
            break status.code().unwrap_or(-1);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break -9;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    let _ = std::fs::remove_dir_all(home);
    Outcome {
        code,
        stdout,
        stderr,
        took,
    }
}

/// A scratch directory for kubeconfigs and plugins.
pub fn scratch(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "initdoctor-{prefix}-{}",
        super::common::random_suffix()
    ));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Write an executable shell script.
pub fn script(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}
