//! Writing to stderr without ever panicking (`eprintln!` panics when stderr is full): the
//! one writer every part of convmark tells its errors and warnings with.

use std::io::Write;

/// Writes one line (the text and a newline) to stderr. Never panics and never fails,
/// whatever stderr is (closed, full, a pipe nobody reads): stderr is where failures would
/// be told, so there is nowhere left to tell this one.
pub fn line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err
        .write_all(text.as_bytes())
        .and_then(|()| err.write_all(b"\n"))
        .and_then(|()| err.flush());
}
