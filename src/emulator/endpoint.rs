//! The endpoints the emulator serves, by path and by name (the last segment of the path, as
//! `--fault-next` spells them).

use std::fmt;
use std::str::FromStr;

use crate::api::paths;

/// One endpoint of the emulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    MarkContact,
    GetList,
    GetContactGroup,
    SearchContactGroup,
    CreateContactGroup,
    UpdateContactGroup,
    DelContactGroup,
    Delete,
    AccountImport,
    MultiAccountImport,
    SendMsg,
}

impl Endpoint {
    pub const ALL: [Endpoint; 11] = [
        Endpoint::MarkContact,
        Endpoint::GetList,
        Endpoint::GetContactGroup,
        Endpoint::SearchContactGroup,
        Endpoint::CreateContactGroup,
        Endpoint::UpdateContactGroup,
        Endpoint::DelContactGroup,
        Endpoint::Delete,
        Endpoint::AccountImport,
        Endpoint::MultiAccountImport,
        Endpoint::SendMsg,
    ];

    /// The path without its leading slash, e.g. `v4/recentcontact/mark_contact`.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::MarkContact => paths::MARK_CONTACT,
            Endpoint::GetList => paths::GET_LIST,
            Endpoint::GetContactGroup => paths::GET_CONTACT_GROUP,
            Endpoint::SearchContactGroup => paths::SEARCH_CONTACT_GROUP,
            Endpoint::CreateContactGroup => paths::CREATE_CONTACT_GROUP,
            Endpoint::UpdateContactGroup => paths::UPDATE_CONTACT_GROUP,
            Endpoint::DelContactGroup => paths::DEL_CONTACT_GROUP,
            Endpoint::Delete => paths::DELETE,
            Endpoint::AccountImport => paths::ACCOUNT_IMPORT,
            Endpoint::MultiAccountImport => paths::MULTIACCOUNT_IMPORT,
            Endpoint::SendMsg => paths::SENDMSG,
        }
    }

    /// The last segment of the path, e.g. `mark_contact`.
    pub fn name(self) -> &'static str {
        let path = self.path();
        path.rsplit('/').next().unwrap_or(path)
    }

    /// Whether a successful call changes the state.
    pub fn mutates(self) -> bool {
        !matches!(
            self,
            Endpoint::GetList | Endpoint::GetContactGroup | Endpoint::SearchContactGroup
        )
    }

    /// The endpoint of a request path. Exactly one leading slash: `//v4/...` is another path.
    pub fn from_path(path: &str) -> Option<Self> {
        let path = path.strip_prefix('/')?;
        Endpoint::ALL.into_iter().find(|e| e.path() == path)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Endpoint {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Endpoint::ALL.iter().map(|e| e.name()).collect();
                format!(
                    "unknown endpoint {s:?}; give the last part of an API path ({}) or *",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths_round_trip_and_one_slash_only() {
        for e in Endpoint::ALL {
            assert_eq!(e.name().parse::<Endpoint>(), Ok(e));
            assert_eq!(Endpoint::from_path(&format!("/{}", e.path())), Some(e));
            assert_eq!(Endpoint::from_path(&format!("//{}", e.path())), None);
            assert_eq!(Endpoint::from_path(e.path()), None);
        }
        assert_eq!(Endpoint::MarkContact.name(), "mark_contact");
        assert!("v4/recentcontact/mark_contact".parse::<Endpoint>().is_err());
        assert!("nope".parse::<Endpoint>().unwrap_err().contains("sendmsg"));
    }
}
