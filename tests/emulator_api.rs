#![allow(clippy::unwrap_used)]
//! The emulator through real HTTP with the crate's own client: the demo seed, the read
//! endpoints, mark_contact and the conversation-group endpoints.

use std::collections::HashSet;

use convmark::api::wire::*;
use convmark::api::{ApiError, Client, RetryPolicy};
use convmark::domain::{MarkSet, OptType, Peer};
use convmark::emulator::{self, DEMO_USER, EmulatorConfig, RunningEmulator, Seed};

async fn start(config: EmulatorConfig) -> (RunningEmulator, Client) {
    let emu = emulator::spawn(config).await.unwrap();
    let mut cc = emu.client_config();
    cc.retry = RetryPolicy::none();
    let client = Client::new(cc).unwrap();
    (emu, client)
}

async fn demo() -> (RunningEmulator, Client) {
    start(EmulatorConfig::default()).await
}

fn user(id: &str) -> ContactItem {
    ContactItem(Peer::User(id.into()))
}

fn group(id: &str) -> ContactItem {
    ContactItem(Peer::Group(id.into()))
}

fn mark_item(
    to: ContactItem,
    opt: OptType,
    set: &[u8],
    clear: &[u8],
    custom: Option<&str>,
) -> MarkItem {
    MarkItem {
        opt_type: opt,
        contact_item: to,
        set_mark: (!set.is_empty()).then(|| set.to_vec()),
        clear_mark: (!clear.is_empty()).then(|| clear.to_vec()),
        custom_mark: custom.map(str::to_owned),
    }
}

async fn search(
    client: &Client,
    from: &str,
    items: Vec<ContactItem>,
) -> SearchContactGroupResponse {
    client
        .search_contact_group(&SearchContactGroupRequest {
            from_account: from.into(),
            contact_item: items,
        })
        .await
        .unwrap()
}

async fn all_records(client: &Client, from: &str) -> Vec<ContactRecord> {
    let mut req = GetContactGroupRequest {
        from_account: from.into(),
        start_index: 0,
    };
    let mut out = Vec::new();
    loop {
        let page = client.get_contact_group(&req).await.unwrap();
        assert_eq!(page.next_start_index, page.complete_time);
        let next = page.next_cursor();
        out.extend(page.contact_item);
        if page.complete_flag == 1 {
            return out;
        }
        req.start_index = next;
    }
}

async fn whole_list(client: &Client, from: &str) -> Vec<SessionItem> {
    let mut req = GetListRequest {
        from_account: from.into(),
        assist_flags: ASSIST_FLAGS_ALL,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = client.get_list(&req).await.unwrap();
        out.extend(page.session_item);
        if page.complete_flag == 1 {
            return out;
        }
        req.time_stamp = page.time_stamp;
        req.start_index = page.start_index;
        req.top_time_stamp = page.top_time_stamp;
        req.top_start_index = page.top_start_index;
    }
}

#[tokio::test]
async fn demo_seed_has_alice_with_pinned_first_marks_and_groups() {
    let (emu, client) = demo().await;
    let list = whole_list(&client, DEMO_USER).await;
    assert_eq!(list.len(), 1000);
    let peers: HashSet<_> = list.iter().map(|i| i.peer.0.clone()).collect();
    assert_eq!(peers.len(), 1000, "every conversation exactly once");
    let pinned = list.iter().take_while(|i| i.top_flag == 1).count();
    assert!(pinned >= 5);
    assert!(
        list[pinned..].iter().all(|i| i.top_flag == 0),
        "pinned first"
    );
    assert!(list.iter().any(|i| i.peer.0.is_group()));
    assert!(list.iter().any(|i| {
        i.custom_mark
            .as_deref()
            .is_some_and(|c| c.chars().any(|ch| ch.len_utf8() >= 3))
    }));

    let records = all_records(&client, DEMO_USER).await;
    assert!((200..1000).contains(&records.len()), "{}", records.len());
    let unique: HashSet<_> = records.iter().map(|r| r.contact.0.clone()).collect();
    assert_eq!(unique.len(), records.len());
    assert!(
        records.iter().any(|r| r.standard_mark.value.0 >> 32 != 0),
        "extension bits"
    );
    assert!(
        records.iter().any(|r| !peers.contains(&r.contact.0)),
        "marked but not in the list"
    );
    for r in &records {
        assert!(
            !r.standard_mark.raw.starts_with('0'),
            "no leading zeros: {:?}",
            r.standard_mark.raw
        );
        assert_eq!(
            r.standard_mark.raw,
            convmark::domain::format_standard_mark(r.standard_mark.value)
        );
    }
    let page = client
        .get_contact_group(&GetContactGroupRequest {
            from_account: DEMO_USER.into(),
            start_index: 0,
        })
        .await
        .unwrap();
    let names: Vec<_> = page
        .group_item
        .iter()
        .map(|g| g.group_name.as_str())
        .collect();
    assert_eq!(names, vec!["Customers", "Suppliers", "家人"]);
    emu.shutdown().await;
}

#[tokio::test]
async fn mark_contact_then_search_reads_back_the_change() {
    let (emu, client) = start(EmulatorConfig {
        seed: Seed::None,
        ..Default::default()
    })
    .await;
    for id in ["u1", "u2"] {
        client
            .account_import(&AccountImportRequest {
                user_id: id.into(),
                nick: None,
                face_url: None,
            })
            .await
            .unwrap();
    }
    let r = client
        .mark_contact(&MarkContactRequest {
            from_account: "u1".into(),
            mark_item: vec![
                mark_item(user("u2"), OptType::Both, &[0, 34], &[], Some("客户 🚀")),
                mark_item(user("never-imported"), OptType::Standard, &[1], &[], None),
                mark_item(group("@TGS#1G"), OptType::Standard, &[3], &[3], None),
            ],
        })
        .await
        .unwrap();
    let codes: Vec<i64> = r.result_item.iter().map(|i| i.result_code).collect();
    assert_eq!(codes, vec![0, 50001, 0]);
    assert_eq!(r.result_item[0].result_info, "");
    assert_eq!(r.result_item[1].contact_item, user("never-imported"));
    let s = search(
        &client,
        "u1",
        vec![group("@TGS#1G"), user("nobody"), user("u2")],
    )
    .await;
    assert_eq!(s.contact_result_item.len(), 3);
    assert_eq!(s.contact_result_item[0].standard_mark.raw, "1000");
    assert_eq!(s.contact_result_item[1].contact, user("nobody"));
    assert_eq!(s.contact_result_item[1].standard_mark.raw, "");
    assert_eq!(s.contact_result_item[1].timestamp, 0);
    let u2 = &s.contact_result_item[2];
    assert_eq!(u2.standard_mark.value, MarkSet((1 << 34) | 1));
    assert_eq!(u2.standard_mark.raw.len(), 35);
    assert_eq!(u2.custom_mark.as_deref(), Some("客户 🚀"));
    assert!(u2.timestamp > 0);
    // a From_Account that was never imported
    let err = client
        .mark_contact(&MarkContactRequest {
            from_account: "ghost".into(),
            mark_item: vec![mark_item(user("u2"), OptType::Standard, &[0], &[], None)],
        })
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(50001));
    emu.shutdown().await;
}

#[tokio::test]
async fn groups_create_rename_members_delete() {
    let (emu, client) = start(EmulatorConfig {
        seed: Seed::None,
        ..Default::default()
    })
    .await;
    client
        .multiaccount_import(&MultiAccountImportRequest {
            accounts: vec!["a".into(), "b".into(), "c".into()],
        })
        .await
        .unwrap();
    let created = client
        .create_contact_group(&CreateContactGroupRequest {
            from_account: "a".into(),
            group_contact_item: vec![GroupContactItem {
                group_name: "Friends".into(),
                contact_item: vec![user("b"), user("zz")],
            }],
        })
        .await
        .unwrap();
    let g = &created.group_result_item[0];
    assert_eq!(g.group_item.group_name, "Friends");
    let id = g.group_item.group_id;
    let codes: Vec<i64> = g.result_item.iter().map(|r| r.result_code).collect();
    assert_eq!(codes, vec![0, 50001]);

    let renamed = client
        .update_contact_group(&UpdateContactGroupRequest {
            from_account: "a".into(),
            update_type: UpdateType::Group,
            update_group: UpdateGroup {
                update_group_type: UpdateGroupType::Rename,
                old_group_name: "Friends".into(),
                new_group_name: Some("朋友".into()),
                contact_update_item: None,
            },
        })
        .await
        .unwrap();
    assert_eq!(renamed.update_group_result.group_name, "朋友");
    assert_eq!(renamed.update_group_result.old_group_name, "Friends");
    assert_eq!(renamed.update_group_result.group_id, id);

    let members = client
        .update_contact_group(&UpdateContactGroupRequest {
            from_account: "a".into(),
            update_type: UpdateType::Group,
            update_group: UpdateGroup {
                update_group_type: UpdateGroupType::Members,
                old_group_name: "朋友".into(),
                new_group_name: None,
                contact_update_item: Some(vec![
                    ContactUpdateItem {
                        contact_opt_type: ContactOptType::Add,
                        contact_item: user("c"),
                    },
                    ContactUpdateItem {
                        contact_opt_type: ContactOptType::Remove,
                        contact_item: user("b"),
                    },
                ]),
            },
        })
        .await
        .unwrap();
    let codes: Vec<i64> = members
        .update_group_result
        .contact_result_item
        .iter()
        .map(|r| r.result_code)
        .collect();
    assert_eq!(codes, vec![0, 0]);
    let s = search(&client, "a", vec![user("b"), user("c")]).await;
    assert_eq!(s.contact_result_item[0].contact_group_id, None);
    assert_eq!(s.contact_result_item[1].contact_group_id, Some(vec![id]));
    assert_eq!(
        s.group_item,
        vec![GroupItem {
            group_name: "朋友".into(),
            group_id: id
        }]
    );

    let deleted = client
        .del_contact_group(&DelContactGroupRequest {
            from_account: "a".into(),
            group_name: vec!["朋友".into()],
        })
        .await
        .unwrap();
    assert_eq!(deleted.group_item[0].group_id, id);
    assert!(
        all_records(&client, "a").await.is_empty(),
        "the group was c's only record"
    );
    let again = client
        .del_contact_group(&DelContactGroupRequest {
            from_account: "a".into(),
            group_name: vec!["朋友".into()],
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(51009));
    emu.shutdown().await;
}

#[tokio::test]
async fn delete_keeps_marks_and_sendmsg_refreshes_both_sides() {
    let (emu, client) = demo().await;
    let bob = Peer::User("bob".into());
    let before = search(&client, DEMO_USER, vec![user("bob")])
        .await
        .contact_result_item[0]
        .clone();
    assert!(
        !before.standard_mark.raw.is_empty(),
        "bob is marked in the seed"
    );
    client
        .delete(&DeleteRequest {
            from_account: DEMO_USER.into(),
            peer: DeletePeer(bob.clone()),
            clear_ramble: 1,
        })
        .await
        .unwrap();
    let list = whole_list(&client, DEMO_USER).await;
    assert!(!list.iter().any(|i| i.peer.0 == bob));
    let after = search(&client, DEMO_USER, vec![user("bob")])
        .await
        .contact_result_item[0]
        .clone();
    assert_eq!(after, before, "delete leaves marks and groups");
    assert!(
        all_records(&client, DEMO_USER)
            .await
            .iter()
            .any(|r| r.contact.0 == bob)
    );

    let sent = client
        .sendmsg(&SendMsgRequest {
            sync_other_machine: Some(2),
            from_account: Some("bob".into()),
            to_account: DEMO_USER.into(),
            msg_random: 7,
            msg_body: serde_json::json!([{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]),
        })
        .await
        .unwrap();
    assert!(sent.msg_time > 1_764_000_000);
    let list = whole_list(&client, DEMO_USER).await;
    let pinned = list.iter().take_while(|i| i.top_flag == 1).count();
    assert_eq!(list[pinned].peer.0, bob, "newest unpinned conversation");
    assert_eq!(list[pinned].msg_time, sent.msg_time);
    let bobs = whole_list(&client, "bob").await;
    assert!(
        bobs.iter()
            .any(|i| i.peer.0 == Peer::User(DEMO_USER.into()) && i.msg_time == sent.msg_time)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn get_list_sends_marks_only_when_assist_flags_ask() {
    let (emu, client) = demo().await;
    let mut req = GetListRequest {
        from_account: DEMO_USER.into(),
        assist_flags: 0,
        ..Default::default()
    };
    let bare = client.get_list(&req).await.unwrap();
    assert!(bare.session_item.iter().all(|i| i.standard_mark.is_none()
        && i.custom_mark.is_none()
        && i.contact_group_id.is_none()));
    req.assist_flags = 8;
    let marks = client.get_list(&req).await.unwrap();
    assert!(marks.session_item.iter().any(|i| i.standard_mark.is_some()));
    assert!(
        marks
            .session_item
            .iter()
            .all(|i| i.custom_mark.is_none() && i.contact_group_id.is_none())
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_from_account_and_pro_edition() {
    let (emu, client) = start(EmulatorConfig {
        edition: emulator::Edition::Pro,
        ..Default::default()
    })
    .await;
    let r = client
        .mark_contact(&MarkContactRequest {
            from_account: DEMO_USER.into(),
            mark_item: vec![
                mark_item(user("bob"), OptType::Standard, &[0], &[], None),
                mark_item(user("carol"), OptType::Custom, &[], &[], Some("pro ok")),
            ],
        })
        .await
        .unwrap();
    let codes: Vec<i64> = r.result_item.iter().map(|i| i.result_code).collect();
    assert_eq!(codes, vec![51013, 0]);
    let err = client
        .create_contact_group(&CreateContactGroupRequest {
            from_account: DEMO_USER.into(),
            group_contact_item: vec![GroupContactItem {
                group_name: "x".into(),
                contact_item: vec![],
            }],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Server { code: 51013, .. }),
        "{err:?}"
    );
    let s = search(&client, DEMO_USER, vec![user("carol")]).await;
    assert_eq!(
        s.contact_result_item[0].custom_mark.as_deref(),
        Some("pro ok")
    );
    emu.shutdown().await;
}
