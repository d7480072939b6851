//! Colours named by what they mean (roles), all from the 16 basic ones, in two presets: dark
//! (the default) and light. Every state is also told by a symbol or a modifier, so the
//! screen reads without colour (`NO_COLOR`).
//!
//! The theme is chosen once at start ([`install`], before the first frame) and read by the
//! renderer through the role functions below ([`error`], [`staged`], ...): rendering reads
//! state only. Tests that need another theme call [`set`] in their own test binary.

use std::sync::{PoisonError, RwLock};

use ratatui::style::{Color, Modifier, Style};

/// A preset theme, by the terminal background it is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Preset {
    /// For a dark background (the default)
    #[default]
    Dark,
    /// For a light (white) background
    Light,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Dark, Preset::Light];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Dark => "dark",
            Preset::Light => "light",
        }
    }

    pub fn from_name(name: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == name.trim())
    }

    pub fn theme(self) -> Theme {
        match self {
            Preset::Dark => Theme::DARK,
            Preset::Light => Theme::LIGHT,
        }
    }
}

/// What a style is for: the names of the `[theme]` table's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Plain text
    Base,
    /// Pane titles, the current user, the unfocused selected row
    Title,
    /// Secondary text: hints, times, legends, labels
    Muted,
    /// What to do next: key hints, the filter, the pin and choice marks, spinners
    Guidance,
    /// Success: `✓`, `● ready`, the progress bar
    Ok,
    /// Failures: `✗`, error messages
    Error,
    /// Staged edits: `*`, `+`, `-`
    Staged,
    /// A set bit: `●`
    On,
    /// The reserved bits 4..=31
    Reserved,
    /// The `[demo]` and `[read-only]` badges
    Badge,
    /// The selected row of the focused list, popup or menu
    Selected,
    /// The digit of the current bit in the raw mark string
    HighlightDigit,
    /// The border of the focused pane
    BorderFocused,
    /// The border of the other panes
    BorderUnfocused,
}

impl Role {
    pub const ALL: [Role; 14] = [
        Role::Base,
        Role::Title,
        Role::Muted,
        Role::Guidance,
        Role::Ok,
        Role::Error,
        Role::Staged,
        Role::On,
        Role::Reserved,
        Role::Badge,
        Role::Selected,
        Role::HighlightDigit,
        Role::BorderFocused,
        Role::BorderUnfocused,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Title => "title",
            Role::Muted => "muted",
            Role::Guidance => "guidance",
            Role::Ok => "ok",
            Role::Error => "error",
            Role::Staged => "staged",
            Role::On => "on",
            Role::Reserved => "reserved",
            Role::Badge => "badge",
            Role::Selected => "selected",
            Role::HighlightDigit => "highlight_digit",
            Role::BorderFocused => "border_focused",
            Role::BorderUnfocused => "border_unfocused",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// A style for every role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub base: Style,
    pub title: Style,
    pub muted: Style,
    pub guidance: Style,
    pub ok: Style,
    pub error: Style,
    pub staged: Style,
    pub on: Style,
    pub reserved: Style,
    pub badge: Style,
    pub selected: Style,
    pub highlight_digit: Style,
    pub border_focused: Style,
    pub border_unfocused: Style,
}

const BOLD: Modifier = Modifier::BOLD;

impl Theme {
    /// For a dark background.
    pub const DARK: Theme = Theme {
        base: Style::new(),
        title: Style::new().add_modifier(BOLD),
        muted: Style::new().fg(Color::DarkGray),
        guidance: Style::new().fg(Color::Cyan),
        ok: Style::new().fg(Color::Green),
        error: Style::new().fg(Color::Red).add_modifier(BOLD),
        staged: Style::new().fg(Color::Yellow).add_modifier(BOLD),
        on: Style::new().fg(Color::Green).add_modifier(BOLD),
        reserved: Style::new().fg(Color::DarkGray),
        badge: Style::new().fg(Color::Black).bg(Color::Yellow),
        selected: Style::new().add_modifier(Modifier::REVERSED),
        highlight_digit: Style::new()
            .fg(Color::Black)
            .bg(Color::Yellow)
            .add_modifier(BOLD),
        border_focused: Style::new().fg(Color::Cyan),
        border_unfocused: Style::new().fg(Color::DarkGray),
    };

    /// For a light (white) background: the dark ANSI colours only (no yellow or cyan text,
    /// no grey), secondary text dimmed rather than greyed, focus told by a blue border.
    pub const LIGHT: Theme = Theme {
        base: Style::new(),
        title: Style::new().add_modifier(BOLD),
        muted: Style::new().add_modifier(Modifier::DIM),
        guidance: Style::new().fg(Color::Blue),
        ok: Style::new().fg(Color::Green),
        error: Style::new().fg(Color::Red).add_modifier(BOLD),
        staged: Style::new().fg(Color::Magenta).add_modifier(BOLD),
        on: Style::new().fg(Color::Green).add_modifier(BOLD),
        reserved: Style::new().add_modifier(Modifier::DIM),
        badge: Style::new().fg(Color::White).bg(Color::Blue),
        selected: Style::new().add_modifier(Modifier::REVERSED),
        highlight_digit: Style::new()
            .fg(Color::White)
            .bg(Color::Magenta)
            .add_modifier(BOLD),
        border_focused: Style::new().fg(Color::Blue),
        // not dim: a pane's title and its bottom line (`1 staged`) take the border's
        // modifiers
        border_unfocused: Style::new(),
    };

    pub fn get(&self, role: Role) -> Style {
        *self.slot(role)
    }

    /// This theme with one role's style replaced.
    pub fn with(mut self, role: Role, style: Style) -> Theme {
        *self.slot_mut(role) = style;
        self
    }

    /// This theme without any colour: the modifiers (bold, dim, reversed...) stay. What the
    /// TUI draws under `NO_COLOR`.
    pub fn without_colour(self) -> Theme {
        let mut theme = self;
        for role in Role::ALL {
            let slot = theme.slot_mut(role);
            *slot = Style::new()
                .add_modifier(slot.add_modifier)
                .remove_modifier(slot.sub_modifier);
        }
        theme
    }

    fn slot(&self, role: Role) -> &Style {
        match role {
            Role::Base => &self.base,
            Role::Title => &self.title,
            Role::Muted => &self.muted,
            Role::Guidance => &self.guidance,
            Role::Ok => &self.ok,
            Role::Error => &self.error,
            Role::Staged => &self.staged,
            Role::On => &self.on,
            Role::Reserved => &self.reserved,
            Role::Badge => &self.badge,
            Role::Selected => &self.selected,
            Role::HighlightDigit => &self.highlight_digit,
            Role::BorderFocused => &self.border_focused,
            Role::BorderUnfocused => &self.border_unfocused,
        }
    }

    fn slot_mut(&mut self, role: Role) -> &mut Style {
        match role {
            Role::Base => &mut self.base,
            Role::Title => &mut self.title,
            Role::Muted => &mut self.muted,
            Role::Guidance => &mut self.guidance,
            Role::Ok => &mut self.ok,
            Role::Error => &mut self.error,
            Role::Staged => &mut self.staged,
            Role::On => &mut self.on,
            Role::Reserved => &mut self.reserved,
            Role::Badge => &mut self.badge,
            Role::Selected => &mut self.selected,
            Role::HighlightDigit => &mut self.highlight_digit,
            Role::BorderFocused => &mut self.border_focused,
            Role::BorderUnfocused => &mut self.border_unfocused,
        }
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::DARK
    }
}

/// The 16 basic colours by name, as a `[theme]` value spells them.
const COLOURS: [(&str, Color); 16] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
];

const MODIFIERS: [(&str, Modifier); 5] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
];

/// A colour name: one of the 16, or `default` / `reset` (the terminal's own colour).
/// Case, `_` and `-` do not matter (`dark_gray`, `Dark-Gray`), and `grey` is `gray`.
fn colour(word: &str) -> Option<Color> {
    let name: String = word
        .chars()
        .filter(|c| !matches!(c, '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    let name = name.replace("grey", "gray");
    if name == "default" || name == "reset" {
        return Some(Color::Reset);
    }
    COLOURS.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

fn modifier(word: &str) -> Option<Modifier> {
    let name = word.to_lowercase();
    let name = if name == "underline" {
        "underlined"
    } else {
        &name
    };
    MODIFIERS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

/// What a style may say, for error messages.
fn style_syntax() -> String {
    let colours: Vec<&str> = COLOURS.iter().map(|(n, _)| *n).collect();
    let modifiers: Vec<&str> = MODIFIERS.iter().map(|(n, _)| *n).collect();
    format!(
        "a style is words: at most one colour ({}, default), any of the modifiers {}, and `on COLOUR` for the background, e.g. \"bold red\" or \"black on yellow\"",
        colours.join(", "),
        modifiers.join(", ")
    )
}

/// Parses a role's style: `"red"`, `"bold red"`, `"black on yellow"`, `"reversed"`,
/// `"default"`. The style replaces the role's whole style (an override of `error` that says
/// `"red"` is red, not bold).
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace().peekable();
    if words.peek().is_none() {
        return Err(format!("is empty; {}", style_syntax()));
    }
    let mut fg = None;
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("on") {
            let Some(next) = words.next() else {
                return Err(format!(
                    "{text:?} ends with `on` and no background colour; {}",
                    style_syntax()
                ));
            };
            let Some(bg) = colour(next) else {
                return Err(format!("{next:?} is not a colour; {}", style_syntax()));
            };
            if style.bg.is_some() {
                return Err(format!("{text:?} names two backgrounds"));
            }
            style = style.bg(bg);
        } else if let Some(m) = modifier(word) {
            style = style.add_modifier(m);
        } else if let Some(c) = colour(word) {
            if fg.is_some() {
                return Err(format!(
                    "{text:?} names two colours; the background is `on COLOUR`, e.g. \"black on yellow\""
                ));
            }
            fg = Some(c);
            style = style.fg(c);
        } else {
            return Err(format!(
                "{word:?} is not a colour or a modifier; {}",
                style_syntax()
            ));
        }
    }
    Ok(style)
}

/// Whether `NO_COLOR` asks for no colour: set and not empty (<https://no-color.org/>).
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

static CURRENT: RwLock<Theme> = RwLock::new(Theme::DARK);

/// Sets the theme the role functions return.
pub fn set(theme: Theme) {
    *CURRENT.write().unwrap_or_else(PoisonError::into_inner) = theme;
}

/// Sets the theme for the TUI, before its first frame: without colour when `NO_COLOR` is
/// set. (crossterm drops colours under `NO_COLOR` too, but the reset it writes instead also
/// drops bold and reverse video; a theme without colour never asks for one.)
pub fn install(theme: Theme) {
    set(if no_color_env() {
        theme.without_colour()
    } else {
        theme
    });
}

/// The theme in use.
pub fn current() -> Theme {
    *CURRENT.read().unwrap_or_else(PoisonError::into_inner)
}

pub fn base() -> Style {
    current().base
}

pub fn title() -> Style {
    current().title
}

pub fn muted() -> Style {
    current().muted
}

pub fn guidance() -> Style {
    current().guidance
}

pub fn ok() -> Style {
    current().ok
}

pub fn error() -> Style {
    current().error
}

pub fn staged() -> Style {
    current().staged
}

pub fn on() -> Style {
    current().on
}

pub fn reserved() -> Style {
    current().reserved
}

pub fn badge() -> Style {
    current().badge
}

pub fn selected() -> Style {
    current().selected
}

pub fn highlight_digit() -> Style {
    current().highlight_digit
}

pub fn border(focused: bool) -> Style {
    let theme = current();
    if focused {
        theme.border_focused
    } else {
        theme.border_unfocused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_parse_from_words() {
        assert_eq!(parse_style("red").unwrap(), Style::new().fg(Color::Red));
        assert_eq!(
            parse_style(" Bold  dark_grey ").unwrap(),
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            parse_style("black on light-yellow underline").unwrap(),
            Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(Modifier::UNDERLINED)
        );
        assert_eq!(
            parse_style("reversed").unwrap(),
            Style::new().add_modifier(Modifier::REVERSED)
        );
        assert_eq!(
            parse_style("default").unwrap(),
            Style::new().fg(Color::Reset)
        );
        assert_eq!(
            parse_style("on reset").unwrap(),
            Style::new().bg(Color::Reset)
        );
        for (bad, says) in [
            ("purple", "\"purple\" is not a colour"),
            ("#ff0000", "is not a colour"),
            ("red blue", "two colours"),
            ("black on", "ends with `on`"),
            ("on navy", "\"navy\" is not a colour"),
            ("on red on blue", "two backgrounds"),
            ("  ", "is empty"),
        ] {
            let err = parse_style(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
        assert!(parse_style("x").unwrap_err().contains("lightmagenta"));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
        for preset in Preset::ALL {
            assert_eq!(Preset::from_name(preset.name()), Some(preset));
        }
        assert_eq!(Role::from_name("Error"), None);
    }

    #[test]
    fn without_colour_keeps_the_modifiers_only() {
        let plain = Theme::DARK.without_colour();
        for role in Role::ALL {
            let s = plain.get(role);
            assert_eq!((s.fg, s.bg), (None, None), "{}", role.name());
            assert_eq!(s.add_modifier, Theme::DARK.get(role).add_modifier);
        }
        let t = Theme::LIGHT.with(Role::Error, Style::new().fg(Color::Yellow));
        assert_eq!(t.error, Style::new().fg(Color::Yellow));
        assert_eq!(t.staged, Theme::LIGHT.staged);
    }
}
