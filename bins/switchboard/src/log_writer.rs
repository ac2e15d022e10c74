//! [`LogWriter`]: where log lines go, written to the output by a thread of their own.
//!
//! A line is formatted on the thread that logs it (the request's) and appended to one
//! shared buffer. The writer thread sleeps while the buffer is empty; the first line wakes
//! it, it lets lines gather for up to [`GATHER`] (or until [`GATHER_BYTES`] wait), and
//! writes them all with one `write`. So a slow log pipe never stalls a request, and under
//! load many lines share a system call and a wake-up; a line reaches the output at most
//! about [`GATHER`] after it was logged.
//!
//! It replaced tracing-appender's non-blocking writer, which sends every line as its own
//! allocation through a channel and writes each with its own system call to an
//! unbuffered stderr; its receiver also spins and calls `sched_yield` before it sleeps.
//! Waking the writer for every line instead (no gathering) cut the `write`s but cost
//! more wake-ups and context switches than it saved, on a gateway whose threads share
//! one core (perf tracepoints, closed loop; `docs/performance.md`).
//!
//! The writer thread runs at the lowest priority (nice 19) on Linux, so writing the log
//! waits for a moment the request threads leave free instead of taking their core. Under
//! a load that leaves no such moment it still gets its small share of the core, and once
//! [`MAX_PENDING`] bytes wait the loggers stop and it catches up.
//!
//! It is not lossy: a line that would take the waiting bytes past [`MAX_PENDING`] waits
//! until the writer has taken them. Lines logged after [`LogWriterGuard`] was dropped
//! (the process is ending) are dropped.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// Most bytes waiting for the writer before a logging thread waits for room: a burst of
/// about 2,500 access log lines.
pub const MAX_PENDING: usize = 1 << 20;

/// The buffer capacity kept once a burst is written; more is given back.
const KEPT_CAPACITY: usize = 64 << 10;

/// How long the writer lets lines gather after the first one woke it.
pub const GATHER: Duration = Duration::from_millis(10);

/// Waiting bytes that end the gathering early: a write's worth.
pub const GATHER_BYTES: usize = KEPT_CAPACITY;

/// [`Pending::wake_at`] when no line needs to wake the writer (it is awake and writing).
const AWAKE: usize = usize::MAX;

/// What the logging threads and the writer share, behind one lock.
struct Pending {
    /// Lines not yet taken by the writer.
    bytes: Vec<u8>,
    /// A logger that leaves at least this many bytes waiting wakes the writer: 1 while
    /// it sleeps on an empty buffer, [`GATHER_BYTES`] while it gathers, [`AWAKE`] while
    /// it writes.
    wake_at: usize,
    /// Logging threads asleep waiting for room.
    loggers_asleep: usize,
    /// The guard was dropped: the writer writes what is left and ends.
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    /// Wakes the writer: lines arrived, or the guard was dropped.
    lines: Condvar,
    /// Wakes logging threads: the writer took the waiting bytes.
    room: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Nothing panics while holding the lock; if something did, the buffer is still
        // a buffer of whole lines.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The log's writer (a [`MakeWriter`] for tracing-subscriber); cheap to clone.
#[derive(Clone)]
pub struct LogWriter {
    shared: Arc<Shared>,
}

/// Keeps the writer thread; dropping it writes the lines still waiting and ends it.
pub struct LogWriterGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LogWriter {
    /// Starts a thread named `name` that writes the log's lines to `out`.
    pub fn spawn<W: Write + Send + 'static>(
        out: W,
        name: &str,
    ) -> io::Result<(LogWriter, LogWriterGuard)> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                bytes: Vec::with_capacity(KEPT_CAPACITY),
                wake_at: AWAKE,
                loggers_asleep: 0,
                closed: false,
            }),
            lines: Condvar::new(),
            room: Condvar::new(),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || write_until_closed(&shared, out))?
        };
        let writer = LogWriter {
            shared: Arc::clone(&shared),
        };
        let guard = LogWriterGuard {
            shared,
            thread: Some(thread),
        };
        Ok((writer, guard))
    }

    /// Appends `line` to the waiting bytes, first waiting for room if they are full.
    fn append(&self, line: &[u8]) {
        let mut pending = self.shared.lock();
        // A line longer than the limit goes in when nothing else waits, or it would
        // wait forever.
        while !pending.closed
            && !pending.bytes.is_empty()
            && pending.bytes.len() + line.len() > MAX_PENDING
        {
            pending.loggers_asleep += 1;
            if pending.wake_at != AWAKE {
                // The writer is gathering: it must write now.
                pending.wake_at = AWAKE;
                self.shared.lines.notify_one();
            }
            pending = self
                .shared
                .room
                .wait(pending)
                .unwrap_or_else(|p| p.into_inner());
            pending.loggers_asleep -= 1;
        }
        if pending.closed {
            return;
        }
        pending.bytes.extend_from_slice(line);
        if pending.bytes.len() >= pending.wake_at {
            pending.wake_at = AWAKE;
            drop(pending);
            self.shared.lines.notify_one();
        }
    }
}

/// The writer thread: sleeps until a line arrives, lets lines gather, writes them, and
/// goes on until the guard is dropped and nothing is left.
fn write_until_closed<W: Write>(shared: &Shared, mut out: W) {
    lower_priority();
    let mut batch = Vec::with_capacity(KEPT_CAPACITY);
    loop {
        let mut pending = shared.lock();
        while pending.bytes.is_empty() && !pending.closed {
            pending.wake_at = 1;
            pending = shared
                .lines
                .wait(pending)
                .unwrap_or_else(|p| p.into_inner());
        }
        if pending.bytes.is_empty() {
            // Closed, and everything written.
            break;
        }
        pending = gather(shared, pending);
        pending.wake_at = AWAKE;
        std::mem::swap(&mut pending.bytes, &mut batch);
        let wake_loggers = pending.loggers_asleep > 0;
        drop(pending);
        if wake_loggers {
            shared.room.notify_all();
        }
        // A failed write (a closed pipe) loses these lines but not later ones, as with
        // an unbuffered stderr; there is nowhere else to report it.
        let _ = out.write_all(&batch).and_then(|()| out.flush());
        batch.clear();
        batch.shrink_to(KEPT_CAPACITY);
    }
}

/// Waits up to [`GATHER`] for more lines, ending early once [`GATHER_BYTES`] wait, a
/// logger waits for room, or the guard is dropped.
fn gather<'a>(shared: &'a Shared, mut pending: MutexGuard<'a, Pending>) -> MutexGuard<'a, Pending> {
    let deadline = Instant::now() + GATHER;
    loop {
        if pending.closed || pending.loggers_asleep > 0 || pending.bytes.len() >= GATHER_BYTES {
            return pending;
        }
        let Some(left) = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
        else {
            return pending;
        };
        pending.wake_at = GATHER_BYTES;
        pending = shared
            .lines
            .wait_timeout(pending, left)
            .map_or_else(|p| p.into_inner().0, |(guard, _)| guard);
    }
}

/// Gives the calling thread the lowest scheduling priority: on Linux `setpriority` with
/// `PRIO_PROCESS` and 0 applies to the calling thread alone. Raising a nice value needs
/// no privilege; should it fail, the thread keeps its priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    let _ = rustix::process::setpriority_process(None, 19);
}

impl Drop for LogWriterGuard {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.lines.notify_one();
        self.shared.room.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Write for &LogWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.append(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for LogWriter {
    type Writer = &'a LogWriter;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

#[cfg(test)]
mod tests;
