//! A conversation's peer. The wire has four spellings for a group ID (`ToGroupId`,
//! `GroupId`, `ToGroupid`, ...); they live in `crate::api` only. Everything else uses [`Peer`].

use std::fmt;

/// Longest user or group ID accepted. Chat's UserID is at most 32 bytes and a group ID at
/// most 48; a little slack is kept so that we never refuse what the server accepts.
pub const MAX_ID_BYTES: usize = 128;

#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Peer {
    /// A one-to-one ("C2C") conversation with this user.
    User(String),
    /// A group conversation.
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("the ID is empty: give a user ID, c2c_USERID or group_GROUPID")]
    Empty,
    #[error("the ID {0:?} is {1} bytes long; at most {MAX_ID_BYTES} are allowed")]
    TooLong(String, usize),
    #[error("the ID {0:?} contains a control character or surrounding spaces")]
    BadCharacter(String),
    #[error(
        "{0:?} names a group, not a user: give bob or c2c_bob (a user whose ID begins with group_ is written c2c_group_…)"
    )]
    NotAUser(String),
    #[error("the user ID is empty: give a user ID (bob or c2c_bob)")]
    EmptyUser,
}

/// A user as people write one: `bob`, or `c2c_bob` (the conversation ID of a one-to-one
/// chat with bob). A group conversation ID (`group_…`) is refused, since it names no user;
/// a user whose ID itself begins with `group_` is written `c2c_group_…`.
pub fn parse_user(text: &str) -> Result<String, IdError> {
    let id = match text.strip_prefix("c2c_") {
        Some(id) => id,
        None if text.starts_with("group_") => return Err(IdError::NotAUser(text.to_owned())),
        None => text,
    };
    if id.is_empty() {
        return Err(IdError::EmptyUser);
    }
    validate_id(id)?;
    Ok(id.to_owned())
}

/// Checks a user or group ID the way the server would before a request goes out.
pub fn validate_id(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.len() > MAX_ID_BYTES {
        return Err(IdError::TooLong(id.to_owned(), id.len()));
    }
    if id.chars().any(char::is_control) || id.trim() != id {
        return Err(IdError::BadCharacter(id.to_owned()));
    }
    Ok(())
}

impl Peer {
    /// Parses a conversation as the client SDKs write conversation IDs: `c2c_USERID` or
    /// `group_GROUPID`; a bare ID means a user.
    pub fn parse(text: &str) -> Result<Peer, IdError> {
        let peer = if let Some(id) = text.strip_prefix("c2c_") {
            Peer::User(id.to_owned())
        } else if let Some(id) = text.strip_prefix("group_") {
            Peer::Group(id.to_owned())
        } else {
            Peer::User(text.to_owned())
        };
        validate_id(peer.id())?;
        Ok(peer)
    }

    pub fn id(&self) -> &str {
        match self {
            Peer::User(id) | Peer::Group(id) => id,
        }
    }

    pub fn is_group(&self) -> bool {
        matches!(self, Peer::Group(_))
    }

    /// The client SDKs' conversation ID: `c2c_USERID` or `group_GROUPID`.
    pub fn conversation_id(&self) -> String {
        match self {
            Peer::User(id) => format!("c2c_{id}"),
            Peer::Group(id) => format!("group_{id}"),
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.conversation_id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_written_bare_or_as_its_c2c_conversation() {
        assert_eq!(parse_user("bob").unwrap(), "bob");
        assert_eq!(parse_user("c2c_bob").unwrap(), "bob");
        assert_eq!(parse_user("c2c_group_x").unwrap(), "group_x");
        assert_eq!(
            parse_user("group_@TGS#1"),
            Err(IdError::NotAUser("group_@TGS#1".into()))
        );
        assert_eq!(parse_user("c2c_"), Err(IdError::EmptyUser));
        assert_eq!(parse_user(""), Err(IdError::EmptyUser));
        assert!(matches!(parse_user(" bob"), Err(IdError::BadCharacter(_))));
    }

    #[test]
    fn parses_sdk_conversation_ids() {
        assert_eq!(
            Peer::parse("c2c_alice").unwrap(),
            Peer::User("alice".into())
        );
        assert_eq!(
            Peer::parse("group_@TGS#1B2AUI7RZ").unwrap(),
            Peer::Group("@TGS#1B2AUI7RZ".into())
        );
        assert_eq!(Peer::parse("bob").unwrap(), Peer::User("bob".into()));
        // surrounding spaces are refused, not trimmed: they are not part of any ID
        assert!(matches!(Peer::parse(" bob"), Err(IdError::BadCharacter(_))));
        assert!(matches!(
            Peer::parse("c2c_bob "),
            Err(IdError::BadCharacter(_))
        ));
        assert_eq!(Peer::Group("g1".into()).conversation_id(), "group_g1");
        assert_eq!(Peer::User("u".into()).to_string(), "c2c_u");
    }

    #[test]
    fn refuses_empty_and_odd_ids() {
        assert_eq!(Peer::parse(""), Err(IdError::Empty));
        assert_eq!(Peer::parse("c2c_"), Err(IdError::Empty));
        assert_eq!(Peer::parse("group_"), Err(IdError::Empty));
        assert!(matches!(
            Peer::parse("a\u{7}b"),
            Err(IdError::BadCharacter(_))
        ));
        assert!(matches!(
            Peer::parse(&"x".repeat(200)),
            Err(IdError::TooLong(_, 200))
        ));
    }
}
