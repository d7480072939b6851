//! The key map: actions, their default keys, and the config's `[keys]` patch.
//!
//! The defaults live here and are mirrored in `assets/keymap.toml` (a test keeps the two
//! equal). A config file's `[keys]` table replaces the keys of the actions it names
//! (`commit = "ctrl-s"`, or several keys separated by commas); the others keep their
//! defaults. Ctrl-C is not in the map: it always force-quits.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does outside text inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    PrevPane,
    Toggle,
    EditCustom,
    Unstage,
    Commit,
    Preview,
    Help,
    Filter,
    Add,
    Groups,
    SwitchUser,
    Reload,
    Copy,
    Select,
    SelectAll,
    Quit,
}

impl Action {
    pub const ALL: [Action; 25] = [
        Action::Up,
        Action::Down,
        Action::Left,
        Action::Right,
        Action::PageUp,
        Action::PageDown,
        Action::Top,
        Action::Bottom,
        Action::NextPane,
        Action::PrevPane,
        Action::Toggle,
        Action::EditCustom,
        Action::Unstage,
        Action::Commit,
        Action::Preview,
        Action::Help,
        Action::Filter,
        Action::Add,
        Action::Groups,
        Action::SwitchUser,
        Action::Reload,
        Action::Copy,
        Action::Select,
        Action::SelectAll,
        Action::Quit,
    ];

    /// The name used in `[keys]` and in `assets/keymap.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Action::Up => "up",
            Action::Down => "down",
            Action::Left => "left",
            Action::Right => "right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::NextPane => "next_pane",
            Action::PrevPane => "prev_pane",
            Action::Toggle => "toggle",
            Action::EditCustom => "edit_custom",
            Action::Unstage => "unstage",
            Action::Commit => "commit",
            Action::Preview => "preview",
            Action::Help => "help",
            Action::Filter => "filter",
            Action::Add => "add",
            Action::Groups => "groups",
            Action::SwitchUser => "switch_user",
            Action::Reload => "reload",
            Action::Copy => "copy",
            Action::Select => "select",
            Action::SelectAll => "select_all",
            Action::Quit => "quit",
        }
    }

    /// One short line for the help overlay.
    pub fn description(self) -> &'static str {
        match self {
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Left => "move left (grid)",
            Action::Right => "move right (grid)",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "first row / bit 0",
            Action::Bottom => "last row / bit 63",
            Action::NextPane => "next pane",
            Action::PrevPane => "previous pane",
            Action::Toggle => "stage a bit flip",
            Action::EditCustom => "edit the custom mark",
            Action::Unstage => "drop the staged edit",
            Action::Commit => "commit all staged",
            Action::Preview => "preview the request",
            Action::Help => "this help",
            Action::Filter => "filter by substring",
            Action::Add => "add conversation by ID",
            Action::Groups => "conversation groups",
            Action::SwitchUser => "open another user",
            Action::Reload => "reload from server",
            Action::Copy => "copy info/request (OSC52)",
            Action::Select => "select row, next (bulk)",
            Action::SelectAll => "select all shown rows",
            Action::Quit => "quit (asks if staged)",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }

    fn default_keys(self) -> &'static str {
        match self {
            Action::Up => "up,k",
            Action::Down => "down,j",
            Action::Left => "left,h",
            Action::Right => "right,l",
            Action::PageUp => "pageup",
            Action::PageDown => "pagedown",
            Action::Top => "home,g",
            Action::Bottom => "end,G",
            Action::NextPane => "tab",
            Action::PrevPane => "backtab",
            Action::Toggle => "space",
            Action::EditCustom => "enter,e",
            Action::Unstage => "x",
            Action::Commit => "c,ctrl-s",
            Action::Preview => "p",
            Action::Help => "?",
            Action::Filter => "/",
            Action::Add => "a",
            Action::Groups => "o",
            Action::SwitchUser => "u",
            Action::Reload => "r",
            Action::Copy => "y",
            Action::Select => "v",
            Action::SelectAll => "V",
            Action::Quit => "q",
        }
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
            .into_iter()
            .map(|a| (a, parse_keys(a.default_keys()).unwrap_or_default()))
            .collect();
        KeyMap { bindings }
    }
}

impl KeyMap {
    /// The defaults patched by a config's `[keys]` table.
    pub fn with_patch(patch: &BTreeMap<String, String>) -> Result<KeyMap, String> {
        let mut map = KeyMap::default();
        for (name, keys) in patch {
            let action = Action::from_name(name).ok_or_else(|| {
                format!(
                    "[keys] {name:?} is not an action; known: {}",
                    Action::ALL.map(Action::name).join(", ")
                )
            })?;
            let keys = parse_keys(keys).map_err(|e| format!("[keys] {name}: {e}"))?;
            if keys.is_empty() {
                return Err(format!("[keys] {name}: give at least one key"));
            }
            map.bindings.insert(action, keys);
        }
        Ok(map)
    }

    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        let chord = KeyChord::from_event(event);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.contains(&chord))
            .map(|(a, _)| *a)
    }

    pub fn keys(&self, action: Action) -> &[KeyChord] {
        self.bindings.get(&action).map_or(&[], Vec::as_slice)
    }

    /// The first key of an action, for hints: `c`.
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
            .into_iter()
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
    fn defaults_bind_arrows_and_hjkl() {
        let map = KeyMap::default();
        assert_eq!(
            map.action(&key(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Up)
        );
        assert_eq!(
            map.action(&key(KeyCode::Up, KeyModifiers::NONE)),
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
        assert_eq!(
            map.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
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
