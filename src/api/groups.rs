//! Requests of the conversation-group endpoints, built one way for the CLI (`convmark
//! groups`) and the TUI's groups popup, and the local check of a group name.

use crate::api::wire::{
    ContactOptType, ContactUpdateItem, CreateContactGroupRequest, DelContactGroupRequest,
    GroupContactItem, UpdateContactGroupRequest, UpdateGroup, UpdateGroupType, UpdateType,
};
use crate::domain::{MAX_GROUP_NAME_BYTES, Peer};

/// Checks a group name before anything is sent: 1..=32 bytes of UTF-8, no control
/// characters. The error reads "the group name … is 33 bytes of UTF-8; …".
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!(
            "the group name is empty; give 1..={MAX_GROUP_NAME_BYTES} bytes"
        ));
    }
    if name.len() > MAX_GROUP_NAME_BYTES {
        return Err(format!(
            "the group name {name:?} is {} bytes of UTF-8; at most {MAX_GROUP_NAME_BYTES} are allowed",
            name.len()
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "the group name {name:?} contains a control character"
        ));
    }
    Ok(())
}

/// create_contact_group: one group, with these conversations (at most 100) in it.
pub fn create_request(user: &str, name: &str, peers: &[Peer]) -> CreateContactGroupRequest {
    CreateContactGroupRequest {
        from_account: user.to_owned(),
        group_contact_item: vec![GroupContactItem {
            group_name: name.to_owned(),
            contact_item: peers.iter().cloned().map(Into::into).collect(),
        }],
    }
}

/// update_contact_group adding or removing conversations (at most 100) of a group.
pub fn members_request(
    user: &str,
    name: &str,
    peers: &[Peer],
    op: ContactOptType,
) -> UpdateContactGroupRequest {
    UpdateContactGroupRequest {
        from_account: user.to_owned(),
        update_type: UpdateType::Group,
        update_group: UpdateGroup {
            update_group_type: UpdateGroupType::Members,
            old_group_name: name.to_owned(),
            new_group_name: None,
            contact_update_item: Some(
                peers
                    .iter()
                    .map(|p| ContactUpdateItem {
                        contact_opt_type: op,
                        contact_item: p.clone().into(),
                    })
                    .collect(),
            ),
        },
    }
}

/// update_contact_group renaming a group.
pub fn rename_request(user: &str, old: &str, new: &str) -> UpdateContactGroupRequest {
    UpdateContactGroupRequest {
        from_account: user.to_owned(),
        update_type: UpdateType::Group,
        update_group: UpdateGroup {
            update_group_type: UpdateGroupType::Rename,
            old_group_name: old.to_owned(),
            new_group_name: Some(new.to_owned()),
            contact_update_item: None,
        },
    }
}

/// del_contact_group of one group (its conversations keep their marks).
pub fn delete_request(user: &str, name: &str) -> DelContactGroupRequest {
    DelContactGroupRequest {
        from_account: user.to_owned(),
        group_name: vec![name.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_in_bytes() {
        assert!(check_name("work").is_ok());
        assert!(check_name(&"x".repeat(32)).is_ok());
        let e = check_name(&"x".repeat(33)).unwrap_err();
        assert!(e.contains("33 bytes"), "{e}");
        let e = check_name(&"é".repeat(17)).unwrap_err();
        assert!(e.contains("34 bytes"), "{e}");
        assert!(check_name("").unwrap_err().contains("empty"));
        assert!(check_name("a\nb").is_err());
    }

    #[test]
    fn requests_carry_the_user_the_names_and_the_conversations() {
        let peer = Peer::User("bob".into());
        let add = members_request(
            "alice",
            "work",
            std::slice::from_ref(&peer),
            ContactOptType::Add,
        );
        let v = serde_json::to_value(&add).unwrap();
        assert_eq!(v["From_Account"], "alice");
        assert_eq!(v["UpdateGroup"]["UpdateGroupType"], 2);
        assert_eq!(v["UpdateGroup"]["OldGroupName"], "work");
        assert_eq!(
            v["UpdateGroup"]["ContactUpdateItem"][0]["ContactOptType"],
            1
        );
        let v = serde_json::to_value(rename_request("alice", "a", "b")).unwrap();
        assert_eq!(v["UpdateGroup"]["NewGroupName"], "b");
        assert!(v["UpdateGroup"].get("ContactUpdateItem").is_none());
        let v = serde_json::to_value(delete_request("alice", "a")).unwrap();
        assert_eq!(v["GroupName"][0], "a");
        let v = serde_json::to_value(create_request("alice", "a", &[peer])).unwrap();
        assert_eq!(v["GroupContactItem"][0]["GroupName"], "a");
    }
}
