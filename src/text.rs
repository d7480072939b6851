//! Text as people read it: numbers with thousands separators, and text cut to a display
//! width (CJK and emoji take two columns) with `…`.

use unicode_width::UnicodeWidthChar;

/// `1,234`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text with its first letter in upper case, as a message on its own begins.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Columns a text takes in a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// The text cut to at most `max` columns, ending in `…` when it was cut.
pub fn ellipsize(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

/// The text cut or padded with spaces to exactly `cols` columns.
pub fn fit(text: &str, cols: usize) -> String {
    let mut out = ellipsize(text, cols);
    let w = width(&out);
    out.push_str(&" ".repeat(cols.saturating_sub(w)));
    out
}

/// The text broken into lines of at most `cols` columns (at any character: marks and JSON
/// have no words to keep whole); each `\n` starts a new line.
pub fn wrap_columns(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        let mut used = 0;
        for c in line.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > cols {
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            current.push(c);
            used += w;
        }
        out.push(current);
    }
    out
}

/// The text broken into lines of at most `cols` columns at spaces where it can be (a word
/// longer than a line is broken where it must); each `\n` starts a new line. For prose:
/// messages, summaries.
pub fn wrap_words(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(2);
    let mut out = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        let mut used = 0;
        for word in line.split(' ') {
            let w = width(word);
            let sep = usize::from(!current.is_empty());
            if used + sep + w <= cols {
                if sep == 1 {
                    current.push(' ');
                }
                current.push_str(word);
                used += sep + w;
                continue;
            }
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
                used = 0;
            }
            // a word longer than a line: broken at the edge
            // every piece but the last fills its line (one column short when a wide
            // character did not fit at the edge); the last one goes on with the next word
            let mut pieces = wrap_columns(word, cols);
            if let Some(last) = pieces.pop() {
                out.extend(pieces);
                used = width(&last);
                current = last;
            }
        }
        out.push(current);
    }
    out
}

/// The part of `text` from display column `cols` on (a wide character cut by the edge is
/// left out whole).
pub fn skip_columns(text: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        if used >= cols {
            return &text[i..];
        }
        used += c.width().unwrap_or(0);
    }
    ""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_widths() {
        assert_eq!(thousands(1_004), "1,004");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(7), "7");
        assert_eq!(width("家人ab"), 6);
        assert_eq!(ellipsize("家人家人", 5), "家人…");
        assert_eq!(ellipsize("abc", 3), "abc");
        assert_eq!(fit("家", 4), "家  ");
        assert_eq!(width(&fit("家人家人", 5)), 5);
        assert_eq!(wrap_columns("abcdef\nxy", 4), ["abcd", "ef", "xy"]);
        assert_eq!(wrap_columns("家人家", 4), ["家人", "家"]);
        assert_eq!(skip_columns("家人ab", 2), "人ab");
        assert_eq!(skip_columns("家人ab", 3), "ab");
        assert_eq!(
            wrap_words("press Esc to clear it", 10),
            ["press Esc", "to clear", "it"]
        );
        assert_eq!(wrap_words("abcdefghijkl x", 5), ["abcde", "fghij", "kl x"]);
        assert_eq!(wrap_words("a\nb", 5), ["a", "b"]);
        assert_eq!(capitalized("cannot read"), "Cannot read");
        assert_eq!(capitalized("é"), "É");
        assert_eq!(capitalized(""), "");
        // a long word of wide characters at an odd width: nothing is lost
        let cjk = "a".to_owned() + &"家".repeat(9);
        let lines = wrap_words(&cjk, 5);
        assert_eq!(lines.concat(), cjk);
        assert!(lines.iter().all(|l| width(l) <= 5), "{lines:?}");
        assert_eq!(wrap_words("ab 家家家家家", 5), ["ab", "家家", "家家", "家"]);
    }
}
