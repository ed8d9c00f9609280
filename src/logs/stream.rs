//! One attempt of one container read (or followed): the stream [`crate::cluster`] opens
//! (`pods/log`, [`Cluster::open_log`]) read in bounded chunks, resumed from the last timestamp
//! when it drops or stalls.

use std::sync::Arc;
use std::time::Duration;

use futures::AsyncReadExt;
use tokio::sync::mpsc::Sender;

use super::lines::{Admit, Cursor, Framer, Piece, kubelet_notice, split_timestamp};
use super::output::{Line, Out, Tag};
use crate::cluster::Cluster;
use crate::cluster::logs::LogRequest;
use crate::error::{Error, Result};
use crate::logplan;

/// Reconnections in a row that bring nothing new before a follow gives up.
const MAX_RESUMES: u32 = 5;
const READ_CHUNK: usize = 64 << 10;

/// What to read.
#[derive(Debug, Clone)]
pub struct Request {
    pub pod: String,
    pub container: String,
    /// The instance (restart count) being read, to tell a drop from its end.
    pub restarts: i32,
    pub previous: bool,
    pub follow: bool,
    pub tail: Option<i64>,
    pub since_seconds: Option<i64>,
    pub since_time: Option<jiff::Timestamp>,
}

/// How a read ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Everything was read; `bytes` of content were printed.
    Done { bytes: u64 },
    /// The kubelet has nothing to serve (its words).
    NotStarted(String),
    /// The kubelet answered with its notice instead of the log (its words, made safe; see
    /// [`super::lines::kubelet_notice`]); `bytes` of content were printed before it.
    Unavailable { notice: String, bytes: u64 },
    /// The pod went away while it was followed.
    PodGone,
}

/// Read one attempt, sending its lines to `tx`.
pub async fn read(
    cluster: &Cluster,
    namespace: &str,
    req: &Request,
    tag: Arc<Tag>,
    tx: &Sender<Out>,
) -> Result<End> {
    // A read that brings nothing for this long is checked on (and resumed if it stalled).
    let idle = cluster
        .timeout()
        .clamp(Duration::from_secs(5), Duration::from_secs(300));
    let mut cursor = Cursor::default();
    let mut framer = Framer::new();
    let mut printed: u64 = 0;
    let mut notice: Option<String> = None;
    let mut resumes = 0u32;
    let mut follow = req.follow;
    let mut previous = req.previous;
    loop {
        let mut params = LogRequest {
            container: req.container.clone(),
            follow,
            previous,
            tail_lines: req.tail.filter(|t| *t >= 0),
            since_seconds: req.since_seconds,
            since_time: req.since_time,
        };
        if cursor.started() {
            params.tail_lines = None;
            params.since_seconds = None;
            params.since_time = cursor.since();
            cursor.resume();
        }
        let opened = cluster.open_log(namespace, &req.pod, &params).await;
        let stream = match opened {
            Ok(stream) => stream,
            Err(Error::Api {
                code: 400, message, ..
            }) => {
                return Ok(if cursor.started() {
                    done(printed, notice)
                } else {
                    End::NotStarted(message)
                });
            }
            Err(err) if transient(&err) && resumes < MAX_RESUMES => {
                resumes += 1;
                tokio::time::sleep(backoff(resumes)).await;
                continue;
            }
            Err(Error::NotFound { .. }) if follow => return Ok(End::PodGone),
            Err(err) => return Err(err),
        };
        let mut stream = Box::pin(stream);
        let mut buf = vec![0u8; READ_CHUNK];
        let before = printed;
        // A log read without --follow is one request: it ends within --request-timeout, as
        // kubectl's does (a server whose body never ends cannot hold it).
        let deadline = (!follow).then(|| tokio::time::Instant::now() + cluster.timeout());
        let ended_cleanly = loop {
            if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                return Err(cluster.timed_out("get", "pods/log"));
            }
            match tokio::time::timeout(idle, stream.read(&mut buf)).await {
                Ok(Ok(0)) => break true,
                Ok(Ok(n)) => {
                    let mut pieces = Vec::new();
                    framer.push(&buf[..n], &mut pieces);
                    printed += send(&mut cursor, pieces, &tag, tx, &mut notice).await?;
                }
                // A read error or a stall: the stream is resumed below.
                Ok(Err(_)) | Err(_) => break false,
            }
        };
        drop(stream);
        if printed > before {
            resumes = 0;
        }
        if !follow && ended_cleanly {
            printed += send(
                &mut cursor,
                framer.finish().into_iter().collect(),
                &tag,
                tx,
                &mut notice,
            )
            .await?;
            return Ok(done(printed, notice));
        }
        // A follow ended, or a read broke: is the instance still there?
        let pod = match cluster.get_pod(namespace, &req.pod).await {
            Ok(pod) => pod,
            Err(Error::NotFound { .. }) => return Ok(End::PodGone),
            Err(err) if transient(&err) && resumes < MAX_RESUMES => {
                resumes += 1;
                framer.reset();
                tokio::time::sleep(backoff(resumes)).await;
                continue;
            }
            Err(err) => return Err(err),
        };
        if resumes >= MAX_RESUMES {
            return Err(Error::Unavailable(format!(
                "the log stream of container {:?} keeps breaking ({MAX_RESUMES} reconnections brought nothing new); try again",
                req.container
            )));
        }
        resumes += 1;
        if follow && !req.previous && logplan::still_running(&pod, &req.container, req.restarts) {
            framer.reset();
            if ended_cleanly {
                // The kubelet ended the follow but the API still says running: seen on a real
                // node when an instance exits, the status lagging a second or two behind. Give
                // it that time before following again.
                tokio::time::sleep(backoff(resumes)).await;
            }
            continue; // Dropped or stalled while running: follow again from the cursor.
        }
        if follow && ended_cleanly {
            // The kubelet ended the follow because the instance ended: all of it was sent.
            printed += send(
                &mut cursor,
                framer.finish().into_iter().collect(),
                &tag,
                tx,
                &mut notice,
            )
            .await?;
            return Ok(done(printed, notice));
        }
        framer.reset();
        // The stream broke as the instance ended: one last read from the cursor drains it (from
        // the previous attempt once a new one has started; replaced twice, it is gone).
        follow = false;
        if !req.previous && logplan::restarted_since(&pod, &req.container, req.restarts) {
            if logplan::restarted_since(&pod, &req.container, req.restarts + 1) {
                return Ok(done(printed, notice));
            }
            previous = true;
        }
    }
}

/// How a read that got to its end ended: the kubelet's notice when it sent one.
fn done(bytes: u64, notice: Option<String>) -> End {
    match notice {
        Some(notice) => End::Unavailable { notice, bytes },
        None => End::Done { bytes },
    }
}

/// Turn pieces into lines, dropping those a resume repeats and keeping the kubelet's notice
/// apart (in `notice`, never as a line); the content bytes sent.
async fn send(
    cursor: &mut Cursor,
    pieces: Vec<Piece>,
    tag: &Arc<Tag>,
    tx: &Sender<Out>,
    notice: &mut Option<String>,
) -> Result<u64> {
    if pieces.is_empty() {
        return Ok(0);
    }
    let mut lines = Vec::with_capacity(pieces.len());
    let mut bytes = 0u64;
    for piece in pieces {
        if let Some(text) = kubelet_notice(&piece) {
            *notice = Some(text);
            continue;
        }
        let (at, time, content) = match piece.starts_line.then(|| split_timestamp(&piece.bytes)) {
            Some(Some((at, text, content))) => (Some(at), Some(text.to_string()), content),
            _ => (None, None, piece.bytes.as_slice()),
        };
        match cursor.admit(at, &piece, content.len()) {
            Admit::Skip => {}
            Admit::From(skip) => {
                let content = &content[skip..];
                bytes += content.len() as u64;
                lines.push(Line {
                    time,
                    starts_line: piece.starts_line && skip == 0,
                    content: content.to_vec(),
                });
            }
        }
    }
    if !lines.is_empty() && tx.send(Out::Lines(tag.clone(), lines)).await.is_err() {
        return Err(Error::io(
            "writing to stdout",
            std::io::Error::from(std::io::ErrorKind::BrokenPipe),
        ));
    }
    Ok(bytes)
}

fn transient(err: &Error) -> bool {
    match err {
        Error::Unreachable { .. } | Error::Timeout { .. } => true,
        Error::Api { code, .. } => *code == 0 || *code == 429 || *code >= 500,
        _ => false,
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(400 * u64::from(attempt.min(10)))
}
