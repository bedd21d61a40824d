//! `fundsgate batch` plumbing around the library's ordered-parallel runner
//! ([`fundsgate::Batch::answer_stream`]): an output that the signal thread
//! can flush between whole answer lines, and the exit on SIGINT or SIGTERM.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;

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
