//! The key hints of the bottom row, from the same [`Mode`] the key handler matches and the
//! live key map, so a hint never names a key that does something else (or nothing).

use super::keys::Action;
use super::mode::{Confirm, Mode, Overlay};
use super::state::{App, Focus};

/// (keys, what they do), most useful first; the row shows as many as fit.
pub fn hints(app: &App) -> Vec<(String, &'static str)> {
    let k = |a: Action| app.keys.hint(a);
    let both = |a: Action, b: Action| format!("{}{}", k(a), k(b));
    let esc = k(Action::Back);
    // the text fields and the yes/no questions answer to these keys alone (not in the map)
    let fixed_esc = || "Esc".to_owned();
    let ro = app.session.read_only;
    let mut v: Vec<(String, &'static str)> = Vec::new();
    match &app.mode {
        Mode::Overlay(o) | Mode::Groups { over: Some(o), .. } => match o {
            Overlay::Confirm(Confirm::RestoreJournal) => {
                v.push(("y".into(), "restore"));
                v.push(("n".into(), "delete journal"));
            }
            Overlay::Confirm(_) => {
                v.push(("y".into(), "yes"));
                v.push(("n/Esc".into(), "no"));
            }
            Overlay::Prompt { .. } => {
                v.push(("Enter".into(), "ok"));
                v.push((fixed_esc(), "cancel"));
            }
            Overlay::Help { .. } | Overlay::Messages { .. } => {
                v.push((both(Action::Up, Action::Down), "scroll"));
                v.push((esc, "close"));
            }
            Overlay::Preview { .. } => {
                v.push((
                    format!(
                        "{} {}/{}",
                        both(Action::Up, Action::Down),
                        k(Action::PageUp),
                        k(Action::PageDown)
                    ),
                    "scroll",
                ));
                v.push((k(Action::Copy), "copy JSON"));
                v.push((esc, "close"));
            }
            Overlay::Staged { .. } => {
                v.push((both(Action::Up, Action::Down), "move"));
                v.push(("Enter".into(), "go to row"));
                v.push((k(Action::Unstage), "drop"));
                v.push((k(Action::DropAll), "drop all"));
                v.push((esc, "close"));
            }
            Overlay::History { .. } => {
                v.push((both(Action::Up, Action::Down), "move"));
                if !ro {
                    v.push(("Enter".into(), "stage its inverse"));
                }
                v.push((esc, "close"));
            }
        },
        Mode::Groups { over: None, .. } => {
            if !ro {
                v.push((k(Action::GroupToggle), "add/remove"));
                v.push((k(Action::GroupNew), "new"));
                v.push((k(Action::GroupRename), "rename"));
                v.push((k(Action::GroupDelete), "delete"));
            } else {
                v.push((both(Action::Up, Action::Down), "move"));
            }
            v.push((esc, "close"));
        }
        Mode::EditCustom => {
            v.push(("Enter".into(), "stage"));
            v.push((fixed_esc(), "cancel"));
            v.push(("typing".into(), "edits the text"));
        }
        Mode::Filter => {
            v.push(("Enter".into(), "keep filter"));
            v.push((fixed_esc(), "clear"));
            v.push(("↑↓".into(), "move"));
            v.push(("is:staged bit:N".into(), "quick filters"));
        }
        Mode::Normal => {
            if app.requests.committing().is_some() {
                v.push((esc.clone(), "cancel unsent calls"));
            } else if !app.selection.is_empty() {
                v.push((esc.clone(), "unselect"));
            } else if !app.filter.value().is_empty() {
                v.push((esc.clone(), "clear filter"));
            } else if app.requests.loading().is_some() {
                v.push((esc.clone(), "stop loading"));
            }
            match app.focus {
                Focus::List => {
                    v.push((both(Action::Up, Action::Down), "move"));
                    if !ro {
                        v.push((k(Action::Toggle), "flip"));
                        v.push((k(Action::Select), "select"));
                    }
                    v.push((k(Action::Filter), "filter"));
                }
                Focus::Grid => {
                    v.push((
                        format!(
                            "{}{}{}{}",
                            k(Action::Left),
                            k(Action::Up),
                            k(Action::Down),
                            k(Action::Right)
                        ),
                        "move",
                    ));
                    if !ro {
                        v.push((k(Action::Toggle), "flip"));
                        v.push((k(Action::EditCustom), "custom"));
                    }
                }
                Focus::Custom => {
                    if !ro {
                        v.push((k(Action::EditCustom), "edit"));
                        if app.current().is_some_and(|c| !c.staged.is_empty()) {
                            v.push((k(Action::Unstage), "unstage"));
                        }
                    }
                }
            }
            if !ro {
                v.push((k(Action::Commit), "commit"));
                v.push((k(Action::Preview), "preview"));
            }
            v.push((k(Action::Help), "help"));
            v.push((k(Action::Quit), "quit"));
            v.push((k(Action::NextPane), "pane"));
            if !ro {
                v.push((k(Action::Staged), "staged"));
            }
            v.push((k(Action::Groups), "groups"));
            v.push((k(Action::Messages), "messages"));
            v.push((k(Action::SwitchUser), "user"));
            v.push((k(Action::Reload), "reload"));
            v.push((k(Action::Copy), "copy"));
        }
    }
    v
}
