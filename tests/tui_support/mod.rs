//! Shared helpers of the TUI tests: a deterministic app state, keys, screen text.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::BTreeMap;

use convmark::api::Client;
use convmark::api::wire::{
    ContactItem, ContactRecord, GroupItem, SessionItem, SessionPeer, WireMark,
};
use convmark::app::{App, Cmd, KeyMap, Msg, Session, update};
use convmark::domain::{MAX_MARK_ITEMS, MarkSet, Peer, batches};
use convmark::service::ItemOutcome;
use convmark::service::commit::{CommitItem, CommitReport};
use convmark::service::load::LoadPage;
use convmark::service::plan::{MarkPlan, PlannedChange};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn session() -> Session {
    Session {
        sdkappid: 1_400_000_000,
        endpoint: "singapore".into(),
        demo: false,
        read_only: false,
        config_path: "/home/u/.config/convmark/config.toml".into(),
        log_path: "/home/u/.local/share/convmark/convmark.log".into(),
        data_dir: None,
        mark_contact_url: "https://adminapisgp.im.qcloud.com/v4/recentcontact/mark_contact?sdkappid=1400000000&identifier=administrator&usersig=<redacted>&random=1&contenttype=json".into(),
        edition: None,
        warnings: Vec::new(),
        clock: convmark::app::Clock(|| 1_795_000_000),
    }
}

pub fn labels() -> BTreeMap<u8, String> {
    [(32u8, "VIP".to_owned()), (33, "support".to_owned())]
        .into_iter()
        .collect()
}

pub fn session_item(
    peer: Peer,
    time: u64,
    top: bool,
    mark: u64,
    custom: &str,
    groups: &[u64],
) -> SessionItem {
    SessionItem {
        peer: SessionPeer(peer),
        msg_time: time,
        top_flag: u8::from(top),
        standard_mark: Some(WireMark::from(MarkSet(mark))),
        custom_mark: (!custom.is_empty()).then(|| custom.to_owned()),
        contact_group_id: (!groups.is_empty()).then(|| groups.to_vec()),
    }
}

fn record(peer: Peer, mark: u64, custom: &str, groups: &[u64]) -> ContactRecord {
    ContactRecord {
        contact: ContactItem(peer),
        standard_mark: WireMark::from(MarkSet(mark)),
        custom_mark: (!custom.is_empty()).then(|| custom.to_owned()),
        contact_group_id: (!groups.is_empty()).then(|| groups.to_vec()),
        timestamp: 1_700_000_000,
    }
}

/// What a user's load brings: get_list items, get_contact_group records, groups.
pub struct UserData {
    pub sessions: Vec<SessionItem>,
    pub records: Vec<ContactRecord>,
    pub groups: Vec<GroupItem>,
}

/// Feeds a load's pages to the app (a get_list page, then a get_contact_group page) and
/// ends the load.
pub fn deliver(app: &mut App, id: u64, data: UserData) -> Vec<Cmd> {
    let mut cmds = update(
        app,
        Msg::LoadPage {
            id,
            page: LoadPage::Sessions(data.sessions),
        },
    );
    cmds.extend(update(
        app,
        Msg::LoadPage {
            id,
            page: LoadPage::Records {
                records: data.records,
                groups: data.groups,
            },
        },
    ));
    cmds.extend(update(app, Msg::Loaded { id, result: Ok(()) }));
    cmds
}

/// The id of the load a command list starts.
pub fn load_id(cmds: &[Cmd]) -> u64 {
    cmds.iter()
        .find_map(|c| match c {
            Cmd::LoadUser { id, .. } => Some(*id),
            _ => None,
        })
        .expect("a LoadUser command")
}

/// A small user: pinned and plain conversations, users and groups, marks, a custom mark,
/// groups, and one marked conversation that is not in the recent list.
pub fn user_data(extra: usize) -> UserData {
    let u = |s: &str| Peer::User(s.into());
    let g = |s: &str| Peer::Group(s.into());
    let mut sessions = vec![
        session_item(u("bob"), 1_700_000_900, true, 0b1, "", &[1]),
        session_item(g("@TGS#team-standup"), 1_700_000_800, true, 0, "", &[]),
        session_item(
            u("carol"),
            1_700_000_700,
            false,
            (1 << 32) | 0b10,
            "waiting on refund",
            &[1, 2],
        ),
        session_item(u("dave"), 1_700_000_600, false, 0b1100, "", &[]),
        session_item(
            g("@TGS#support-emea"),
            1_700_000_500,
            false,
            1 << 33,
            "",
            &[2],
        ),
        session_item(u("erin"), 1_700_000_400, false, 0, "", &[]),
    ];
    for i in 0..extra {
        sessions.push(session_item(
            u(&format!("user_{i:05}")),
            1_600_000_000 - i as u64,
            false,
            if i % 7 == 0 { 1 } else { 0 },
            "",
            &[],
        ));
    }
    UserData {
        sessions,
        records: vec![
            record(u("bob"), 0b1, "", &[1]),
            record(u("carol"), (1 << 32) | 0b10, "waiting on refund", &[1, 2]),
            record(u("dave"), 0b1100, "", &[]),
            record(g("@TGS#support-emea"), 1 << 33, "", &[2]),
            record(u("frank_archived"), 1 << 40, "", &[]),
        ],
        groups: vec![
            GroupItem {
                group_name: "Customers".into(),
                group_id: 1,
            },
            GroupItem {
                group_name: "Escalations".into(),
                group_id: 2,
            },
        ],
    }
}

/// An app with alice loaded from `user_data`.
pub fn loaded_app(extra: usize) -> App {
    let mut app = App::new(session(), KeyMap::default(), labels());
    let cmds = convmark::app::update::open_user(&mut app, "alice".into());
    assert_eq!(cmds.len(), 1);
    deliver(&mut app, load_id(&cmds), user_data(extra));
    app
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub fn keys(app: &mut App, msgs: impl IntoIterator<Item = Msg>) -> Vec<convmark::app::Cmd> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend(update(app, m));
    }
    out
}

pub fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(ch).collect()
}

/// Renders the app at a size and returns the screen as text.
pub fn screen(app: &mut App, width: u16, height: u16) -> String {
    update(app, Msg::Resize { width, height });
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| convmark::ui::render(f, app)).unwrap();
    convmark::ui::buffer_text(terminal.backend().buffer())
}

/// The commit a key sent: its request id, and its plan in batches of 100.
pub fn commit_cmd(cmds: Vec<Cmd>) -> Vec<Vec<PlannedChange>> {
    commit_of(cmds).2
}

pub fn commit_of(cmds: Vec<Cmd>) -> (u64, MarkPlan, Vec<Vec<PlannedChange>>) {
    match cmds.as_slice() {
        [Cmd::Commit { id, plan, .. }] => {
            assert_eq!(plan.user, "alice");
            let b = batches(&plan.changes, MAX_MARK_ITEMS)
                .map(<[PlannedChange]>::to_vec)
                .collect();
            (*id, plan.clone(), b)
        }
        other => panic!("expected one commit, got {other:?}"),
    }
}

/// The answer of a commit: each planned conversation's outcome.
pub fn committed(id: u64, plan: &MarkPlan, outcome: impl Fn(&Peer) -> ItemOutcome) -> Msg {
    Msg::Committed {
        id,
        report: CommitReport {
            id: "test".into(),
            items: plan
                .changes
                .iter()
                .map(|p| CommitItem {
                    user: plan.user.clone(),
                    planned: p.clone(),
                    outcome: outcome(&p.change.peer),
                })
                .collect(),
            calls_sent: plan.calls(),
            calls_not_sent: 0,
            audit_error: None,
        },
    }
}

pub fn answer(code: i64) -> ItemOutcome {
    ItemOutcome::Answered {
        code,
        info: String::new(),
    }
}

/// Opens `user` in `app` and loads every page from a real server, as the runtime would.
pub async fn load_from(client: &Client, app: &mut App, user: &str) {
    let cmds = convmark::app::update::open_user(app, user.into());
    let id = load_id(&cmds);
    let pages = std::sync::Mutex::new(Vec::new());
    convmark::service::load::user_pages(client, user, |p| pages.lock().unwrap().push(p))
        .await
        .unwrap();
    for page in pages.into_inner().unwrap() {
        update(app, Msg::LoadPage { id, page });
    }
    update(app, Msg::Loaded { id, result: Ok(()) });
}
