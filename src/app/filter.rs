//! The list filter: words that must all match. A plain word matches the conversation ID, the
//! custom mark or a group name (case-insensitive substring); `is:` and `bit:` words find
//! what support staff look for.
//!
//! | word | shows |
//! |---|---|
//! | `is:staged` | conversations with a staged edit |
//! | `is:failed` | conversations whose last commit failed |
//! | `is:marked` | conversations with a mark or a group (they count against the 1,000) |
//! | `is:pinned` | pinned conversations |
//! | `is:group`, `is:c2c` | group or one-to-one conversations |
//! | `bit:N` | standard mark bit N (wire index 0..=63) is set (after the staged edit) |
//! | `-WORD` | the opposite of WORD, e.g. `-is:marked` |

use memchr::memmem::Finder;

use crate::domain::BitIndex;

use super::state::Row;

/// A plain word, with a searcher built once per filter (SIMD substring search: typing over
/// 100,000 rows stays within a few milliseconds).
#[derive(Debug, Clone)]
struct Word {
    text: String,
    finder: Finder<'static>,
}

impl Word {
    fn new(text: String) -> Word {
        let finder = Finder::new(text.as_bytes()).into_owned();
        Word { text, finder }
    }
}

impl PartialEq for Word {
    fn eq(&self, other: &Word) -> bool {
        self.text == other.text
    }
}

impl Eq for Word {}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Test {
    Text(Box<Word>),
    Staged,
    Failed,
    Marked,
    Pinned,
    Group,
    C2c,
    Bit(BitIndex),
}

/// A parsed filter. Unknown `is:` words and bad bit numbers are errors, said on the status
/// line, and match nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    words: Vec<(bool, Test)>,
    pub error: Option<String>,
    /// An `is:` word that is the start of a known one: nothing matches yet.
    pub incomplete: bool,
}

/// The words after `is:`.
const KNOWN: [&str; 7] = [
    "staged", "failed", "marked", "pinned", "group", "c2c", "user",
];

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let mut filter = Filter::default();
        for word in text.split_whitespace() {
            let (negate, word) = match word.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => (true, rest),
                _ => (false, word),
            };
            let lower = word.to_lowercase();
            let test = if let Some(what) = lower.strip_prefix("is:") {
                match what {
                    // a word still being typed (`is:sta`) matches nothing, but is no error
                    w if !KNOWN.contains(&w) && KNOWN.iter().any(|k| k.starts_with(w)) => {
                        filter.incomplete = true;
                        continue;
                    }
                    "staged" => Test::Staged,
                    "failed" => Test::Failed,
                    "marked" => Test::Marked,
                    "pinned" => Test::Pinned,
                    "group" => Test::Group,
                    "c2c" | "user" => Test::C2c,
                    other => {
                        filter.error = Some(format!(
                            "is:{other} is not a filter; use is:staged, is:failed, is:marked, is:pinned, is:group or is:c2c"
                        ));
                        continue;
                    }
                }
            } else if let Some(n) = lower.strip_prefix("bit:") {
                if n.is_empty() {
                    // `bit:` still being typed
                    filter.incomplete = true;
                    continue;
                }
                match n.parse::<i64>().ok().and_then(|n| BitIndex::new(n).ok()) {
                    Some(b) => Test::Bit(b),
                    None => {
                        filter.error =
                            Some(format!("bit:{n}: give a wire index 0..=63, e.g. bit:32"));
                        continue;
                    }
                }
            } else {
                Test::Text(Box::new(Word::new(lower)))
            };
            filter.words.push((negate, test));
        }
        filter
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.error.is_none() && !self.incomplete
    }

    /// Only plain words: a longer text can only narrow what a shorter one matched. A filter
    /// with an error or a half-typed `is:` matches nothing, so it narrows nothing either.
    pub fn text_only(&self) -> bool {
        self.error.is_none()
            && !self.incomplete
            && self
                .words
                .iter()
                .all(|(neg, t)| !neg && matches!(t, Test::Text(_)))
    }

    /// The plain words.
    pub fn text_words(&self) -> Vec<&str> {
        self.words
            .iter()
            .filter_map(|(_, t)| match t {
                Test::Text(t) => Some(t.text.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn matches(&self, row: &Row) -> bool {
        if self.error.is_some() || self.incomplete {
            return false;
        }
        self.words.iter().all(|(negate, test)| {
            let hit = match test {
                Test::Text(t) => t.finder.find(row.search_key.as_bytes()).is_some(),
                Test::Staged => !row.staged.is_empty(),
                Test::Failed => row.result.as_ref().is_some_and(|r| !r.is_ok()),
                Test::Marked => row.server.is_marked_or_grouped(),
                Test::Pinned => row.server.pinned,
                Test::Group => row.server.peer.is_group(),
                Test::C2c => !row.server.peer.is_group(),
                Test::Bit(b) => row.effective().contains(*b),
            };
            hit != *negate
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_parse_and_errors_are_said() {
        let f = Filter::parse("vip is:staged -bit:3");
        assert!(!f.text_only());
        assert!(f.error.is_none());
        assert!(Filter::parse("VIP carol").text_only());
        assert!(
            Filter::parse("is:nope")
                .error
                .unwrap()
                .contains("is:staged")
        );
        assert!(Filter::parse("bit:64").error.unwrap().contains("0..=63"));
        let typing = Filter::parse("bit:");
        assert!(typing.error.is_none() && typing.incomplete);
        let typing = Filter::parse("is:sta");
        assert!(typing.error.is_none() && typing.incomplete);
        assert!(Filter::parse("  ").is_empty());
    }
}
