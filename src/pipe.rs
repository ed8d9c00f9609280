//! A closed pipe ends the command at once. `explain -A -o json | head -c 100`: once `head` has
//! what it wants and exits, nothing the command still computes or reads can reach anyone, so it
//! stops then — not at its next write, which may be minutes away behind slow reads.
//!
//! A thread waits (`poll`, no timeout, no CPU) for the kernel to report an error or hang-up on
//! standard output; it only watches a pipe or a socket (a terminal or a file never closes so).

use std::os::fd::AsRawFd;

/// Start watching standard output; `on_close` runs when its reader is gone (it should end
/// the process).
pub fn watch_stdout(on_close: fn()) {
    let fd = std::io::stdout().as_raw_fd();
    if !is_pipe_or_socket(fd) {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("stdout-watch".into())
        .spawn(move || {
            if wait_closed(fd) {
                on_close();
            }
        });
}

fn is_pipe_or_socket(fd: i32) -> bool {
    // SAFETY: `fstat` writes only into the zeroed buffer we own.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    if unsafe { libc::fstat(fd, &raw mut st) } != 0 {
        return false;
    }
    let kind = st.st_mode & libc::S_IFMT;
    kind == libc::S_IFIFO || kind == libc::S_IFSOCK
}

/// Block until `fd` reports an error or hang-up (its reader closed); false when `poll` fails.
fn wait_closed(fd: i32) -> bool {
    loop {
        let mut pfd = libc::pollfd {
            fd,
            // No events asked: only POLLERR / POLLHUP, which are always reported.
            events: 0,
            revents: 0,
        };
        // SAFETY: one valid pollfd, owned here.
        let n = unsafe { libc::poll(&raw mut pfd, 1, -1) };
        if n < 0 {
            if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return false;
        }
        if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 {
            return pfd.revents & libc::POLLNVAL == 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_whose_reader_closed_is_seen_at_once() {
        let mut fds = [0i32; 2];
        // SAFETY: two fds written into our array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (read, write) = (fds[0], fds[1]);
        assert!(is_pipe_or_socket(write));
        let watcher = std::thread::spawn(move || wait_closed(write));
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert!(!watcher.is_finished(), "an open pipe is not closed");
        // SAFETY: closing fds we own.
        unsafe { libc::close(read) };
        assert!(watcher.join().expect("watcher"));
        unsafe { libc::close(write) };
    }
}
