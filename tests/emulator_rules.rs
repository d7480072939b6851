#![allow(clippy::unwrap_used)]
//! The emulator's refusals, through raw HTTP requests: auth and query checks, malformed
//! bodies, every limit. Every answer must parse with the crate's wire types, and a refused
//! request must change nothing.

use convmark::api::paths;
use convmark::api::usersig;
use convmark::api::wire::*;
use convmark::emulator::{
    self, DEMO_ADMIN, DEMO_SDKAPPID, DEMO_SECRET_KEY, DEMO_USER, EmulatorConfig, RunningEmulator,
};
use serde_json::{Value, json};

struct Raw {
    emu: RunningEmulator,
    http: reqwest::Client,
}

fn sig_for(id: &str) -> String {
    usersig::generate_now(DEMO_SDKAPPID, DEMO_SECRET_KEY, id, 3600)
}

fn query_with(sig: &str) -> String {
    format!(
        "sdkappid={DEMO_SDKAPPID}&identifier={DEMO_ADMIN}&usersig={sig}&random=42&contenttype=json"
    )
}

fn good_query() -> String {
    query_with(&sig_for(DEMO_ADMIN))
}

impl Raw {
    async fn start(config: EmulatorConfig) -> Raw {
        let emu = emulator::spawn(config).await.unwrap();
        Raw {
            emu,
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    async fn demo() -> Raw {
        Raw::start(EmulatorConfig::default()).await
    }

    /// POSTs `body` and returns the JSON answer; asserts HTTP 200 and the envelope.
    async fn send(
        &self,
        path: &str,
        query: &str,
        body: impl Into<reqwest::Body>,
        content_type: Option<&str>,
    ) -> Value {
        let url = format!("{}{path}?{query}", self.emu.base_url);
        let mut req = self.http.post(url).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 200, "API-level answers are HTTP 200");
        let value: Value = resp.json().await.unwrap();
        let envelope: Envelope = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(envelope.error_code, value["ErrorCode"].as_i64().unwrap());
        assert_eq!(
            envelope.action_status,
            if envelope.error_code == 0 {
                "OK"
            } else {
                "FAIL"
            }
        );
        value
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.send(
            path,
            &good_query(),
            body.to_string(),
            Some("application/json"),
        )
        .await
    }

    /// Asserts a whole-request refusal with `code`, carrying no per-item echo.
    async fn refused(&self, path: &str, body: Value, code: i64) -> String {
        let v = self.post(path, body.clone()).await;
        assert_eq!(v["ErrorCode"], code, "{body} -> {v}");
        assert_eq!(v["ActionStatus"], "FAIL");
        for key in [
            "ResultItem",
            "GroupResultItem",
            "ContactResultItem",
            "UpdateGroupResult",
        ] {
            assert!(
                v.get(key)
                    .is_none_or(|x| x.as_array().is_some_and(Vec::is_empty)),
                "{key} echoed in {v}"
            );
        }
        v["ErrorInfo"].as_str().unwrap().to_owned()
    }

    async fn search(&self, from: &str, items: Value) -> SearchContactGroupResponse {
        let v = self
            .post(
                paths::SEARCH_CONTACT_GROUP,
                json!({"From_Account": from, "ContactItem": items}),
            )
            .await;
        serde_json::from_value(v).unwrap()
    }
}

fn mark_body(items: Value) -> Value {
    json!({"From_Account": DEMO_USER, "MarkItem": items})
}

fn c2c(id: &str) -> Value {
    json!({"Type": 1, "To_Account": id})
}

#[tokio::test]
async fn query_and_usersig_checks() {
    let raw = Raw::demo().await;
    let body = json!({"From_Account": DEMO_USER, "StartIndex": 0}).to_string();
    let path = paths::GET_CONTACT_GROUP;
    let admin_sig = sig_for(DEMO_ADMIN);
    let cases: Vec<(String, i64)> = vec![
        (
            format!("identifier={DEMO_ADMIN}&usersig={admin_sig}"),
            60012,
        ),
        (
            format!("sdkappid=1400000001&identifier={DEMO_ADMIN}&usersig={admin_sig}"),
            60006,
        ),
        (
            format!("sdkappid=abc&identifier={DEMO_ADMIN}&usersig={admin_sig}"),
            60006,
        ),
        (
            format!(
                "sdkappid={DEMO_SDKAPPID}&identifier=alice&usersig={}",
                sig_for("alice")
            ),
            60010,
        ),
        (
            format!("sdkappid={DEMO_SDKAPPID}&usersig={admin_sig}"),
            60002,
        ),
        (query_with(""), 70002),
        (query_with("garbage!!"), 70003),
        (
            query_with(&usersig::generate(
                DEMO_SDKAPPID,
                DEMO_SECRET_KEY,
                DEMO_ADMIN,
                60,
                1_600_000_000,
            )),
            70001,
        ),
        (
            query_with(&usersig::generate_now(
                DEMO_SDKAPPID,
                "another-key",
                DEMO_ADMIN,
                3600,
            )),
            70009,
        ),
        (
            query_with(&usersig::generate_now(
                DEMO_SDKAPPID,
                DEMO_SECRET_KEY,
                "bob",
                3600,
            )),
            70013,
        ),
        (
            query_with(&usersig::generate_now(
                1_400_000_001,
                DEMO_SECRET_KEY,
                DEMO_ADMIN,
                3600,
            )),
            70014,
        ),
    ];
    for (query, code) in cases {
        let v = raw
            .send(path, &query, body.clone(), Some("application/json"))
            .await;
        assert_eq!(v["ErrorCode"], code, "{query} -> {v}");
        assert!(!v["ErrorInfo"].as_str().unwrap().is_empty());
    }
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn percent_encoding_content_types_and_paths() {
    let raw = Raw::demo().await;
    let body = json!({"From_Account": DEMO_USER, "StartIndex": 0}).to_string();
    let sig = sig_for(DEMO_ADMIN);
    assert!(sig.contains('*') || sig.contains('-') || sig.contains('_'));
    let encoded = sig
        .replace('*', "%2A")
        .replace('-', "%2D")
        .replace('_', "%5F");
    let path = paths::GET_CONTACT_GROUP;
    for (query, ct) in [
        (query_with(&encoded), Some("application/json")),
        (good_query(), None),
        (good_query(), Some("application/x-www-form-urlencoded")),
    ] {
        let v = raw.send(path, &query, body.clone(), ct).await;
        assert_eq!(v["ErrorCode"], 0, "{v}");
        let _: GetContactGroupResponse = serde_json::from_value(v).unwrap();
    }
    // spaced JSON is fine too
    let spaced = "{\n  \"From_Account\" : \"alice\" ,\n  \"StartIndex\" : 0\n}\n";
    assert_eq!(
        raw.send(path, &good_query(), spaced, None).await["ErrorCode"],
        0
    );
    let with_bom = format!("\u{feff}{spaced}");
    assert_eq!(
        raw.send(
            path,
            &good_query(),
            with_bom,
            Some("application/json; charset=utf-8")
        )
        .await["ErrorCode"],
        0,
        "a UTF-8 byte-order mark before the JSON is accepted"
    );
    let v = raw
        .send(
            "v4/recentcontact/no_such_command",
            &good_query(),
            body.clone(),
            None,
        )
        .await;
    assert_eq!(v["ErrorCode"], 60009);
    let v = raw
        .send(path, &good_query(), "{not json", Some("application/json"))
        .await;
    assert_eq!(v["ErrorCode"], 60003);
    let v = raw.send(path, &good_query(), "", None).await;
    assert_eq!(v["ErrorCode"], 60003);
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn malformed_mark_requests_are_refused_whole_and_change_nothing() {
    let raw = Raw::demo().await;
    let before = raw
        .search(DEMO_USER, json!([c2c("bob"), c2c("carol")]))
        .await;
    let good =
        json!({"OptType": 3, "ContactItem": c2c("bob"), "SetMark": [40], "CustomMark": "changed"});
    let cases = vec![
        (
            json!({"OptType": 4, "ContactItem": c2c("carol"), "SetMark": [0]}),
            "OptType 4",
        ),
        (
            json!({"OptType": 1, "ContactItem": {"Type": 3, "To_Account": "carol"}, "SetMark": [0]}),
            "Type 3",
        ),
        (
            json!({"OptType": 1, "ContactItem": {"Type": 2, "To_Account": "carol"}, "SetMark": [0]}),
            "group without ToGroupId",
        ),
        (
            json!({"OptType": 1, "ContactItem": c2c("carol"), "SetMark": [64]}),
            "index 64",
        ),
        (
            json!({"OptType": 1, "ContactItem": c2c("carol"), "ClearMark": [300]}),
            "index 300",
        ),
        (
            json!({"OptType": 1, "ContactItem": c2c("carol"), "SetMark": [-1]}),
            "index -1",
        ),
        (
            json!({"OptType": 1, "ContactItem": c2c("carol"), "SetMark": "0"}),
            "SetMark a string",
        ),
        (
            json!({"OptType": "1", "ContactItem": c2c("carol"), "SetMark": [0]}),
            "OptType a string",
        ),
        (
            json!({"OptType": 2, "ContactItem": c2c("carol"), "CustomMark": "x".repeat(257)}),
            "257 bytes",
        ),
        (
            json!({"OptType": 2, "ContactItem": c2c("carol"), "CustomMark": "星".repeat(86)}),
            "258 bytes in 86 chars",
        ),
        (json!({"OptType": 1, "SetMark": [0]}), "no ContactItem"),
        (
            json!({"OptType": 1, "ContactItem": c2c(""), "SetMark": [0]}),
            "empty ID",
        ),
    ];
    for (bad, what) in cases {
        let info = raw
            .refused(
                paths::MARK_CONTACT,
                mark_body(json!([good.clone(), bad])),
                50002,
            )
            .await;
        assert!(!info.is_empty(), "{what}");
    }
    let info = raw
        .refused(
            paths::MARK_CONTACT,
            mark_body(json!([{"OptType": 1, "ContactItem": c2c("carol"), "SetMark": [64]}])),
            50002,
        )
        .await;
    assert!(info.contains("64"), "{info}");
    raw.refused(
        paths::MARK_CONTACT,
        json!({"MarkItem": [good.clone()]}),
        50002,
    )
    .await;
    raw.refused(
        paths::MARK_CONTACT,
        json!({"From_Account": 7, "MarkItem": [good.clone()]}),
        50002,
    )
    .await;
    raw.refused(paths::MARK_CONTACT, mark_body(json!([])), 51006)
        .await;
    let many: Vec<Value> = (0..101).map(|_| good.clone()).collect();
    raw.refused(paths::MARK_CONTACT, mark_body(Value::Array(many)), 51006)
        .await;
    let after = raw
        .search(DEMO_USER, json!([c2c("bob"), c2c("carol")]))
        .await;
    assert_eq!(after, before, "nothing applied");
    // the limits themselves are accepted: 100 items, index 63, 256 bytes
    let mut items: Vec<Value> = (0..99)
        .map(|_| json!({"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [63]}))
        .collect();
    items.push(json!({"OptType": 2, "ContactItem": c2c("carol"), "CustomMark": "é".repeat(128)}));
    let v = raw
        .post(paths::MARK_CONTACT, mark_body(Value::Array(items)))
        .await;
    let r: MarkContactResponse = serde_json::from_value(v).unwrap();
    assert_eq!(r.result_item.len(), 100);
    assert!(
        r.result_item
            .iter()
            .all(|i| i.result_code == 0 && i.result_info.is_empty())
    );
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn malformed_group_and_list_requests() {
    let raw = Raw::demo().await;
    let update =
        |t: Value, g: Value| json!({"From_Account": DEMO_USER, "UpdateType": t, "UpdateGroup": g});
    raw.refused(
        paths::UPDATE_CONTACT_GROUP,
        update(
            json!(2),
            json!({"UpdateGroupType": 1, "OldGroupName": "Customers", "NewGroupName": "x"}),
        ),
        50002,
    )
    .await;
    raw.refused(
        paths::UPDATE_CONTACT_GROUP,
        update(
            json!(1),
            json!({"UpdateGroupType": 3, "OldGroupName": "Customers"}),
        ),
        50002,
    )
    .await;
    raw.refused(
        paths::UPDATE_CONTACT_GROUP,
        update(json!(1), json!({"UpdateGroupType": 2, "OldGroupName": "Customers", "ContactUpdateItem": [{"ContactOptType": 3, "ContactItem": c2c("bob")}]})),
        50002,
    )
    .await;
    raw.refused(
        paths::UPDATE_CONTACT_GROUP,
        update(
            json!(1),
            json!({"UpdateGroupType": 1, "OldGroupName": "Customers"}),
        ),
        50002,
    )
    .await;
    raw.refused(
        paths::UPDATE_CONTACT_GROUP,
        update(
            json!(1),
            json!({"UpdateGroupType": 1, "OldGroupName": "Nope", "NewGroupName": "x"}),
        ),
        51009,
    )
    .await;
    raw.refused(
        paths::UPDATE_CONTACT_GROUP,
        update(
            json!(1),
            json!({"UpdateGroupType": 1, "OldGroupName": "Customers", "NewGroupName": "Suppliers"}),
        ),
        50002,
    )
    .await;
    raw.refused(paths::UPDATE_CONTACT_GROUP, update(json!(1), json!({"UpdateGroupType": 1, "OldGroupName": "Customers", "NewGroupName": "n".repeat(33)})), 51011).await;
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"ContactOptType": 1, "ContactItem": c2c(&format!("user{i:06}"))}))
        .collect();
    raw.refused(paths::UPDATE_CONTACT_GROUP, update(json!(1), json!({"UpdateGroupType": 2, "OldGroupName": "Customers", "ContactUpdateItem": too_many})), 51006).await;
    raw.refused(
        paths::DEL_CONTACT_GROUP,
        json!({"From_Account": DEMO_USER, "GroupName": ["Nope"]}),
        51009,
    )
    .await;
    raw.refused(
        paths::DEL_CONTACT_GROUP,
        json!({"From_Account": DEMO_USER, "GroupName": ["Customers", "Suppliers"]}),
        50002,
    )
    .await;
    raw.refused(
        paths::DEL_CONTACT_GROUP,
        json!({"From_Account": DEMO_USER, "GroupName": []}),
        50002,
    )
    .await;
    raw.refused(
        paths::GET_LIST,
        json!({"From_Account": DEMO_USER, "TimeStamp": "x"}),
        50002,
    )
    .await;
    raw.refused(
        paths::GET_CONTACT_GROUP,
        json!({"From_Account": DEMO_USER, "StartIndex": -1}),
        50002,
    )
    .await;
    raw.refused(
        paths::SEARCH_CONTACT_GROUP,
        json!({"From_Account": DEMO_USER, "ContactItem": []}),
        50002,
    )
    .await;
    let many: Vec<Value> = (0..301).map(|_| c2c("bob")).collect();
    raw.refused(
        paths::SEARCH_CONTACT_GROUP,
        json!({"From_Account": DEMO_USER, "ContactItem": many}),
        50002,
    )
    .await;
    raw.refused(
        paths::DELETE,
        json!({"From_Account": DEMO_USER, "Type": 3, "To_Account": "bob"}),
        50002,
    )
    .await;
    // the groups are untouched
    let v = raw
        .post(
            paths::GET_CONTACT_GROUP,
            json!({"From_Account": DEMO_USER, "StartIndex": 0}),
        )
        .await;
    let page: GetContactGroupResponse = serde_json::from_value(v).unwrap();
    let names: Vec<_> = page
        .group_item
        .iter()
        .map(|g| g.group_name.as_str())
        .collect();
    assert_eq!(names, vec!["Customers", "Suppliers", "家人"]);
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn group_limits_20_groups_32_bytes_100_contacts_one_per_call() {
    let raw = Raw::start(EmulatorConfig {
        seed: emulator::Seed::None,
        ..Default::default()
    })
    .await;
    raw.post(paths::ACCOUNT_IMPORT, json!({"UserID": "u"}))
        .await;
    let create = |name: &str, contacts: Value| json!({"From_Account": "u", "GroupContactItem": [{"GroupName": name, "ContactItem": contacts}]});
    raw.refused(
        paths::CREATE_CONTACT_GROUP,
        create(&"n".repeat(33), json!([])),
        51011,
    )
    .await;
    raw.refused(paths::CREATE_CONTACT_GROUP, create("", json!([])), 50002)
        .await;
    let many: Vec<Value> = (0..101).map(|i| c2c(&format!("x{i}"))).collect();
    raw.refused(
        paths::CREATE_CONTACT_GROUP,
        create("big", Value::Array(many)),
        51006,
    )
    .await;
    raw.refused(
        paths::CREATE_CONTACT_GROUP,
        json!({"From_Account": "u", "GroupContactItem": []}),
        50002,
    )
    .await;
    raw.refused(
        paths::CREATE_CONTACT_GROUP,
        json!({"From_Account": "u", "GroupContactItem": [{"GroupName": "a"}, {"GroupName": "b"}]}),
        50002,
    )
    .await;
    let name32 = "名".repeat(10) + "xx"; // 32 bytes
    assert_eq!(name32.len(), 32);
    let v = raw
        .post(paths::CREATE_CONTACT_GROUP, create(&name32, json!([])))
        .await;
    let r: CreateContactGroupResponse = serde_json::from_value(v).unwrap();
    assert_eq!(r.group_result_item[0].group_item.group_name, name32);
    assert!(r.group_result_item[0].result_item.is_empty());
    raw.refused(
        paths::CREATE_CONTACT_GROUP,
        create(&name32, json!([])),
        50002,
    )
    .await;
    for i in 1..20 {
        let v = raw
            .post(
                paths::CREATE_CONTACT_GROUP,
                create(&format!("g{i}"), json!([])),
            )
            .await;
        assert_eq!(v["ErrorCode"], 0);
    }
    raw.refused(
        paths::CREATE_CONTACT_GROUP,
        create("the 21st", json!([])),
        51010,
    )
    .await;
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn the_1001st_marked_conversation_gets_51008_per_item() {
    let raw = Raw::start(EmulatorConfig {
        seed: emulator::Seed::None,
        ..Default::default()
    })
    .await;
    raw.post(paths::ACCOUNT_IMPORT, json!({"UserID": "u"}))
        .await;
    for batch in 0..10 {
        let items: Vec<Value> = (0..100)
            .map(|i| json!({"OptType": 1, "ContactItem": {"Type": 2, "ToGroupId": format!("@TGS#{}", batch * 100 + i)}, "SetMark": [0]}))
            .collect();
        let v = raw
            .post(
                paths::MARK_CONTACT,
                json!({"From_Account": "u", "MarkItem": items}),
            )
            .await;
        let r: MarkContactResponse = serde_json::from_value(v).unwrap();
        assert!(r.result_item.iter().all(|i| i.result_code == 0));
    }
    let v = raw
        .post(
            paths::MARK_CONTACT,
            json!({"From_Account": "u", "MarkItem": [
                {"OptType": 1, "ContactItem": {"Type": 2, "ToGroupId": "@TGS#new"}, "SetMark": [1]},
                {"OptType": 1, "ContactItem": {"Type": 2, "ToGroupId": "@TGS#5"}, "SetMark": [1]},
                {"OptType": 2, "ContactItem": {"Type": 2, "ToGroupId": "@TGS#7"}, "CustomMark": ""}
            ]}),
        )
        .await;
    let r: MarkContactResponse = serde_json::from_value(v).unwrap();
    let codes: Vec<i64> = r.result_item.iter().map(|i| i.result_code).collect();
    assert_eq!(codes, vec![51008, 0, 0], "existing records still change");
    assert!(!r.result_item[0].result_info.is_empty());
    let v = raw
        .post(
            paths::CREATE_CONTACT_GROUP,
            json!({"From_Account": "u", "GroupContactItem": [{"GroupName": "g", "ContactItem": [{"Type": 2, "ToGroupId": "@TGS#other"}, {"Type": 2, "ToGroupId": "@TGS#9"}]}]}),
        )
        .await;
    let r: CreateContactGroupResponse = serde_json::from_value(v).unwrap();
    let codes: Vec<i64> = r.group_result_item[0]
        .result_item
        .iter()
        .map(|i| i.result_code)
        .collect();
    assert_eq!(codes, vec![51008, 0]);
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn disbanded_group_is_51007_per_item() {
    let raw = Raw::demo().await;
    let v = raw
        .post(
            paths::MARK_CONTACT,
            mark_body(json!([
                {"OptType": 1, "ContactItem": {"Type": 2, "ToGroupId": emulator::seed::DISBANDED_GROUP}, "SetMark": [0]},
                {"OptType": 1, "ContactItem": c2c("never-imported"), "SetMark": [0]},
                {"OptType": 1, "ContactItem": c2c("dave"), "SetMark": [2]}
            ])),
        )
        .await;
    let r: MarkContactResponse = serde_json::from_value(v).unwrap();
    let codes: Vec<i64> = r.result_item.iter().map(|i| i.result_code).collect();
    assert_eq!(codes, vec![51007, 50001, 0]);
    assert_eq!(
        r.envelope.error_code, 0,
        "per-item failures keep top-level 0"
    );
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn responses_carry_every_documented_field() {
    let raw = Raw::demo().await;
    let v = raw
        .post(
            paths::MARK_CONTACT,
            mark_body(json!([{"OptType": 1, "ContactItem": c2c("bob"), "SetMark": [5]}])),
        )
        .await;
    assert_eq!(v["ErrorDisplay"], "");
    assert_eq!(v["ErrorInfo"], "");
    assert_eq!(v["ResultItem"][0]["ResultInfo"], "");
    assert_eq!(v["ResultItem"][0]["OptType"], 1);
    let v = raw
        .post(
            paths::UPDATE_CONTACT_GROUP,
            json!({"From_Account": DEMO_USER, "UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 1, "OldGroupName": "Suppliers", "NewGroupName": "Vendors"}}),
        )
        .await;
    assert_eq!(v["UpdateGroupResult"]["ContactResultItem"], json!([]));
    assert_eq!(v["UpdateGroupResult"]["OldGroupName"], "Suppliers");
    assert_eq!(v["UpdateType"], 1);
    let _: UpdateContactGroupResponse = serde_json::from_value(v).unwrap();
    let v = raw
        .post(
            paths::GET_CONTACT_GROUP,
            json!({"From_Account": DEMO_USER, "StartIndex": 0}),
        )
        .await;
    assert!(v.get("NextStartIndex").is_some() && v.get("CompleteTime").is_some());
    for item in v["ContactItem"].as_array().unwrap() {
        assert!(item["StandardMark"].is_string(), "{item}");
        assert!(
            item.get("CustomMark").is_none_or(|c| c != ""),
            "empty CustomMark omitted: {item}"
        );
        assert!(
            item.get("ContactGroupId").is_none_or(|c| c != &json!([])),
            "{item}"
        );
    }
    let v = raw.post(paths::DELETE, json!({"From_Account": DEMO_USER, "Type": 2, "ToGroupid": "@TGS#nothing", "ClearRamble": 0})).await;
    assert_eq!(v["ErrorCode"], 0);
    let v = raw
        .post(paths::MULTIACCOUNT_IMPORT, json!({"Accounts": ["ok1", ""]}))
        .await;
    assert_eq!(v["FailAccounts"], json!([""]));
    raw.emu.shutdown().await;
}

#[tokio::test]
async fn every_configured_admin_is_accepted_and_others_are_not() {
    let raw = Raw::start(EmulatorConfig {
        admins: vec!["ops".into(), DEMO_ADMIN.into()],
        secret_key: "another-secret".into(),
        sdkappid: 1_400_000_123,
        ..Default::default()
    })
    .await;
    let body = json!({"From_Account": DEMO_USER, "StartIndex": 0}).to_string();
    for (id, code) in [("ops", 0), (DEMO_ADMIN, 0), ("bob", 60010)] {
        let sig = usersig::generate_now(1_400_000_123, "another-secret", id, 3600);
        let query = format!("sdkappid=1400000123&identifier={id}&usersig={sig}");
        let v = raw
            .send(paths::GET_CONTACT_GROUP, &query, body.clone(), None)
            .await;
        assert_eq!(v["ErrorCode"], code, "{id}: {v}");
    }
    // the demo key does not verify for this app
    let v = raw
        .send(
            paths::GET_CONTACT_GROUP,
            &format!(
                "sdkappid=1400000123&identifier=ops&usersig={}",
                usersig::generate_now(1_400_000_123, DEMO_SECRET_KEY, "ops", 3600)
            ),
            body,
            None,
        )
        .await;
    assert_eq!(v["ErrorCode"], 70009);
    raw.emu.shutdown().await;
}
