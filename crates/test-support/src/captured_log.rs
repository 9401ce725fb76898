//! What the test's own thread logs, captured as text: how a secrets test proves that no
//! log line of the client's (reqwest's and hyper's included, at every level) carries a
//! credential.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::layer::{Layer as _, SubscriberExt};

/// Captures everything logged on this thread, at every level, until dropped.
///
/// The subscriber is the thread's default (`set_default`), which can miss events of
/// callsites that tests on other threads registered first: a test using it belongs in a
/// test binary of its own.
pub struct CapturedLog {
    buffer: Buffer,
    _guard: DefaultGuard,
}

impl CapturedLog {
    pub fn start() -> CapturedLog {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .with_filter(tracing_subscriber::filter::LevelFilter::TRACE),
        );
        CapturedLog {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// Stops capturing; everything written until then.
    pub fn finish(self) -> String {
        drop(self._guard);
        String::from_utf8(std::mem::take(&mut *self.buffer.0.lock().unwrap())).unwrap()
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
