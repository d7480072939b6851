//! Deterministic demo data: the same seed gives the same app, so screenshots and tests are
//! stable. The main user (`alice`) has `conversations` recent conversations (C2C and
//! groups, a few pinned), marks on a few hundred of them (internal bits 0..=3 and extension
//! bits 32..=63), custom marks in several scripts, three conversation groups, a few marked
//! conversations that are not in her recent list, and one disbanded group.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

use crate::domain::Peer;

use super::DEMO_USER;
use super::store::{Conversation, State, UserData};

/// Every demo user; the first is the main one.
pub const DEMO_USERS: &[&str] = &[
    DEMO_USER, "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
];
/// Users that exist but are not in alice's recent list (some of them are marked).
pub const ARCHIVED_USERS: &[&str] = &["oscar", "zoe"];
/// Marked group conversations that are not in alice's recent list.
pub const ARCHIVED_GROUPS: &[&str] = &["@TGS#1ARCHIVED01", "@TGS#1ARCHIVED02"];
/// A group the store knows as disbanded: marking it answers 51007.
pub const DISBANDED_GROUP: &str = "@TGS#2DISBANDED1";
/// alice's conversation groups.
pub const DEMO_GROUPS: [&str; 3] = ["Customers", "Suppliers", "家人"];

const SEED: u64 = 0x00C0_FFEE;
/// MsgTime of the newest seeded conversation (late November 2025).
const BASE_TIME: u64 = 1_764_000_000;
/// Marked conversations of alice in her recent list (well under the 1,000 limit).
const MARKED_TARGET: usize = 300;
/// Positions in alice's list that are pinned.
const PINNED: [usize; 6] = [1, 4, 9, 23, 57, 120];

const CUSTOM_MARKS: &[&str] = &[
    "VIP",
    "回访客户",
    "🚀 launch week",
    "претензия",
    "follow up Friday",
    "家人 👨‍👩‍👧",
    "待处理 ⏳",
    "⭐⭐⭐",
    "invoice #4471 overdue",
    "mixed 中文 and emoji 🎉",
];

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut out = vec![b'0'; 8];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// alice's peers, newest first.
fn alice_peers(conversations: usize) -> Vec<Peer> {
    let mut peers: Vec<Peer> = DEMO_USERS[1..]
        .iter()
        .map(|u| Peer::User((*u).to_owned()))
        .collect();
    peers.truncate(conversations);
    let mut i = peers.len();
    while peers.len() < conversations {
        let peer = if i == 12 {
            Peer::Group(DISBANDED_GROUP.to_owned())
        } else if i % 4 == 1 {
            Peer::Group(format!("@TGS#1{}", base36(i as u64 * 7919 + 1_000_003)))
        } else {
            Peer::User(format!("user{i:06}"))
        };
        peers.push(peer);
        i += 1;
    }
    peers
}

fn random_mark(rng: &mut StdRng) -> u64 {
    let mut mark = 0u64;
    for bit in 0..4 {
        if rng.random_bool(0.35) {
            mark |= 1 << bit;
        }
    }
    if rng.random_bool(0.4) {
        mark |= 1 << rng.random_range(32..64);
    }
    if mark == 0 { 1 } else { mark }
}

fn random_custom(rng: &mut StdRng) -> String {
    if rng.random_bool(0.2) {
        CUSTOM_MARKS
            .choose(rng)
            .copied()
            .unwrap_or("VIP")
            .to_owned()
    } else {
        String::new()
    }
}

fn mark(user: &mut UserData, peer: &Peer, mark: u64, custom: String, time: u64) {
    // the seed stays far below the 1,000-record limit, so this cannot fail
    let _ = user.update_record(peer, time, |r| {
        r.mark = mark;
        r.custom = custom;
    });
}

/// Fills `state` with the demo app.
pub fn demo(state: &mut State, conversations: usize) {
    let mut rng = StdRng::seed_from_u64(SEED);
    let peers = alice_peers(conversations);
    for id in DEMO_USERS.iter().chain(ARCHIVED_USERS) {
        state.accounts.insert((*id).to_owned());
    }
    for peer in &peers {
        if let Peer::User(id) = peer {
            state.accounts.insert(id.clone());
        }
    }
    state.disbanded.insert(DISBANDED_GROUP.to_owned());

    let alice = state.user_mut(DEMO_USER);
    alice.conversations.reserve(peers.len());
    for (i, peer) in peers.iter().enumerate() {
        let msg_time = BASE_TIME - (i as u64) * 97 - rng.random_range(0..90);
        alice.conversations.insert(
            peer.clone(),
            Conversation {
                msg_time,
                pinned: PINNED.contains(&i),
            },
        );
    }
    let p = (MARKED_TARGET as f64 / peers.len().max(1) as f64).min(0.3);
    for (i, peer) in peers.iter().enumerate() {
        let disbanded = matches!(peer, Peer::Group(g) if g == DISBANDED_GROUP);
        if !disbanded && (i < 3 || rng.random_bool(p)) {
            let (m, c) = (random_mark(&mut rng), random_custom(&mut rng));
            mark(alice, peer, m, c, BASE_TIME - i as u64);
        }
    }
    let groups: Vec<u64> = DEMO_GROUPS.iter().map(|n| alice.add_group(n)).collect();
    let members = |modulo: usize, rest: usize, max: usize| {
        peers
            .iter()
            .enumerate()
            .filter(move |(i, p)| {
                *i >= 8
                    && i % modulo == rest
                    && !matches!(p, Peer::Group(g) if g == DISBANDED_GROUP)
            })
            .map(|(_, p)| p.clone())
            .take(max)
    };
    let customers: Vec<Peer> = members(41, 3, 15).collect();
    let suppliers: Vec<Peer> = members(53, 9, 10).collect();
    let family: Vec<Peer> = peers.iter().take(3).cloned().collect();
    for (id, list) in groups.iter().zip([customers, suppliers, family]) {
        for peer in list {
            let _ = alice.update_record(&peer, BASE_TIME, |r| {
                r.groups.insert(*id);
            });
        }
    }
    for (i, id) in ARCHIVED_USERS.iter().enumerate() {
        let custom = if i == 0 {
            "已归档 📦".to_owned()
        } else {
            String::new()
        };
        mark(
            alice,
            &Peer::User((*id).to_owned()),
            0b1001 | 1 << 40,
            custom,
            BASE_TIME - 1_000_000,
        );
    }
    for id in ARCHIVED_GROUPS {
        mark(
            alice,
            &Peer::Group((*id).to_owned()),
            0b100,
            "old project".to_owned(),
            BASE_TIME - 2_000_000,
        );
    }

    // the other demo users know each other and alice, with a few marks
    for (n, user) in DEMO_USERS.iter().enumerate().skip(1) {
        let data = state.user_mut(user);
        for (k, other) in DEMO_USERS.iter().enumerate() {
            if other == user {
                continue;
            }
            let peer = Peer::User((*other).to_owned());
            let time = BASE_TIME - (n * 1000 + k * 61) as u64;
            data.conversations.insert(
                peer.clone(),
                Conversation {
                    msg_time: time,
                    pinned: k == 0 && n % 2 == 1,
                },
            );
            if rng.random_bool(0.5) {
                let (m, c) = (random_mark(&mut rng), random_custom(&mut rng));
                mark(data, &peer, m, c, time);
            }
        }
        for g in 0..n * 3 {
            let peer = Peer::Group(format!(
                "@TGS#1{}",
                base36((n * 100 + g) as u64 * 7919 + 1_000_003)
            ));
            let time = BASE_TIME - (n * 1000 + 500 + g) as u64;
            data.conversations.insert(
                peer,
                Conversation {
                    msg_time: time,
                    pinned: false,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::state_file;

    #[test]
    fn the_seed_is_deterministic_and_within_limits() {
        let make = |n| {
            let mut s = State::new(&["administrator".to_owned()]);
            demo(&mut s, n);
            s
        };
        let (a, b) = (make(1000), make(1000));
        assert_eq!(
            state_file::to_json(&a).unwrap(),
            state_file::to_json(&b).unwrap()
        );
        let alice = a.user(DEMO_USER).unwrap();
        assert_eq!(alice.conversations.len(), 1000);
        let records = alice.record_count();
        assert!((200..600).contains(&records), "{records} records");
        assert_eq!(alice.groups.len(), 3);
        assert!(alice.conversations.values().filter(|c| c.pinned).count() >= 5);
        let archived = Peer::User("zoe".into());
        assert!(alice.record(&archived).is_some());
        assert!(!alice.conversations.contains_key(&archived));
        assert!(alice.records().any(|(_, r)| r.mark >> 32 != 0));
        assert!(
            alice
                .records()
                .any(|(_, r)| r.custom.chars().any(|c| c.len_utf8() > 2))
        );
        assert!(a.disbanded.contains(DISBANDED_GROUP));
        let big = make(100_000);
        let big_alice = big.user(DEMO_USER).unwrap();
        assert_eq!(big_alice.conversations.len(), 100_000);
        assert!(big_alice.record_count() < 600);
    }

    #[test]
    fn tiny_seeds_work_too() {
        for n in [0, 1, 3, 8, 13] {
            let mut s = State::new(&["administrator".to_owned()]);
            demo(&mut s, n);
            let alice = s.user(DEMO_USER).unwrap();
            assert_eq!(alice.conversations.len(), n);
            assert_eq!(alice.groups.len(), 3);
            assert!(alice.record_count() >= ARCHIVED_USERS.len() + ARCHIVED_GROUPS.len());
        }
    }
}
