//! Themes and colours: the presets, `--theme` and the config file's `theme` / `[theme]`
//! (flag over file, role overrides, errors with file, line and key), and `NO_COLOR`: a
//! snapshot of the screen's styles without colour, where every state still reads by symbol
//! or modifier, and the real binary in a pty writing no colour at all.
//!
//! The theme is process-wide (set once before the first frame), so the tests that render
//! here take `THEME_LOCK` around setting it and drawing.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use convmark::app::{App, update};
use convmark::config::{self, ConfigFile, parse_file};
use convmark::service::ItemOutcome;
use convmark::ui::theme::{self, Preset, Role, Theme, parse_style};
use crossterm::event::KeyCode;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use tui_support::*;

static THEME_LOCK: Mutex<()> = Mutex::new(());

/// Draws the app at a size with a theme.
fn render(app: &mut App, theme: Theme, width: u16, height: u16) -> Buffer {
    let _guard = THEME_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    theme::set(theme);
    update(app, convmark::app::Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| convmark::ui::render(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    theme::set(Theme::DARK);
    buffer
}

fn describe(fg: Color, bg: Color, modifier: Modifier) -> String {
    let mut words: Vec<String> = Vec::new();
    for (m, name) in [
        (Modifier::BOLD, "bold"),
        (Modifier::DIM, "dim"),
        (Modifier::ITALIC, "italic"),
        (Modifier::UNDERLINED, "underlined"),
        (Modifier::REVERSED, "reversed"),
    ] {
        if modifier.contains(m) {
            words.push(name.into());
        }
    }
    if fg != Color::Reset {
        words.push(format!("{fg:?}").to_lowercase());
    }
    if bg != Color::Reset {
        words.push(format!("on {}", format!("{bg:?}").to_lowercase()));
    }
    words.join(" ")
}

/// The screen as text, then the same grid with one letter per styled cell, then what each
/// letter means (fg, bg and modifiers); `.` is a cell in the terminal's own colours.
fn styled_screen(buffer: &Buffer) -> String {
    let area = buffer.area;
    let mut legend: Vec<String> = Vec::new();
    let mut map = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut skip = 0usize;
        for x in area.left()..area.right() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let cell = buffer.cell((x, y)).unwrap();
            skip = ratatui::text::Span::raw(cell.symbol())
                .width()
                .saturating_sub(1);
            let style = describe(cell.fg, cell.bg, cell.modifier);
            if style.is_empty() {
                line.push('.');
                continue;
            }
            let i = legend.iter().position(|s| *s == style).unwrap_or_else(|| {
                legend.push(style);
                legend.len() - 1
            });
            line.push(char::from(b'a' + u8::try_from(i).unwrap()));
        }
        map.push_str(line.trim_end_matches('.'));
        map.push('\n');
    }
    let mut out = convmark::ui::buffer_text(buffer);
    out.push_str("\n--- styles\n");
    out.push_str(&map);
    out.push_str("\n--- legend\n");
    for (i, style) in legend.iter().enumerate() {
        out.push_str(&format!("{} {style}\n", char::from(b'a' + i as u8)));
    }
    out
}

/// Every state at once: chosen rows (`◆`), staged edits (`*`, `+`), the results of a commit
/// (`✓`, `✗`, `⊘`), its error in the status line and the detail pane, set, unset and
/// reserved bits, and the grid's cursor.
fn every_state() -> App {
    let mut app = loaded_app(4);
    // carol, dave and erin: bit 33 staged on each
    keys(&mut app, [ch('j'), ch('j')]);
    keys(
        &mut app,
        [
            key(KeyCode::Tab),
            ch('j'),
            ch('j'),
            ch('j'),
            ch('j'),
            ch('l'),
            ch(' '),
            key(KeyCode::BackTab),
        ],
    );
    keys(&mut app, [ch('j')]);
    keys(
        &mut app,
        [key(KeyCode::Tab), ch(' '), key(KeyCode::BackTab)],
    );
    keys(&mut app, [ch('j'), ch('j')]);
    keys(
        &mut app,
        [key(KeyCode::Tab), ch(' '), key(KeyCode::BackTab)],
    );
    // the commit answers 51013 for carol and 0 for dave; erin's call is not sent
    let (id, plan, _) = commit_of(keys(&mut app, [ch('c')]));
    update(
        &mut app,
        committed(id, &plan, |p| match p.id() {
            "carol" => answer(51013),
            "dave" => answer(0),
            _ => ItemOutcome::NotSent,
        }),
    );
    // bob and team-standup chosen with v (which moves down: to carol), and the grid with
    // its cursor on her staged bit 33
    keys(&mut app, [key(KeyCode::Home), ch('v'), ch('v')]);
    keys(&mut app, [key(KeyCode::Tab)]);
    app
}

#[test]
fn without_colour_every_state_reads_by_symbol_or_modifier() {
    let mut app = every_state();
    let buffer = render(&mut app, Theme::DARK.without_colour(), 100, 40);
    for cell in buffer.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
    let text = convmark::ui::buffer_text(&buffer);
    for symbol in [
        "◆", "*", "+", "✓ 0", "✗51013", "⊘ skip", "●", "○", "■", "·", "›",
    ] {
        assert!(text.contains(symbol), "{symbol} missing:\n{text}");
    }
    // the cursor is reverse video; the selected row of the unfocused list is bold
    let at = |x: u16, y: u16| buffer.cell((x, y)).unwrap().modifier;
    let (cx, cy) = find(&buffer, "33").unwrap();
    assert!(at(cx, cy).contains(Modifier::REVERSED), "the cursor");
    let (sx, sy) = find(&buffer, "› @ carol").unwrap();
    assert!(at(sx + 4, sy).contains(Modifier::BOLD), "carol's row");
    insta::assert_snapshot!(styled_screen(&buffer));
}

/// Where a text starts on the screen (first match, by cell).
fn find(buffer: &Buffer, what: &str) -> Option<(u16, u16)> {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let row: Vec<String> = (area.left()..area.right())
            .map(|x| buffer.cell((x, y)).unwrap().symbol().to_owned())
            .collect();
        for x in 0..row.len() {
            if row[x..].concat().starts_with(what) {
                return Some((x as u16, y));
            }
        }
    }
    None
}

/// Colours that vanish or strain on a white background when they are the text's colour.
fn unreadable_on_white(fg: Color) -> bool {
    matches!(
        fg,
        Color::Yellow
            | Color::LightYellow
            | Color::Cyan
            | Color::LightCyan
            | Color::Gray
            | Color::DarkGray
            | Color::White
            | Color::LightGreen
    )
}

#[test]
fn the_light_preset_keeps_the_text_and_changes_what_a_white_background_hides() {
    let mut app = every_state();
    let dark = render(&mut app, Theme::DARK, 100, 30);
    let light = render(&mut app, Theme::LIGHT, 100, 30);
    assert_eq!(
        convmark::ui::buffer_text(&dark),
        convmark::ui::buffer_text(&light)
    );
    assert_ne!(dark, light);
    // no cell of the light screen has yellow, cyan or grey text on the terminal's background
    for (i, cell) in light.content().iter().enumerate() {
        if cell.bg == Color::Reset && !cell.modifier.contains(Modifier::REVERSED) {
            assert!(
                !unreadable_on_white(cell.fg),
                "cell {i} {:?} is {:?} on white",
                cell.symbol(),
                cell.fg
            );
        }
    }
    // the dark screen does use them: the test can fail
    assert!(dark.content().iter().any(|c| unreadable_on_white(c.fg)));
    // roles by role: the same where colour is not the point, changed where it was yellow,
    // cyan or grey
    for role in Role::ALL {
        let (d, l) = (Theme::DARK.get(role), Theme::LIGHT.get(role));
        let risky = d.fg.is_some_and(unreadable_on_white) || d.bg == Some(Color::Yellow);
        if risky {
            assert_ne!(d, l, "{} must change for white", role.name());
        }
        if let Some(fg) = l.fg
            && l.bg.is_none()
        {
            assert!(!unreadable_on_white(fg), "{}", role.name());
        }
    }
    for role in [
        Role::Base,
        Role::Title,
        Role::Error,
        Role::Selected,
        Role::On,
    ] {
        assert_eq!(
            Theme::DARK.get(role),
            Theme::LIGHT.get(role),
            "{}",
            role.name()
        );
    }
}

#[test]
fn the_dark_preset_is_the_look_of_before() {
    let t = Theme::DARK;
    assert_eq!(
        t.staged,
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    );
    assert_eq!(t.muted, Style::new().fg(Color::DarkGray));
    assert_eq!(t.badge, Style::new().fg(Color::Black).bg(Color::Yellow));
    assert_eq!(t.border_focused, Style::new().fg(Color::Cyan));
    assert_eq!(Theme::default(), t);
    let _guard = THEME_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(theme::current(), t, "dark until set");
    assert_eq!(theme::border(true), t.border_focused);
    assert_eq!(theme::border(false), t.border_unfocused);
}

fn file(text: &str) -> ConfigFile {
    parse_file(text).unwrap()
}

fn chosen(text: &str, flag: Option<Preset>) -> Theme {
    config::theme(&file(text), Path::new("/c.toml"), flag).unwrap()
}

#[test]
fn the_flag_beats_the_file_which_beats_dark() {
    assert_eq!(chosen("", None), Theme::DARK);
    assert_eq!(chosen("", Some(Preset::Light)), Theme::LIGHT);
    assert_eq!(chosen("theme = \"light\"\n", None), Theme::LIGHT);
    assert_eq!(
        chosen("theme = \"light\"\n", Some(Preset::Dark)),
        Theme::DARK
    );
    assert_eq!(
        chosen("theme = \"dark\"\n", Some(Preset::Light)),
        Theme::LIGHT
    );
    assert_eq!(chosen("[theme]\npreset = \"light\"\n", None), Theme::LIGHT);
    assert_eq!(
        chosen("[theme]\npreset = \"light\"\n", Some(Preset::Dark)),
        Theme::DARK
    );
}

#[test]
fn the_theme_table_overrides_single_roles_of_the_chosen_preset() {
    let text = "[theme]\npreset = \"light\"\nerror = \"red\"\nstaged = \"bold yellow on black\"\nselected = \"bold reversed\"\nmuted = \"default\"\n";
    for (flag, base) in [(None, Theme::LIGHT), (Some(Preset::Dark), Theme::DARK)] {
        let t = chosen(text, flag);
        // a value replaces the role's whole style: error is red, no longer bold
        assert_eq!(t.error, Style::new().fg(Color::Red));
        assert_eq!(
            t.staged,
            Style::new()
                .fg(Color::Yellow)
                .bg(Color::Black)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(
            t.selected,
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        );
        assert_eq!(t.muted, Style::new().fg(Color::Reset));
        // the others are the preset's
        assert_eq!(t.ok, base.ok);
        assert_eq!(t.border_focused, base.border_focused);
    }
    // without a preset, the table patches dark (or the flag's)
    assert_eq!(
        chosen("[theme]\nerror = \"red\"\n", None),
        Theme::DARK.with(Role::Error, Style::new().fg(Color::Red))
    );
    assert_eq!(
        chosen(
            "[theme]\nborder_focused = \"magenta\"\n",
            Some(Preset::Light)
        )
        .border_focused,
        Style::new().fg(Color::Magenta)
    );
    assert_eq!(
        parse_style("Light_Blue").unwrap(),
        Style::new().fg(Color::LightBlue)
    );
}

#[test]
fn a_bad_theme_names_the_line_and_the_key() {
    let cases = [
        (
            "mouse = true\n\n[theme]\nerror = \"purple\"\n",
            4,
            "theme.error",
            "\"purple\" is not a colour",
        ),
        (
            "[theme]\nok = \"green\"\nerorr = \"red\"\n",
            3,
            "theme.erorr",
            "no role \"erorr\"",
        ),
        (
            "theme = \"solarized\"\n",
            1,
            "theme",
            "no theme \"solarized\"",
        ),
        (
            "[theme]\n\npreset = \"white\"\n",
            3,
            "theme.preset",
            "no theme \"white\"",
        ),
        ("[theme]\nstaged = 3\n", 2, "theme.staged", "invalid type"),
        ("theme = 2\n", 1, "theme", "invalid type"),
        (
            "[theme]\nbadge = \"black on\"\n",
            2,
            "theme.badge",
            "no background colour",
        ),
        (
            "[theme]\nbadge = \"red green\"\n",
            2,
            "theme.badge",
            "two colours",
        ),
    ];
    for (text, line, key, says) in cases {
        let err = parse_file(text).unwrap_err();
        assert_eq!(
            (err.line, err.key.as_deref()),
            (Some(line), Some(key)),
            "{text}: {err}"
        );
        assert!(err.message.contains(says), "{text}: {err}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let shown = config::load_file(&path).unwrap_err().to_string();
        assert!(
            shown.contains(&format!(", line {line}, key {key}: ")),
            "{shown}"
        );
    }
    let err = parse_file("[theme]\nx = \"red\"\n").unwrap_err();
    assert!(
        err.message.contains("border_unfocused"),
        "lists the roles: {err}"
    );
}

/// The binary with no `CONVMARK_*` or `NO_COLOR` from the test's environment.
fn bare(config: &Path, data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_convmark"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CONVMARK_") {
            cmd.env_remove(name);
        }
    }
    cmd.env_remove("NO_COLOR")
        .env("CONVMARK_CONFIG", config)
        .env("CONVMARK_DATA_DIR", data);
    cmd
}

#[test]
fn the_tui_config_check_and_the_cli_refuse_a_bad_theme_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "mouse = true\n[theme]\nstaged = \"orange\"\n").unwrap();
    for args in [
        &["tui"][..],
        &[],
        &["--theme", "light"],
        &["config", "check"],
        &["get", "--user", "alice"],
    ] {
        let out = bare(&config, dir.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "the config file {}, line 3, key theme.staged: \"orange\" is not a colour",
                config.display()
            )),
            "{args:?}: {stderr}"
        );
    }
    let out = bare(&config, dir.path())
        .args(["demo", "--theme", "sepia"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("possible values: dark, light"), "{stderr}");
}

struct Pty {
    _pair: portable_pty::PtyPair,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

/// `convmark demo ARGS` at 80x24 with a config file of `config_text` (none when empty).
fn demo(dir: &Path, config_text: &str, args: &[&str], env: &[(&str, &str)]) -> Pty {
    let config = dir.join("config.toml");
    if !config_text.is_empty() {
        std::fs::write(&config, config_text).unwrap();
    }
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_convmark"));
    cmd.arg("demo");
    cmd.args(["--conversations", "20"]);
    cmd.args(args);
    cmd.env_remove("NO_COLOR");
    cmd.env("CONVMARK_CONFIG", &config);
    cmd.env("CONVMARK_DATA_DIR", dir);
    cmd.env("TERM", "xterm-256color");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = pair.slave.spawn_command(cmd).unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let parser = Arc::new(Mutex::new(vt100::Parser::new(
        NonZeroU16::new(24).unwrap(),
        NonZeroU16::new(80).unwrap(),
        0,
    )));
    let raw = Arc::new(Mutex::new(Vec::new()));
    let (feed, kept) = (Arc::clone(&parser), Arc::clone(&raw));
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
            kept.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let pty = Pty {
        _pair: pair,
        child,
        writer,
        parser,
        raw,
    };
    // a start-up warning takes the status line after the load
    pty.wait_for("alice loaded", |s| {
        s.contains("Loaded") || (s.contains("Warning:") && s.contains("/1,"))
    });
    pty
}

impl Pty {
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> vt100::Screen {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.parser.lock().unwrap().screen().clone();
            if pred(&screen.contents()) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{}",
                screen.contents()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn quit(mut self) {
        self.send(b"q");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{status:?}");
                return;
            }
            assert!(Instant::now() < deadline, "convmark did not exit");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Where a text is on a vt100 screen.
fn find_on(screen: &vt100::Screen, what: &str) -> (u16, u16) {
    let (rows, _) = screen.size();
    for row in 0..rows.get() {
        let line = screen.contents_between(row, 0, row, 80);
        if let Some(byte) = line.find(what) {
            return (row, line[..byte].chars().count() as u16);
        }
    }
    panic!("{what} is not on the screen:\n{}", screen.contents());
}

/// The parameters of every SGR sequence (`ESC [ ... m`) in the bytes.
fn sgr_params(bytes: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0x1b && bytes[i + 1] == b'[' {
            let start = i + 2;
            let mut j = start;
            while j < bytes.len() && (bytes[j].is_ascii_digit() || bytes[j] == b';') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'm' {
                out.push(String::from_utf8_lossy(&bytes[start..j]).into_owned());
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn no_color_writes_no_colour_and_keeps_bold_and_reverse_video() {
    let dir = tempfile::tempdir().unwrap();
    // a light theme with an override asked for: NO_COLOR still wins
    let mut pty = demo(dir.path(), "theme = \"light\"\n", &[], &[("NO_COLOR", "1")]);
    pty.send(b" ");
    let screen = pty.wait_for("the staged bit", |s| s.contains("Staged: bit 0"));
    // the selected row is reverse video from end to end, also past its dimmed and staged
    // parts (a colour change would have reset it)
    let (row, col) = find_on(&screen, "›");
    let text = |c: u16| screen.cell(row, c).unwrap().contents();
    // to the row's staged mark, past the dimmed peer symbol and the mark column
    let end = (col..80).find(|c| text(*c) == "*").unwrap() + 1;
    assert!(end > col + 20, "{}", screen.contents());
    for c in col..end {
        let cell = screen.cell(row, c).unwrap();
        assert!(
            cell.inverse(),
            "column {c} of the selected row is not reversed:\n{}",
            screen.contents()
        );
        assert_eq!(cell.fgcolor(), vt100::Color::Default, "column {c}");
        assert_eq!(cell.bgcolor(), vt100::Color::Default, "column {c}");
    }
    let (row, col) = find_on(&screen, "*");
    assert!(
        screen.cell(row, col).unwrap().bold(),
        "the staged mark is bold"
    );
    let raw = pty.raw.lock().unwrap().clone();
    let params = sgr_params(&raw);
    assert!(params.iter().any(|p| p == "7"), "reverse video is written");
    assert!(params.iter().any(|p| p == "1"), "bold is written");
    for p in &params {
        for n in p.split(';').filter_map(|n| n.parse::<u16>().ok()) {
            assert!(
                !matches!(n, 30..=38 | 40..=48 | 90..=97 | 100..=107),
                "a colour SGR {p:?} under NO_COLOR"
            );
        }
    }
    pty.send(b" ");
    pty.wait_for("unstaged", |s| s.contains("Unstaged bit 0"));
    pty.quit();
}

fn idx(n: u8) -> vt100::Color {
    vt100::Color::Idx(n)
}

/// The colours of the `[demo]` badge and of the focused list's border.
fn badge_and_border(pty: &Pty) -> (vt100::Color, vt100::Color, vt100::Color) {
    let screen = pty.parser.lock().unwrap().screen().clone();
    let (row, col) = find_on(&screen, "[demo]");
    let badge = screen.cell(row, col + 1).unwrap();
    let (row, col) = find_on(&screen, "┌ Conversations");
    let border = screen.cell(row, col).unwrap();
    (badge.fgcolor(), badge.bgcolor(), border.fgcolor())
}

#[test]
fn the_real_tui_takes_the_theme_from_the_flag_over_the_config_file() {
    const BLACK: u8 = 0;
    const YELLOW: u8 = 3;
    const BLUE: u8 = 4;
    const CYAN: u8 = 6;
    const WHITE: u8 = 15;
    let dir = tempfile::tempdir().unwrap();
    let dark = demo(dir.path(), "", &[], &[]);
    assert_eq!(
        badge_and_border(&dark),
        (idx(BLACK), idx(YELLOW), idx(CYAN))
    );
    dark.quit();

    let dir = tempfile::tempdir().unwrap();
    let light = demo(dir.path(), "theme = \"light\"\n", &[], &[]);
    assert_eq!(badge_and_border(&light), (idx(WHITE), idx(BLUE), idx(BLUE)));
    light.quit();

    let dir = tempfile::tempdir().unwrap();
    let flag = demo(dir.path(), "theme = \"dark\"\n", &["--theme", "light"], &[]);
    assert_eq!(badge_and_border(&flag), (idx(WHITE), idx(BLUE), idx(BLUE)));
    flag.quit();

    // a [theme] role override on top of the flag's preset
    let dir = tempfile::tempdir().unwrap();
    let patched = demo(
        dir.path(),
        "[theme]\npreset = \"light\"\nbadge = \"black on cyan\"\n",
        &["--theme", "dark"],
        &[],
    );
    assert_eq!(
        badge_and_border(&patched),
        (idx(BLACK), idx(CYAN), idx(CYAN))
    );
    patched.quit();
}

#[test]
fn the_demo_runs_on_defaults_with_a_broken_theme_or_key_map_and_says_so_in_the_tui() {
    for (config, what) in [
        (
            "[theme]\nstaged = \"orange\"\n",
            "the demo uses the defaults",
        ),
        (
            "[keys]\ncommit = \"ctrl-nonsense\"\n",
            "the demo uses the default keys",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut pty = demo(dir.path(), config, &[], &[]);
        let screen = pty.wait_for("the warning", |s| s.contains("Warning: the config file"));
        assert!(
            screen.contents().contains("(m shows all)"),
            "{}",
            screen.contents()
        );
        // the message log holds all of it, wrapped at 80 columns
        pty.send(b"m");
        let log = pty.wait_for("the log", |s| s.contains("Messages of this session"));
        let text = log.contents().replace('│', " ");
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(what), "{text}");
        assert!(
            text.contains("✓ Loaded 24 conversations of alice"),
            "{text}"
        );
        pty.send(b"\x1b");
        pty.wait_for("the log closed", |s| {
            !s.contains("Messages of this session")
        });
        // the default keys work: Space stages, `c` commits
        pty.send(b" c");
        pty.wait_for("the commit", |s| s.contains("Committed 1 conversation"));
        pty.quit();
    }
}

#[test]
fn every_role_is_a_config_key() {
    // the README and the example config name every role; a new role must be added there
    let readme = include_str!("../README.md");
    let example = include_str!("../assets/config.example.toml");
    for role in Role::ALL {
        assert!(
            readme.contains(&format!("`{}`", role.name())),
            "README: {}",
            role.name()
        );
        let line = format!("#   {} ", role.name());
        assert!(example.contains(&line), "config.example.toml: {line}");
    }
    config::theme(
        &parse_file(example).unwrap(),
        Path::new("/example.toml"),
        None,
    )
    .unwrap();
}
