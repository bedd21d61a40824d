//! `fundsgate batch` plumbing: stdin to stdout in chunks of whole lines,
//! answered in order, on one thread or several.
//!
//! Memory stays flat whatever the input size: the input is read in chunks of
//! about [`CHUNK`] bytes (a longer line grows its chunk), and at most a fixed
//! number of chunks are in flight at once.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

/// Bytes read at a time.
pub const CHUNK: usize = 1 << 20;

/// Reads `input` as chunks of whole lines.
pub struct Chunker<R> {
    input: R,
    carry: Vec<u8>,
    eof: bool,
    /// A line longer than this is cut to `max_line + 1` bytes (so that it is
    /// still longer, and answered with an error) and the rest of it is
    /// skipped as it is read: memory stays bounded whatever the input.
    max_line: usize,
}

impl<R: Read> Chunker<R> {
    pub fn new(input: R, max_line: usize) -> Self {
        Chunker {
            input,
            carry: Vec::new(),
            eof: false,
            max_line,
        }
    }

    /// Reads into `buf[from..]`, retrying on EINTR; the count read.
    fn read_at(&mut self, buf: &mut Vec<u8>, from: usize) -> io::Result<usize> {
        buf.resize(from.saturating_add(CHUNK), 0);
        let n = loop {
            match self.input.read(buf.get_mut(from..).unwrap_or_default()) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        buf.truncate(from.saturating_add(n));
        Ok(n)
    }

    /// Replaces `chunk` with the next whole lines, newlines included (at the
    /// end of the input the last line may lack its newline). `false` once
    /// the input is exhausted.
    #[expect(
        clippy::indexing_slicing,
        reason = "`start ≤ chunk.len()` after each read, and `cut ≤ chunk.len()` since it \
                  follows a newline found in the chunk; a wrong index must stop the batch, \
                  never read an empty buffer as the end of the input"
    )]
    pub fn next_into(&mut self, chunk: &mut Vec<u8>) -> io::Result<bool> {
        chunk.clear();
        chunk.append(&mut self.carry);
        loop {
            if self.eof {
                return Ok(!chunk.is_empty());
            }
            let start = chunk.len();
            let n = self.read_at(chunk, start)?;
            if n == 0 {
                self.eof = true;
                continue;
            }
            let fresh = &chunk[start..];
            if let Some(last) = memchr::memrchr(b'\n', fresh) {
                let cut = start.saturating_add(last).saturating_add(1);
                self.carry.extend_from_slice(&chunk[cut..]);
                chunk.truncate(cut);
                return Ok(true);
            }
            // No newline yet: the chunk is one line (the carry is the start
            // of one), longer than what was read.
            let keep = self.max_line.saturating_add(1);
            if chunk.len() > keep {
                chunk.truncate(keep);
                if self.skip_line()? {
                    chunk.push(b'\n');
                    return Ok(true);
                }
            }
        }
    }

    /// Skips the rest of an overlong line; `true` when its newline was
    /// found (what follows it is carried), `false` at the end of the input.
    #[expect(
        clippy::indexing_slicing,
        reason = "`at < scratch.len()`: a position memchr found in it"
    )]
    fn skip_line(&mut self) -> io::Result<bool> {
        let mut scratch = Vec::new();
        loop {
            if self.read_at(&mut scratch, 0)? == 0 {
                self.eof = true;
                return Ok(false);
            }
            if let Some(at) = memchr::memchr(b'\n', &scratch) {
                self.carry
                    .extend_from_slice(&scratch[at.saturating_add(1)..]);
                return Ok(true);
            }
        }
    }
}

/// Answers one request line by appending one answer line to the buffer:
/// `Batch::answer`, or its serde-only twin for measurements.
pub type Answer<'a> = dyn Fn(&[u8], &mut Vec<u8>) + Sync + 'a;

/// Appends one answer line per line of `chunk` to `out`.
pub fn answer_chunk(answer: &Answer<'_>, chunk: &[u8], out: &mut Vec<u8>) {
    each_line(chunk, |line| answer(line, out));
}

/// Answers every line of `input` on this thread.
pub fn run_serial(
    answer: &Answer<'_>,
    max_line: usize,
    input: impl Read,
    output: &mut impl Write,
) -> io::Result<()> {
    let mut chunker = Chunker::new(input, max_line);
    let mut chunk = Vec::new();
    let mut answers = Vec::new();
    while chunker.next_into(&mut chunk)? {
        answers.clear();
        answer_chunk(answer, &chunk, &mut answers);
        output.write_all(&answers)?;
        // A caller feeding lines one at a time sees each answer at once.
        output.flush()?;
    }
    Ok(())
}

/// Answers every line of `input` on `jobs` worker threads, writing the
/// answers in input order. One thread reads, `jobs` answer, the calling
/// thread writes; at most `2 × jobs + 2` chunks are in flight.
pub fn run_parallel(
    answer: &Answer<'_>,
    jobs: usize,
    max_line: usize,
    input: impl Read + Send,
    output: &mut impl Write,
) -> io::Result<()> {
    let in_flight = jobs.saturating_mul(2).saturating_add(2);
    let (permit_tx, permit_rx) = permits(in_flight)?;
    let (work_tx, work_rx) = sync_channel::<(u64, Vec<u8>)>(in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = sync_channel::<(u64, Vec<u8>)>(in_flight);

    thread::scope(|scope| {
        let reader = scope.spawn(move || read_chunks(input, max_line, &permit_rx, &work_tx));
        for _ in 0..jobs {
            let work_rx = Arc::clone(&work_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || answer_chunks(answer, &work_rx, &done_tx));
        }
        drop(done_tx);
        let written = write_in_order(&done_rx, &permit_tx, output);
        // Dropping the receivers stops the workers and the reader early if
        // writing failed.
        drop(done_rx);
        drop(permit_tx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reader thread panicked")));
        written.and(read)
    })
}

/// Permits bound the chunks between the reader and the writer: `in_flight`
/// of them, all available at first.
fn permits(in_flight: usize) -> io::Result<(SyncSender<()>, Receiver<()>)> {
    let (permit_tx, permit_rx) = sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        permit_tx
            .send(())
            .map_err(|_| io::Error::other("permit channel closed"))?;
    }
    Ok((permit_tx, permit_rx))
}

fn read_chunks(
    input: impl Read,
    max_line: usize,
    permits: &Receiver<()>,
    work: &SyncSender<(u64, Vec<u8>)>,
) -> io::Result<()> {
    let mut chunker = Chunker::new(input, max_line);
    let mut seq = 0_u64;
    loop {
        if permits.recv().is_err() {
            return Ok(()); // the writer stopped
        }
        let mut chunk = Vec::new();
        if !chunker.next_into(&mut chunk)? {
            return Ok(());
        }
        if work.send((seq, chunk)).is_err() {
            return Ok(());
        }
        seq = seq.wrapping_add(1);
    }
}

fn answer_chunks(
    answer: &Answer<'_>,
    work: &Mutex<Receiver<(u64, Vec<u8>)>>,
    done: &SyncSender<(u64, Vec<u8>)>,
) {
    pass_on(work, done, |chunk: Vec<u8>| {
        let mut answers = Vec::with_capacity(chunk.len() / 2);
        answer_chunk(answer, &chunk, &mut answers);
        answers
    });
}

fn write_in_order(
    done: &Receiver<(u64, Vec<u8>)>,
    permits: &SyncSender<()>,
    output: &mut impl Write,
) -> io::Result<()> {
    let mut pending = BTreeMap::new();
    let mut next = 0_u64;
    for (seq, answers) in done {
        pending.insert(seq, answers);
        while let Some(answers) = pending.remove(&next) {
            output.write_all(&answers)?;
            next = next.wrapping_add(1);
            // A permit back for the reader. `try_send` fails only when the
            // reader has finished (nothing left to read) or holds all the
            // permits it can use: either way no permit is owed.
            let _ = permits.try_send(());
        }
        output.flush()?;
    }
    Ok(())
}

/// The three stages of a run that accumulates (SPEC §5b): each chunk's
/// lines are read in parallel (`read`), decided in input order on one
/// thread (`decide`: a decision may depend on every earlier line), and
/// written in parallel (`write`). Reading documents and writing verdicts are
/// most of the work, and both stay parallel; deciding is a few hundred
/// nanoseconds a line.
pub struct Stages<'a, A, B> {
    pub read: &'a (dyn Fn(&[u8]) -> A + Sync),
    pub decide: &'a mut (dyn FnMut(A) -> B + Send),
    pub write: &'a (dyn Fn(B, &mut Vec<u8>) + Sync),
}

/// [`run_parallel`] for [`Stages`]: one thread reads the input, `jobs`
/// read requests, one decides in order, `jobs` write answers, the calling
/// thread writes them out in order; at most `2 × jobs + 2` chunks are in
/// flight, so memory stays flat.
pub fn run_staged_parallel<A: Send, B: Send>(
    stages: Stages<'_, A, B>,
    jobs: usize,
    max_line: usize,
    input: impl Read + Send,
    output: &mut impl Write,
) -> io::Result<()> {
    let in_flight = jobs.saturating_mul(2).saturating_add(2);
    let (permit_tx, permit_rx) = permits(in_flight)?;
    let (work_tx, work_rx) = sync_channel::<(u64, Vec<u8>)>(in_flight);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (read_tx, read_rx) = sync_channel::<(u64, A)>(in_flight);
    let (decided_tx, decided_rx) = sync_channel::<(u64, B)>(in_flight);
    let decided_rx = Arc::new(Mutex::new(decided_rx));
    let (done_tx, done_rx) = sync_channel::<(u64, Vec<u8>)>(in_flight);
    let Stages {
        read,
        decide,
        write,
    } = stages;

    thread::scope(|scope| {
        let reader = scope.spawn(move || read_chunks(input, max_line, &permit_rx, &work_tx));
        for _ in 0..jobs {
            let work_rx = Arc::clone(&work_rx);
            let read_tx = read_tx.clone();
            scope.spawn(move || {
                pass_on(&work_rx, &read_tx, |chunk: Vec<u8>| read(&chunk));
            });
        }
        drop(read_tx);
        scope.spawn(move || {
            // In input order, whatever order the readers finish in.
            let mut pending = BTreeMap::new();
            let mut next = 0_u64;
            for (seq, read) in read_rx {
                pending.insert(seq, read);
                while let Some(read) = pending.remove(&next) {
                    if decided_tx.send((next, decide(read))).is_err() {
                        return;
                    }
                    next = next.wrapping_add(1);
                }
            }
        });
        for _ in 0..jobs {
            let decided_rx = Arc::clone(&decided_rx);
            let done_tx = done_tx.clone();
            scope.spawn(move || {
                pass_on(&decided_rx, &done_tx, |decided: B| {
                    let mut answers = Vec::new();
                    write(decided, &mut answers);
                    answers
                });
            });
        }
        drop(done_tx);
        let written = write_in_order(&done_rx, &permit_tx, output);
        drop(done_rx);
        drop(permit_tx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reader thread panicked")));
        written.and(read)
    })
}

/// Takes each item from `from`, transforms it and sends it on, keeping its
/// sequence number, until either channel closes.
fn pass_on<T, U>(from: &Mutex<Receiver<(u64, T)>>, to: &SyncSender<(u64, U)>, f: impl Fn(T) -> U) {
    loop {
        let next = match from.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, item)) = next else { return };
        if to.send((seq, f(item))).is_err() {
            return;
        }
    }
}

/// Calls `f` on each line of `chunk` (without its newline).
pub fn each_line(chunk: &[u8], mut f: impl FnMut(&[u8])) {
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len())) {
        #[expect(
            clippy::indexing_slicing,
            reason = "newline positions increase, so start ≤ end ≤ body.len()"
        )]
        f(&body[start..end]);
        start = end.saturating_add(1);
    }
}

/// The output of `batch`, shared with the signal thread: each `write_all`
/// (a chunk of whole answer lines) holds the lock from its first byte to its
/// last, so the signal thread, which takes the lock before it flushes and
/// exits, only ever sees whole lines.
pub struct Guarded<W> {
    inner: Arc<Mutex<W>>,
}

impl<W: Write> Guarded<W> {
    pub fn new(inner: W) -> Self {
        Guarded {
            inner: Arc::new(Mutex::new(inner)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, W> {
        // A writer that panicked mid-write cannot be (nothing here panics);
        // the data it guards is bytes, usable whatever happened.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.lock().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.lock().flush()
    }
}

/// Starts a thread that, on SIGINT or SIGTERM, waits for the write under
/// way, flushes what is buffered (whole lines) and exits with 128 + the
/// signal's number.
pub fn exit_on_signal<W: Write + Send + 'static>(output: &Guarded<W>) -> io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    let inner = Arc::clone(&output.inner);
    thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            let mut out = inner
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = out.flush();
            std::process::exit(128_i32.saturating_add(signal));
        }
    });
    Ok(())
}
