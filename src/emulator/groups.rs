//! The conversation-group endpoints: create, update (rename or change members), delete.
//! Groups are addressed by name; each has a per-user integer ID the server assigns.
//! Only the Ultimate edition has them (51013 otherwise).

use crate::api::wire::*;
use crate::domain::{MAX_GROUP_CONTACT_ITEMS, MAX_GROUP_NAME_BYTES, MAX_GROUPS, Peer};

use super::Edition;
use super::store::{Refusal, State, UserData, check_id, result_info};

fn require_ultimate(edition: Edition) -> Result<(), Refusal> {
    match edition {
        Edition::Ultimate => Ok(()),
        Edition::Pro => Err(Refusal::new(51013, "this app is on the Pro edition")),
    }
}

fn check_name(field: &str, name: &str) -> Result<(), Refusal> {
    if name.is_empty() {
        return Err(Refusal::new(50002, format!("{field} is empty")));
    }
    if name.len() > MAX_GROUP_NAME_BYTES {
        return Err(Refusal::new(
            51011,
            format!(
                "{field} is {} bytes; at most {MAX_GROUP_NAME_BYTES} are allowed",
                name.len()
            ),
        ));
    }
    Ok(())
}

fn check_contacts<'a>(
    field: &str,
    peers: impl ExactSizeIterator<Item = &'a Peer>,
) -> Result<(), Refusal> {
    let n = peers.len();
    if n > MAX_GROUP_CONTACT_ITEMS {
        return Err(Refusal::new(
            51006,
            format!("{field} holds {n} conversations; at most {MAX_GROUP_CONTACT_ITEMS} per call"),
        ));
    }
    for (i, peer) in peers.enumerate() {
        check_id(&format!("{field}[{i}]"), peer)?;
    }
    Ok(())
}

fn find_group(user: &UserData, name: &str) -> Result<(u64, String), Refusal> {
    user.group_by_name(name)
        .map(|g| (g.id, g.name.clone()))
        .ok_or_else(|| Refusal::new(51009, format!("no conversation group is named {name:?}")))
}

impl State {
    pub fn create_contact_group(
        &mut self,
        req: &CreateContactGroupRequest,
        edition: Edition,
        now: u64,
    ) -> Result<CreateContactGroupResponse, Refusal> {
        require_ultimate(edition)?;
        self.require_account(&req.from_account)?;
        let [group] = req.group_contact_item.as_slice() else {
            return Err(Refusal::new(
                50002,
                format!(
                    "GroupContactItem holds {} groups; create exactly one per call",
                    req.group_contact_item.len()
                ),
            ));
        };
        check_name("GroupName", &group.group_name)?;
        check_contacts("ContactItem", group.contact_item.iter().map(|c| &c.0))?;
        let (accounts, disbanded, user) = self.parts(&req.from_account);
        if user.group_by_name(&group.group_name).is_some() {
            return Err(Refusal::new(
                50002,
                format!("a group named {:?} already exists", group.group_name),
            ));
        }
        if user.groups.len() >= MAX_GROUPS {
            return Err(Refusal::new(
                51010,
                format!("the user already has {MAX_GROUPS} groups"),
            ));
        }
        let id = user.add_group(&group.group_name);
        let results = group
            .contact_item
            .iter()
            .map(|c| {
                let code = add_member(accounts, disbanded, user, &c.0, id, now);
                ContactResult {
                    contact_item: c.clone(),
                    result_code: code,
                    result_info: result_info(code),
                }
            })
            .collect();
        Ok(CreateContactGroupResponse {
            group_result_item: vec![GroupResultItem {
                group_item: GroupItem {
                    group_name: group.group_name.clone(),
                    group_id: id,
                },
                result_item: results,
            }],
            envelope: Envelope::ok(),
        })
    }

    pub fn update_contact_group(
        &mut self,
        req: &UpdateContactGroupRequest,
        edition: Edition,
        now: u64,
    ) -> Result<UpdateContactGroupResponse, Refusal> {
        require_ultimate(edition)?;
        self.require_account(&req.from_account)?;
        let update = &req.update_group;
        let members = match update.update_group_type {
            UpdateGroupType::Rename => {
                let Some(new_name) = &update.new_group_name else {
                    return Err(Refusal::new(
                        50002,
                        "UpdateGroupType 1 (rename) needs NewGroupName",
                    ));
                };
                check_name("NewGroupName", new_name)?;
                None
            }
            UpdateGroupType::Members => {
                let Some(items) = &update.contact_update_item else {
                    return Err(Refusal::new(
                        50002,
                        "UpdateGroupType 2 (members) needs ContactUpdateItem",
                    ));
                };
                check_contacts("ContactUpdateItem", items.iter().map(|c| &c.contact_item.0))?;
                Some(items)
            }
        };
        let (accounts, disbanded, user) = self.parts(&req.from_account);
        let (id, old_name) = find_group(user, &update.old_group_name)?;
        let mut results = Vec::new();
        let mut name = old_name.clone();
        if let Some(new_name) = &update.new_group_name
            && members.is_none()
        {
            if new_name != &old_name && user.group_by_name(new_name).is_some() {
                return Err(Refusal::new(
                    50002,
                    format!("a group named {new_name:?} already exists"),
                ));
            }
            if let Some(g) = user.groups.iter_mut().find(|g| g.id == id) {
                g.name = new_name.clone();
            }
            name = new_name.clone();
        }
        for item in members.into_iter().flatten() {
            let peer = &item.contact_item.0;
            let code = match item.contact_opt_type {
                ContactOptType::Add => add_member(accounts, disbanded, user, peer, id, now),
                ContactOptType::Remove => user
                    .update_record(peer, now, |r| {
                        r.groups.remove(&id);
                    })
                    .err()
                    .unwrap_or(0),
            };
            results.push(ContactUpdateResult {
                contact_opt_type: item.contact_opt_type,
                contact_item: item.contact_item.clone(),
                result_code: code,
                result_info: result_info(code),
            });
        }
        Ok(UpdateContactGroupResponse {
            update_type: req.update_type,
            update_group_result: UpdateGroupResult {
                update_group_type: update.update_group_type,
                group_name: name,
                group_id: id,
                old_group_name: old_name,
                contact_result_item: results,
            },
            envelope: Envelope::ok(),
        })
    }

    pub fn del_contact_group(
        &mut self,
        req: &DelContactGroupRequest,
        edition: Edition,
        now: u64,
    ) -> Result<DelContactGroupResponse, Refusal> {
        require_ultimate(edition)?;
        self.require_account(&req.from_account)?;
        let [name] = req.group_name.as_slice() else {
            return Err(Refusal::new(
                50002,
                format!(
                    "GroupName holds {} names; delete exactly one per call",
                    req.group_name.len()
                ),
            ));
        };
        let user = self.user_mut(&req.from_account);
        let (id, name) = find_group(user, name)?;
        user.groups.retain(|g| g.id != id);
        let members: Vec<Peer> = user
            .records()
            .filter(|(_, r)| r.groups.contains(&id))
            .map(|(p, _)| p.clone())
            .collect();
        for peer in members {
            // removing a group never creates a record, so this cannot hit the limit
            let _ = user.update_record(&peer, now, |r| {
                r.groups.remove(&id);
            });
        }
        Ok(DelContactGroupResponse {
            group_item: vec![GroupItem {
                group_name: name,
                group_id: id,
            }],
            envelope: Envelope::ok(),
        })
    }
}

fn add_member(
    accounts: &std::collections::HashSet<String>,
    disbanded: &std::collections::HashSet<String>,
    user: &mut UserData,
    peer: &Peer,
    id: u64,
    now: u64,
) -> i64 {
    let code = State::item_code(accounts, disbanded, peer);
    if code != 0 {
        return code;
    }
    user.update_record(peer, now, |r| {
        r.groups.insert(id);
    })
    .err()
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn state() -> State {
        let mut s = State::new(&["admin".to_owned()]);
        s.accounts.insert("alice".into());
        s.accounts.insert("bob".into());
        s
    }

    fn create(s: &mut State, name: &str, members: &[&str]) -> Result<u64, Refusal> {
        let req = CreateContactGroupRequest {
            from_account: "alice".into(),
            group_contact_item: vec![GroupContactItem {
                group_name: name.into(),
                contact_item: members
                    .iter()
                    .map(|m| ContactItem(Peer::User((*m).into())))
                    .collect(),
            }],
        };
        s.create_contact_group(&req, Edition::Ultimate, NOW)
            .map(|r| r.group_result_item[0].group_item.group_id)
    }

    #[test]
    fn limits_on_names_and_counts() {
        let mut s = state();
        assert_eq!(create(&mut s, "a", &[]).unwrap(), 1);
        assert_eq!(create(&mut s, "a", &[]).unwrap_err().code, 50002);
        assert_eq!(create(&mut s, "", &[]).unwrap_err().code, 50002);
        assert_eq!(
            create(&mut s, &"n".repeat(33), &[]).unwrap_err().code,
            51011
        );
        assert!(create(&mut s, &"n".repeat(32), &[]).is_ok());
        for i in 2..MAX_GROUPS {
            create(&mut s, &format!("g{i}"), &[]).unwrap();
        }
        assert_eq!(create(&mut s, "21st", &[]).unwrap_err().code, 51010);
    }

    #[test]
    fn deleting_a_group_removes_it_from_records_and_drops_empty_ones() {
        let mut s = state();
        let id = create(&mut s, "Customers", &["bob", "ghost"]).unwrap();
        let bob = Peer::User("bob".into());
        assert!(
            s.user("alice")
                .unwrap()
                .record(&bob)
                .unwrap()
                .groups
                .contains(&id)
        );
        let req = DelContactGroupRequest {
            from_account: "alice".into(),
            group_name: vec!["Customers".into()],
        };
        let r = s.del_contact_group(&req, Edition::Ultimate, NOW).unwrap();
        assert_eq!(r.group_item[0].group_id, id);
        assert!(s.user("alice").unwrap().record(&bob).is_none());
        assert_eq!(
            s.del_contact_group(&req, Edition::Ultimate, NOW)
                .unwrap_err()
                .code,
            51009
        );
    }

    #[test]
    fn rename_checks_the_new_name_and_pro_is_refused() {
        let mut s = state();
        create(&mut s, "a", &[]).unwrap();
        create(&mut s, "b", &[]).unwrap();
        let rename = |new: &str| UpdateContactGroupRequest {
            from_account: "alice".into(),
            update_type: UpdateType::Group,
            update_group: UpdateGroup {
                update_group_type: UpdateGroupType::Rename,
                old_group_name: "a".into(),
                new_group_name: Some(new.into()),
                contact_update_item: None,
            },
        };
        assert_eq!(
            s.update_contact_group(&rename("b"), Edition::Ultimate, NOW)
                .unwrap_err()
                .code,
            50002
        );
        assert_eq!(
            s.update_contact_group(&rename("c"), Edition::Pro, NOW)
                .unwrap_err()
                .code,
            51013
        );
        let r = s
            .update_contact_group(&rename("c"), Edition::Ultimate, NOW)
            .unwrap();
        assert_eq!(r.update_group_result.group_name, "c");
        assert_eq!(r.update_group_result.old_group_name, "a");
        assert!(r.update_group_result.contact_result_item.is_empty());
    }
}
