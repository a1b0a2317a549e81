//! Standard error, redacted: every line a command writes to it passes
//! through the one redaction (`datasurface_stdx::redact`), so no message,
//! warning or log line shows a password or a token a URL or connection
//! string held, whichever command or library wrote it.

use std::io::{self, Write};

/// A writer that redacts each line before it reaches `inner`; a last line
/// without its line feed goes out at [`flush`](Write::flush) or drop.
pub(crate) struct Redacting<'w> {
    inner: &'w mut dyn Write,
    line: Vec<u8>,
}

impl<'w> Redacting<'w> {
    pub(crate) fn new(inner: &'w mut dyn Write) -> Self {
        Redacting {
            inner,
            line: Vec::new(),
        }
    }

    /// Writes what is held, redacted.
    fn send(&mut self) -> io::Result<()> {
        if self.line.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.line);
        let shown = datasurface_stdx::redact::redact(&text);
        let done = self.inner.write_all(shown.as_bytes());
        self.line.clear();
        done
    }
}

impl Write for Redacting<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|b| *b == b'\n') {
            self.line.extend_from_slice(&rest[..=at]);
            self.send()?;
            rest = &rest[at + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()?;
        self.inner.flush()
    }
}

impl Drop for Redacting<'_> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_redacted_however_they_are_written() {
        let mut out = Vec::new();
        {
            let mut err = Redacting::new(&mut out);
            // A URL split across writes, and a last line with no line feed.
            write!(err, "warning: could not send to http://user:").unwrap();
            writeln!(err, "hunter2@host/x?token=abc").unwrap();
            write!(err, "dsn host=db password=s3cret").unwrap();
        }
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out,
            "warning: could not send to http://***@host/x?token=***\ndsn host=db password=***"
        );
    }
}
