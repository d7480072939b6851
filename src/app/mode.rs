//! Who gets a key: one [`Mode`], matched by the key handler, the click handler and the hint
//! row alike, so what a key does and what the hints say cannot drift apart.

use tui_input::Input;

use crate::domain::BitIndex;

/// What a confirmation asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Quit although edits are staged or requests are in flight.
    Quit,
    /// Flip a bit reserved for Chat (4..=31).
    ToggleReserved(BitIndex),
    /// Stage again the edits the journal kept from an earlier session (`journal_offer`).
    RestoreJournal,
    /// Delete the conversation group with this ID (sent at once, not staged).
    DeleteGroup(u64),
    /// Drop every staged edit; asked from the staged overlay (its row then), "no" goes back
    /// there.
    DropAll { from_staged: Option<usize> },
}

/// What a one-line prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    User,
    AddConversation,
    /// The name of a new conversation group (groups popup).
    NewGroup,
    /// The new name of the conversation group with this ID (groups popup).
    RenameGroup(u64),
}

/// The groups popup: the user's conversation groups, a cursor among them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupsPopup {
    /// Position in [`super::App::group_list`].
    pub selected: usize,
}

/// One entry of the history overlay: an audited commit of this user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: String,
    pub time: u64,
    /// Conversations it changed (ResultCode 0), and a short summary of what.
    pub changed: usize,
    pub summary: String,
    /// The staged edits that revert it where the server still holds what it wrote.
    pub inverse: Vec<crate::domain::MarkChange>,
    /// Conversations changed since by someone else: left out of `inverse`.
    pub conflicts: Vec<String>,
    /// It changed groups too (those are reverted by `convmark undo`, not staged).
    pub groups: bool,
}

/// Something drawn over the panes that takes the keys first.
#[derive(Debug, Clone)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    /// The request preview, built once when it opens, scrolled down by `scroll` lines.
    Preview {
        text: String,
        scroll: u16,
    },
    Confirm(Confirm),
    Prompt {
        kind: PromptKind,
        input: Input,
    },
    /// The session's messages, newest first.
    Messages {
        scroll: u16,
    },
    /// Every conversation with a staged edit, old → new, in words.
    Staged {
        selected: usize,
    },
    /// This user's audited commits, newest first.
    History {
        entries: Vec<HistoryEntry>,
        selected: usize,
        /// Why the audit log could not be read, if it could not.
        error: Option<String>,
    },
}

/// Who gets the keys.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    /// The panes: the key map's main-screen actions.
    #[default]
    Normal,
    /// Typing into the list's filter.
    Filter,
    /// Typing into the custom mark editor.
    EditCustom,
    /// The groups popup, with a prompt or a confirmation over it when `over` is set.
    Groups {
        popup: GroupsPopup,
        over: Option<Overlay>,
    },
    /// An overlay over the panes.
    Overlay(Overlay),
}

impl Mode {
    /// The overlay on top, if any (over the panes or over the groups popup).
    pub fn overlay(&self) -> Option<&Overlay> {
        match self {
            Mode::Overlay(o) | Mode::Groups { over: Some(o), .. } => Some(o),
            _ => None,
        }
    }

    pub fn overlay_mut(&mut self) -> Option<&mut Overlay> {
        match self {
            Mode::Overlay(o) | Mode::Groups { over: Some(o), .. } => Some(o),
            _ => None,
        }
    }

    pub fn groups_popup(&self) -> Option<GroupsPopup> {
        match self {
            Mode::Groups { popup, .. } => Some(*popup),
            _ => None,
        }
    }

    pub fn is_normal(&self) -> bool {
        matches!(self, Mode::Normal)
    }

    /// Puts an overlay on top: over the groups popup when it is open.
    pub fn push(&mut self, overlay: Overlay) {
        match self {
            Mode::Groups { over, .. } => *over = Some(overlay),
            other => *other = Mode::Overlay(overlay),
        }
    }

    /// Takes the overlay on top away (the groups popup stays).
    pub fn pop(&mut self) -> Option<Overlay> {
        match self {
            Mode::Groups { over, .. } => over.take(),
            Mode::Overlay(_) => match std::mem::take(self) {
                Mode::Overlay(o) => Some(o),
                _ => None,
            },
            _ => None,
        }
    }
}
