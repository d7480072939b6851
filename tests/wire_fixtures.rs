//! Every sample of the public docs (copied into tests/fixtures) parses with the project's wire
//! types; requests re-serialise to the same JSON value.
#![allow(clippy::unwrap_used)]

use convmark::api::wire::*;
use convmark::domain::{MarkSet, Peer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn request_round_trips<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let value = fixture(name);
    let typed: T = serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        serde_json::to_value(&typed).unwrap(),
        value,
        "{name} re-serialised differently"
    );
    typed
}

fn response<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_request_sample_round_trips() {
    let r: MarkContactRequest = request_round_trips("mark_contact.request.json");
    assert_eq!(r.mark_item[0].set_mark, Some(vec![1, 2, 3]));
    let r: GetListRequest = request_round_trips("get_list.request.json");
    assert_eq!(r.assist_flags, 63);
    let r: GetContactGroupRequest = request_round_trips("get_contact_group.request.json");
    assert_eq!(r.start_index, 0);
    let r: SearchContactGroupRequest = request_round_trips("search_contact_group.request.json");
    assert_eq!(r.contact_item[0].0, Peer::User("xixi".into()));
    let r: CreateContactGroupRequest = request_round_trips("create_contact_group.request.json");
    assert_eq!(
        r.group_contact_item[0].contact_item[1].0,
        Peer::Group("@TGS#1B2AUI7RZ".into())
    );
    let r: UpdateContactGroupRequest =
        request_round_trips("update_contact_group.members.request.json");
    assert_eq!(r.update_group.update_group_type, UpdateGroupType::Members);
    let r: UpdateContactGroupRequest =
        request_round_trips("update_contact_group.rename.request.json");
    assert_eq!(r.update_group.new_group_name.as_deref(), Some("group_0002"));
    let r: DelContactGroupRequest = request_round_trips("del_contact_group.request.json");
    assert_eq!(r.group_name, vec!["test0"]);
    let r: DeleteRequest = request_round_trips("delete.c2c.request.json");
    assert_eq!(r.peer.0, Peer::User("id2".into()));
    let r: DeleteRequest = request_round_trips("delete.group.request.json");
    assert_eq!(r.peer.0, Peer::Group("id2".into()));
}

#[test]
fn every_response_sample_parses() {
    let r: MarkContactResponse = response("mark_contact.response.json");
    assert_eq!(r.result_item[0].result_code, 0);
    let r: GetListResponse = response("get_list.response.json");
    assert_eq!(r.session_item.len(), 3);
    assert_eq!(
        r.session_item[1].peer.0,
        Peer::Group("@TGS#1B2AUI7RZ".into())
    );
    assert_eq!(
        r.session_item[1].standard_mark.as_ref().unwrap().value,
        MarkSet(0b111001)
    );
    assert_eq!(r.complete_flag, 1);
    let r: GetContactGroupResponse = response("get_contact_group.response.json");
    assert_eq!(r.group_item.len(), 2);
    assert_eq!(r.contact_item[0].contact_group_id, Some(vec![1, 2]));
    let r: SearchContactGroupResponse = response("search_contact_group.response.json");
    assert_eq!(
        r.contact_result_item[0].standard_mark.value,
        MarkSet(0b11111110)
    );
    let r: CreateContactGroupResponse = response("create_contact_group.response.json");
    assert_eq!(r.group_result_item[0].group_item.group_id, 1);
    let r: DelContactGroupResponse = response("del_contact_group.response.json");
    assert_eq!(r.group_item[0].group_name, "test0");
    assert_eq!(r.envelope.error_display, None);
}
