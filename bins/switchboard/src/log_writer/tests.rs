use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use super::*;

/// An output that keeps what it is given and counts the `write` calls; it can be held
/// shut (every write waits until it is opened) and can fail its first write.
#[derive(Clone, Default)]
struct Sink {
    data: Arc<Mutex<Vec<u8>>>,
    writes: Arc<AtomicUsize>,
    gate: Arc<(Mutex<bool>, Condvar)>,
    fail_first: Arc<Mutex<bool>>,
}

impl Sink {
    fn shut() -> Self {
        let sink = Sink::default();
        *sink.gate.0.lock().unwrap() = true;
        sink
    }

    fn open(&self) {
        *self.gate.0.lock().unwrap() = false;
        self.gate.1.notify_all();
    }

    fn text(&self) -> String {
        String::from_utf8(self.data.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut shut = self.gate.0.lock().unwrap();
        while *shut {
            shut = self.gate.1.wait(shut).unwrap();
        }
        self.writes.fetch_add(1, Ordering::SeqCst);
        if std::mem::take(&mut *self.fail_first.lock().unwrap()) {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
        }
        self.data.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn log(writer: &LogWriter, line: &str) {
    writer.make_writer().write_all(line.as_bytes()).unwrap();
}

/// Waits (at most 10 s) until `done` holds.
fn eventually(done: impl Fn() -> bool) {
    for _ in 0..1000 {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("not done after 10 s");
}

/// A writer whose thread took `first` and is stuck writing it to a shut output: lines
/// logged now wait in the buffer until the sink is opened.
fn busy_writer(first: &str) -> (Sink, LogWriter, LogWriterGuard) {
    let sink = Sink::shut();
    let (writer, guard) = LogWriter::spawn(sink.clone(), "test-log").unwrap();
    log(&writer, first);
    eventually(|| writer.shared.lock().bytes.is_empty());
    (sink, writer, guard)
}

#[test]
fn every_line_is_written_whole_and_in_each_threads_order() {
    let sink = Sink::default();
    let (writer, guard) = LogWriter::spawn(sink.clone(), "test-log").unwrap();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let writer = writer.clone();
            scope.spawn(move || {
                for i in 0..2_000 {
                    log(
                        &writer,
                        &format!("thread={t} line={i} {}\n", "x".repeat(i % 97)),
                    );
                }
            });
        }
    });
    drop(guard);
    let text = sink.text();
    let mut next = [0usize; 4];
    for line in text.lines() {
        let mut words = line.split(' ');
        let t: usize = words.next().unwrap()["thread=".len()..].parse().unwrap();
        let i: usize = words.next().unwrap()["line=".len()..].parse().unwrap();
        assert_eq!(i, next[t], "thread {t} out of order or a line lost");
        assert_eq!(
            words.next().unwrap_or(""),
            "x".repeat(i % 97),
            "line cut: {line}"
        );
        next[t] += 1;
    }
    assert_eq!(next, [2_000; 4]);
}

#[test]
fn lines_that_gather_while_the_output_is_busy_go_out_in_one_write() {
    // The writer took the first line and waits on the shut output; these gather.
    let (sink, writer, guard) = busy_writer("first\n");
    for i in 0..100 {
        log(&writer, &format!("line {i}\n"));
    }
    sink.open();
    eventually(|| sink.text().lines().count() == 101);
    assert_eq!(sink.writes.load(Ordering::SeqCst), 2);
    drop(guard);
}

#[test]
fn a_logger_waits_for_room_and_loses_nothing() {
    let (sink, writer, guard) = busy_writer("taken\n");
    // Fill the waiting bytes to the limit, then one more line must wait.
    let line = format!("{}\n", "y".repeat(1023));
    for _ in 0..MAX_PENDING / line.len() {
        log(&writer, &line);
    }
    let (done_tx, done_rx) = mpsc::channel();
    let logger = {
        let writer = writer.clone();
        let line = line.clone();
        std::thread::spawn(move || {
            log(&writer, &line);
            done_tx.send(()).unwrap();
        })
    };
    assert!(
        done_rx.recv_timeout(Duration::from_millis(200)).is_err(),
        "the line went past the limit"
    );
    assert_eq!(writer.shared.lock().loggers_asleep, 1);
    sink.open();
    done_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    logger.join().unwrap();
    drop(guard);
    assert_eq!(
        sink.text().lines().count(),
        1 + MAX_PENDING / line.len() + 1
    );
}

#[test]
fn a_line_longer_than_the_limit_still_goes_out() {
    let sink = Sink::default();
    let (writer, guard) = LogWriter::spawn(sink.clone(), "test-log").unwrap();
    let long = format!("{}\n", "z".repeat(MAX_PENDING * 2));
    log(&writer, &long);
    log(&writer, "after\n");
    drop(guard);
    assert_eq!(sink.text(), format!("{long}after\n"));
}

#[test]
fn dropping_the_guard_writes_what_waits_then_later_lines_are_dropped() {
    let (sink, writer, guard) = busy_writer("one\n");
    log(&writer, "two\n");
    let closing = std::thread::spawn(move || drop(guard));
    eventually(|| writer.shared.lock().closed);
    sink.open();
    closing.join().unwrap();
    assert_eq!(sink.text(), "one\ntwo\n");
    log(&writer, "three\n");
    assert_eq!(sink.text(), "one\ntwo\n");
}

#[test]
fn a_failed_write_loses_only_its_own_lines() {
    let sink = Sink::default();
    *sink.fail_first.lock().unwrap() = true;
    let (writer, guard) = LogWriter::spawn(sink.clone(), "test-log").unwrap();
    log(&writer, "lost\n");
    eventually(|| sink.writes.load(Ordering::SeqCst) == 1);
    log(&writer, "kept\n");
    drop(guard);
    assert_eq!(sink.text(), "kept\n");
}

#[test]
fn the_writer_thread_has_its_name_and_the_lowest_priority() {
    let (name_tx, name_rx) = mpsc::channel();
    struct Named(mpsc::Sender<(String, i32)>);
    impl Write for Named {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let name = std::thread::current().name().unwrap_or("").to_owned();
            let nice = rustix::process::getpriority_process(None).unwrap();
            let _ = self.0.send((name, nice));
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let own = rustix::process::getpriority_process(None).unwrap();
    let (writer, guard) = LogWriter::spawn(Named(name_tx), "switchboard-log").unwrap();
    log(&writer, "x\n");
    let (name, nice) = name_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(name, "switchboard-log");
    if cfg!(target_os = "linux") {
        assert_eq!(nice, 19);
        // The thread that started it keeps its priority.
        assert_eq!(rustix::process::getpriority_process(None).unwrap(), own);
    }
    drop(guard);
}

#[test]
fn lines_logged_together_share_a_write_and_a_lone_line_still_goes_out() {
    let sink = Sink::default();
    let (writer, guard) = LogWriter::spawn(sink.clone(), "test-log").unwrap();
    // Fifty lines logged back to back take far less than GATHER: the first wakes the
    // writer, which gathers the rest. (Ten writes would need them to take 90 ms.)
    for i in 0..50 {
        log(&writer, &format!("line {i}\n"));
    }
    eventually(|| sink.text().lines().count() == 50);
    let writes = sink.writes.load(Ordering::SeqCst);
    assert!(writes < 10, "{writes} writes for 50 lines");
    // A line alone goes out when the gathering time is over, with nothing after it.
    log(&writer, "alone\n");
    eventually(|| sink.text().ends_with("alone\n"));
    assert_eq!(sink.writes.load(Ordering::SeqCst), writes + 1);
    drop(guard);
}
