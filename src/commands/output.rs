//! Output shared by `get`, `mark` and `groups`: the stable JSON shapes, an aligned text
//! table, and how marks and result codes are written for people.

use serde::Serialize;

use crate::api::ApiError;
use crate::api::wire::WireMark;
use crate::domain::{BitKind, Peer};
pub use crate::service::ItemOutcome;
pub use crate::service::json::{MarkJson, kind};
pub use crate::service::outcome::outcomes_of;

/// A failed call in JSON: `{code, message}`; `code` is null when the server gave none
/// (network error, timeout, HTTP status, protocol error).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorJson {
    pub code: Option<i64>,
    pub message: String,
}

impl From<&ApiError> for ErrorJson {
    fn from(err: &ApiError) -> Self {
        ErrorJson {
            code: err.code(),
            message: err.describe(),
        }
    }
}

/// The internal marks (indices 0..=3) as words, and reserved bits as `rsv:N`.
pub fn internal_marks(mark: &WireMark) -> String {
    let words: Vec<String> = mark
        .value
        .indices()
        .filter_map(|i| match i.kind() {
            BitKind::Extension => None,
            BitKind::Reserved => Some(format!("rsv:{i}")),
            _ => i.short_label().map(str::to_owned),
        })
        .collect();
    if words.is_empty() {
        "-".into()
    } else {
        words.join(",")
    }
}

/// Extension bits set (32..=63), as wire indices.
pub fn extension_bits(mark: &WireMark) -> String {
    let bits: Vec<String> = mark
        .value
        .indices()
        .filter(|i| i.kind() == BitKind::Extension)
        .map(|i| i.to_string())
        .collect();
    if bits.is_empty() {
        "-".into()
    } else {
        bits.join(",")
    }
}

/// Text quoted and escaped so that control characters cannot upset a terminal or a table.
pub fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// Columns a text takes in a terminal (CJK and emoji take two).
pub fn display_width(text: &str) -> usize {
    ratatui::text::Span::raw(text).width()
}

/// The failed conversations, one line each with the code, its meaning and what to do; a
/// call that failed as a whole is one line with the number of conversations it carried.
pub fn failure_lines<'a>(items: impl Iterator<Item = (&'a Peer, &'a ItemOutcome)>) -> String {
    let mut out = String::new();
    let mut failed_calls: Vec<(String, usize)> = Vec::new();
    for (peer, outcome) in items.filter(|(_, o)| !o.is_ok()) {
        match outcome {
            ItemOutcome::CallFailed(err) => {
                let text = err.describe();
                match failed_calls.iter_mut().find(|(t, _)| *t == text) {
                    Some((_, n)) => *n += 1,
                    None => failed_calls.push((text, 1)),
                }
            }
            _ => out.push_str(&format!(
                "{}: {}\n",
                peer.conversation_id(),
                outcome.describe()
            )),
        }
    }
    for (text, n) in failed_calls {
        out.push_str(&format!(
            "{} conversation(s) not changed, the call failed: {text}\n",
            thousands(n)
        ));
    }
    out
}

/// A text table with left-aligned columns separated by two spaces.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| display_width(h)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(display_width(cell));
                }
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                line.push_str(cell);
                if i + 1 < columns {
                    let pad = widths
                        .get(i)
                        .copied()
                        .unwrap_or(0)
                        .saturating_sub(display_width(cell));
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Writes bytes to stdout and flushes. A closed pipe (`convmark get | head`) is not an
/// error: the reader has what it wanted, and the rest is dropped. Any other failure (a full
/// disk: `> /dev/full`) is an error for the caller to report, so its exit code stays true.
/// Never panics, unlike `print!`.
pub fn emit_bytes(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write to stdout: {e}")),
    }
}

/// Writes text to stdout, as `emit_bytes`.
pub fn emit(text: &str) -> Result<(), String> {
    emit_bytes(text.as_bytes())
}

/// Writes one line (the text and a newline) to stdout, as `emit_bytes`.
pub fn emit_line(line: &str) -> Result<(), String> {
    let mut text = String::with_capacity(line.len() + 1);
    text.push_str(line);
    text.push('\n');
    emit(&text)
}

/// Writes a value as pretty JSON on stdout, as `emit_bytes`.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), String> {
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| format!("cannot write JSON: {e}"))?;
    text.push('\n');
    emit(&text)
}

/// Writes one line to stderr; never panics (see [`crate::stderr`]).
pub fn eprint_line(line: &str) {
    crate::stderr::line(line);
}

/// `convmark: MESSAGE` on stderr, as `eprint_line`: how every error is told.
pub fn error(message: &str) {
    eprint_line(&format!("convmark: {message}"));
}

/// `convmark: warning: MESSAGE` on stderr, as `eprint_line`: how every warning is told.
pub fn warning(message: &str) {
    eprint_line(&format!("convmark: warning: {message}"));
}

/// `convmark: MESSAGE` on stderr, as `eprint_line`: a note that is neither an error nor a
/// warning (e.g. where staged edits were kept).
pub fn note(message: &str) {
    eprint_line(&format!("convmark: {message}"));
}

/// A progress line on stderr, only when stderr is a terminal (a pipe, a file or CI gets
/// nothing): each `show` replaces the line, `finish` erases it.
pub struct Progress {
    enabled: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Progress {
    pub fn new() -> Self {
        use std::io::IsTerminal;
        Progress {
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// A progress line that never shows (for callers that print nothing).
    pub fn hidden() -> Self {
        Progress { enabled: false }
    }

    pub fn show(&self, text: &str) {
        if self.enabled {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
        }
    }

    pub fn finish(&self) {
        if self.enabled {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}

pub use crate::text::thousands;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MarkSet;

    #[test]
    fn marks_are_written_as_words_and_wire_indices() {
        let mark = WireMark::from(MarkSet(1 | 1 << 3 | 1 << 5 | 1 << 32 | 1 << 40));
        assert_eq!(internal_marks(&mark), "fav,hide,rsv:5");
        assert_eq!(extension_bits(&mark), "32,40");
        assert_eq!(internal_marks(&WireMark::default()), "-");
        let json = MarkJson::from(&mark);
        assert_eq!(json.bits, vec![0, 3, 5, 32, 40]);
        assert_eq!(json.hex, "0x0000010100000029");
    }

    #[test]
    fn table_columns_align_on_the_widest_cell() {
        let mut t = Table::new(&["A", "BB", "C"]);
        t.row(vec!["xxxx".into(), "y".into(), "z".into()]);
        assert_eq!(t.render(), "A     BB  C\nxxxx  y   z\n");
        let mut t = Table::new(&["NAME", "X"]);
        t.row(vec!["家人".into(), "1".into()]);
        t.row(vec!["abcde".into(), "2".into()]);
        assert_eq!(t.render(), "NAME   X\n家人   1\nabcde  2\n");
    }
}
