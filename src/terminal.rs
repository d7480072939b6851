//! Terminal hygiene: raw mode and the alternate screen on the way in, and always restored on
//! the way out: on quit (the guard's drop), on panic (the hook), on Ctrl-C (a key in raw
//! mode, handled as force quit) and on SIGINT, SIGQUIT, SIGHUP and SIGTERM (turned into that
//! same key by `tui::signals`, whose handlers are installed before `TerminalGuard::enter`).

use std::io::{self, Stdout, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// Restores the terminal when dropped.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = io::stdout();
        let entered = execute!(
            out,
            EnterAlternateScreen,
            EnableBracketedPaste,
            cursor::Hide
        )
        .and_then(|()| {
            if mouse {
                execute!(out, EnableMouseCapture)
            } else {
                Ok(())
            }
        });
        if let Err(e) = entered {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(out)) {
            Ok(terminal) => Ok(TerminalGuard { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen; safe to call more than once.
pub fn restore() {
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard: `ESC ] 52 ; c ;
/// <base64> BEL`. It travels in the output stream, so it works over SSH (tmux passes it
/// on with `set-clipboard on`).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod osc52_tests {
    use super::osc52;

    #[test]
    fn osc52_wraps_base64_of_the_utf8_text() {
        assert_eq!(osc52("c2c_bob"), "\x1b]52;c;YzJjX2JvYg==\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        // UTF-8 bytes, not characters
        assert_eq!(osc52("客"), "\x1b]52;c;5a6i\x07");
    }
}
