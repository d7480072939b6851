//! The key map: every action in one table (name, scope, default keys, description), and
//! the config's `[keys]` patch.
//!
//! The defaults are mirrored in `assets/keymap.toml` (a test keeps the two equal). A config
//! file's `[keys]` table replaces the keys of the actions it names (`commit = "ctrl-s"`, or
//! several keys separated by commas); the others keep their defaults. Two actions of one
//! scope on one key are an error that names the key and both actions. Ctrl-C is not in the
//! map: it always force-quits. While a text input is open (the custom mark editor, the
//! filter, a prompt), printable keys type and only Enter and Esc act.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where an action's keys apply. `Nav` keys work everywhere (the list, the grid, the
/// popups and overlays), so they must not collide with either of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Nav,
    Main,
    Groups,
}

macro_rules! actions {
    ($($variant:ident, $name:literal, $scope:ident, $keys:literal, $desc:literal;)*) => {
        /// What a key does outside text inputs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order of the table (and of the help).
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The name used in `[keys]` and in `assets/keymap.toml`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            pub fn scope(self) -> Scope {
                match self {
                    $(Action::$variant => Scope::$scope,)*
                }
            }

            /// The default keys, comma-separated.
            pub fn default_keys(self) -> &'static str {
                match self {
                    $(Action::$variant => $keys,)*
                }
            }

            /// One short line for the help overlay.
            pub fn description(self) -> &'static str {
                match self {
                    $(Action::$variant => $desc,)*
                }
            }
        }
    };
}

actions! {
    Up, "up", Nav, "up,k", "move up";
    Down, "down", Nav, "down,j", "move down";
    Left, "left", Nav, "left,h", "move left (grid)";
    Right, "right", Nav, "right,l", "move right (grid)";
    PageUp, "page_up", Nav, "pageup", "page up";
    PageDown, "page_down", Nav, "pagedown", "page down";
    Top, "top", Nav, "home,g", "first row / bit 0";
    Bottom, "bottom", Nav, "end,G", "last row / bit 63";
    Back, "back", Nav, "esc", "close, cancel, clear";
    NextPane, "next_pane", Main, "tab", "next pane";
    PrevPane, "prev_pane", Main, "backtab", "previous pane";
    Toggle, "toggle", Main, "space", "stage a bit flip";
    EditCustom, "edit_custom", Main, "enter,e", "edit the custom mark";
    Unstage, "unstage", Main, "x", "drop the staged edit";
    Commit, "commit", Main, "c,ctrl-s", "commit all staged";
    Preview, "preview", Main, "p", "preview the requests";
    Staged, "staged", Main, "s", "list staged changes";
    DropAll, "drop_all", Main, "X", "drop every staged edit";
    NextStaged, "next_staged", Main, "n", "next staged row";
    NextFailed, "next_failed", Main, "f", "next failed row";
    Filter, "filter", Main, "/", "filter (text, is:, bit:)";
    Select, "select", Main, "v", "select row, next (bulk)";
    SelectAll, "select_all", Main, "V", "select all shown rows";
    Add, "add", Main, "a", "add conversation by ID";
    Groups, "groups", Main, "o", "conversation groups";
    History, "history", Main, "H", "commit history (undo)";
    Messages, "messages", Main, "m", "message log";
    SwitchUser, "switch_user", Main, "u", "open another user";
    Reload, "reload", Main, "r", "reload from server";
    Copy, "copy", Main, "y", "copy as JSON (OSC 52)";
    Help, "help", Main, "?", "this help";
    Quit, "quit", Main, "q", "quit (asks if staged)";
    GroupToggle, "group_toggle", Groups, "space,enter", "add to/remove from group";
    GroupNew, "group_new", Groups, "n", "new group";
    GroupRename, "group_rename", Groups, "R", "rename group";
    GroupDelete, "group_delete", Groups, "D", "delete group (asks)";
}

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

/// One key with its modifiers, comparable with crossterm's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyChord {
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        // Shift is part of the character itself ('G'), or of BackTab.
        KeyChord {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
            alt: event.modifiers.contains(KeyModifiers::ALT),
        }
    }

    /// Parses `ctrl-s`, `alt-x`, `space`, `enter`, `esc`, `tab`, `backtab`, `up`, `pageup`,
    /// `f5`, or one character.
    pub fn parse(text: &str) -> Result<KeyChord, String> {
        let mut rest = text.trim();
        let (mut ctrl, mut alt) = (false, false);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 2 && lower.starts_with("ctrl-") {
                ctrl = true;
                rest = &rest[5..];
            } else if rest.chars().count() > 2 && lower.starts_with("alt-") {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCode::Char(' '),
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" => KeyCode::Backspace,
                "delete" => KeyCode::Delete,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse::<u8>().unwrap_or(1))
                }
                _ => {
                    return Err(format!(
                        "{text:?} is not a key (examples: q, ctrl-s, space, enter, pageup, f5)"
                    ));
                }
            },
        };
        if ctrl && code == KeyCode::Char('c') {
            return Err("ctrl-c always force-quits; it cannot be bound".into());
        }
        Ok(KeyChord { code, ctrl, alt })
    }
}

impl fmt::Display for KeyChord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl-")?;
        }
        if self.alt {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Delete"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// Actions and their keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyMap {
    bindings: BTreeMap<Action, Vec<KeyChord>>,
}

fn parse_keys(list: &str) -> Result<Vec<KeyChord>, String> {
    // "," alone is a key too: split on commas that separate names.
    if list.trim() == "," {
        return Ok(vec![KeyChord::parse(",")?]);
    }
    list.split(',')
        .filter(|k| !k.trim().is_empty())
        .map(KeyChord::parse)
        .collect()
}

impl Default for KeyMap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .map(|a| (*a, parse_keys(a.default_keys()).unwrap_or_default()))
            .collect();
        KeyMap { bindings }
    }
}

/// Whether two scopes' keys meet (a `Nav` key is live in every other scope).
fn scopes_meet(a: Scope, b: Scope) -> bool {
    a == b || a == Scope::Nav || b == Scope::Nav
}

impl KeyMap {
    /// The defaults patched by a config's `[keys]` table.
    pub fn with_patch(patch: &BTreeMap<String, String>) -> Result<KeyMap, String> {
        let mut map = KeyMap::default();
        for (name, keys) in patch {
            let action = Action::from_name(name).ok_or_else(|| {
                format!(
                    "[keys] {name:?} is not an action; known: {}",
                    Action::ALL
                        .iter()
                        .map(|a| a.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            let keys = parse_keys(keys).map_err(|e| format!("[keys] {name}: {e}"))?;
            if keys.is_empty() {
                return Err(format!("[keys] {name}: give at least one key"));
            }
            map.bindings.insert(action, keys);
        }
        map.check_conflicts()?;
        Ok(map)
    }

    /// Two actions that can be live at once on one key are an error naming both.
    fn check_conflicts(&self) -> Result<(), String> {
        let all: Vec<(Action, KeyChord)> = self
            .bindings
            .iter()
            .flat_map(|(a, keys)| keys.iter().map(move |k| (*a, *k)))
            .collect();
        for (i, (a, ka)) in all.iter().enumerate() {
            for (b, kb) in &all[i + 1..] {
                if a != b && ka == kb && scopes_meet(a.scope(), b.scope()) {
                    return Err(format!(
                        "[keys] the key {ka} is bound to both {} and {}; give one of them another key",
                        a.name(),
                        b.name()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The action of a key in a scope (its own actions, then the `Nav` ones).
    pub fn action_in(&self, scope: Scope, event: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(event);
        self.bindings
            .iter()
            .filter(|(a, _)| a.scope() == scope || a.scope() == Scope::Nav)
            .find(|(_, keys)| keys.contains(&chord))
            .map(|(a, _)| *a)
    }

    /// The action of a key in the main screen.
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.action_in(Scope::Main, event)
    }

    pub fn keys(&self, action: Action) -> &[KeyChord] {
        self.bindings.get(&action).map_or(&[], Vec::as_slice)
    }

    /// The first key of an action, for hints and messages: `c`.
    pub fn hint(&self, action: Action) -> String {
        self.keys(action)
            .first()
            .map_or_else(|| "(unbound)".into(), ToString::to_string)
    }

    /// All keys of an action, for help: `c / Ctrl-s`.
    pub fn all_keys(&self, action: Action) -> String {
        let keys: Vec<String> = self.keys(action).iter().map(ToString::to_string).collect();
        if keys.is_empty() {
            "(unbound)".into()
        } else {
            keys.join(" / ")
        }
    }

    /// The defaults as the TOML of `assets/keymap.toml` writes them.
    pub fn default_table() -> BTreeMap<String, String> {
        Action::ALL
            .iter()
            .map(|a| (a.name().to_owned(), a.default_keys().to_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_bind_arrows_and_hjkl_and_do_not_conflict() {
        let map = KeyMap::default();
        map.check_conflicts().unwrap();
        assert_eq!(
            map.action(&key(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Up)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Some(Action::Commit)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            map.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('z'), KeyModifiers::NONE)),
            None
        );
        // n is "next staged" on the main screen and "new group" in the popup
        let n = key(KeyCode::Char('n'), KeyModifiers::NONE);
        assert_eq!(map.action(&n), Some(Action::NextStaged));
        assert_eq!(map.action_in(Scope::Groups, &n), Some(Action::GroupNew));
    }

    #[test]
    fn a_partial_patch_replaces_only_the_named_actions() {
        let mut patch = BTreeMap::new();
        patch.insert("commit".to_owned(), "ctrl-w".to_owned());
        let map = KeyMap::with_patch(&patch).unwrap();
        assert_eq!(
            map.action(&key(KeyCode::Char('c'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Some(Action::Commit)
        );
        patch.insert("nope".to_owned(), "x".to_owned());
        assert!(
            KeyMap::with_patch(&patch)
                .unwrap_err()
                .contains("not an action")
        );
        let mut bad = BTreeMap::new();
        bad.insert("quit".to_owned(), "ctrl-banana".to_owned());
        assert!(KeyMap::with_patch(&bad).unwrap_err().contains("not a key"));
        bad.insert("quit".to_owned(), "ctrl-c".to_owned());
        assert!(
            KeyMap::with_patch(&bad)
                .unwrap_err()
                .contains("force-quits")
        );
    }

    #[test]
    fn a_conflict_names_the_key_and_both_actions() {
        let patch = BTreeMap::from([("commit".to_owned(), "q".to_owned())]);
        let e = KeyMap::with_patch(&patch).unwrap_err();
        assert!(
            e.contains("q") && e.contains("commit") && e.contains("quit"),
            "{e}"
        );
        // a nav key meets every scope
        let patch = BTreeMap::from([("group_new".to_owned(), "j".to_owned())]);
        let e = KeyMap::with_patch(&patch).unwrap_err();
        assert!(e.contains("down") && e.contains("group_new"), "{e}");
        // the popup's keys may reuse main-screen keys
        let patch = BTreeMap::from([("group_new".to_owned(), "c".to_owned())]);
        KeyMap::with_patch(&patch).unwrap();
    }

    #[test]
    fn the_asset_mirrors_the_defaults() {
        let text = include_str!("../../assets/keymap.toml");
        let table: BTreeMap<String, BTreeMap<String, String>> = toml::from_str(text).unwrap();
        assert_eq!(table["keys"], KeyMap::default_table());
    }

    #[test]
    fn the_example_config_parses_and_its_keys_apply() {
        let text = include_str!("../../assets/config.example.toml");
        let file = crate::config::parse_file(text).unwrap();
        assert_eq!(crate::config::labels(&file)[&32], "VIP");
        KeyMap::with_patch(&file.keys).unwrap();
    }
}
