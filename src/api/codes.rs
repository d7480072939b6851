//! The one table of result and error codes: what each means, what to do, and whether a
//! retry can help. The status line, the CLI and the emulator all read it from here.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: i64,
    pub meaning: &'static str,
    pub action: &'static str,
    pub retryable: bool,
}

const fn c(code: i64, meaning: &'static str, action: &'static str, retryable: bool) -> CodeInfo {
    CodeInfo {
        code,
        meaning,
        action,
        retryable,
    }
}

/// Every code the README's "Result codes" table lists, plus 0.
pub const CODES: &[CodeInfo] = &[
    c(0, "success", "nothing to do", false),
    c(
        50001,
        "user account not imported into Chat (the From_Account or the conversation's user)",
        "check the user ID; accounts come from account_import",
        false,
    ),
    c(
        50002,
        "invalid request parameter",
        "fix the input named in ErrorInfo",
        false,
    ),
    c(
        50003,
        "the request needs app admin permission",
        "use an admin identifier",
        false,
    ),
    c(50004, "internal server error", "retry", true),
    c(50005, "network timeout", "retry later", true),
    c(
        51006,
        "more than 100 conversations in one mark/group call, or none",
        "split the batch",
        false,
    ),
    c(
        51007,
        "group conversation failed: internal error or the group was disbanded",
        "check the group",
        false,
    ),
    c(
        51008,
        "the user's marked/grouped conversations would exceed 1,000",
        "clear marks elsewhere",
        false,
    ),
    c(
        51009,
        "the conversation group does not exist",
        "refresh groups",
        false,
    ),
    c(
        51010,
        "the user already has 20 conversation groups",
        "delete a group",
        false,
    ),
    c(
        51011,
        "group name longer than 32 bytes",
        "shorten it",
        false,
    ),
    c(51012, "too many pinned conversations", "unpin some", false),
    c(
        51013,
        "standard marks and groups need the Ultimate edition",
        "custom marks still work",
        false,
    ),
    c(
        60002,
        "HTTP parse error / bad URL",
        "check the endpoint URL and its query parameters",
        false,
    ),
    c(
        60003,
        "request body is not valid JSON",
        "fix the request body",
        false,
    ),
    c(
        60004,
        "identifier or UserSig wrong",
        "check the identifier and UserSig",
        false,
    ),
    c(
        60005,
        "identifier or UserSig wrong",
        "check the identifier and UserSig",
        false,
    ),
    c(60006, "invalid SDKAppID", "check the SDKAppID", false),
    c(
        60007,
        "REST call frequency limit exceeded",
        "back off and retry",
        true,
    ),
    c(
        60008,
        "service timeout or bad HTTP request format",
        "retry",
        true,
    ),
    c(
        60009,
        "unknown request path",
        "check the endpoint path",
        false,
    ),
    c(
        60010,
        "identifier must be an app admin",
        "use an admin identifier",
        false,
    ),
    c(
        60011,
        "SDKAppID request frequency limit exceeded",
        "back off and retry",
        true,
    ),
    c(
        60012,
        "SDKAppID missing from the URL",
        "add sdkappid to the URL",
        false,
    ),
    c(
        60016,
        "SDKAppID disabled",
        "enable the app in the console",
        false,
    ),
    c(60018, "too many requests", "back off and retry", true),
    c(60019, "too many requests", "back off and retry", true),
    c(
        60020,
        "no package purchased, or not yet active",
        "check the app's plan in the console",
        false,
    ),
    c(
        70001,
        "UserSig expired",
        "regenerate it (automatic when the secret key is known)",
        false,
    ),
    c(70002, "UserSig empty", "supply a UserSig", false),
    c(70003, "UserSig malformed", "generate a new UserSig", false),
    c(
        70005,
        "UserSig verification failed",
        "generate a new UserSig",
        false,
    ),
    c(
        70009,
        "UserSig does not verify with the app's key",
        "check the secret key and SDKAppID",
        false,
    ),
    c(
        70013,
        "identifier in the URL differs from the one inside the UserSig",
        "use the UserSig made for this identifier",
        false,
    ),
    c(
        70014,
        "SDKAppID in the URL differs from the one inside the UserSig",
        "use the UserSig made for this SDKAppID",
        false,
    ),
    c(70052, "UserSig invalidated", "regenerate it", false),
    c(
        70107,
        "user account does not exist",
        "check the user ID",
        false,
    ),
    c(70402, "invalid parameter", "fix the request", false),
    c(70500, "internal server error", "retry", true),
];

/// Looks a code up in the table.
pub fn lookup(code: i64) -> Option<&'static CodeInfo> {
    CODES.iter().find(|info| info.code == code)
}

/// Whether a retry can help with this code.
pub fn is_retryable(code: i64) -> bool {
    lookup(code).is_some_and(|info| info.retryable)
}

/// The meaning of a code, or a plain "unknown code" sentence.
pub fn meaning(code: i64) -> &'static str {
    lookup(code).map_or("unknown code (see the Chat error code docs)", |i| i.meaning)
}

/// One line for a status line or the CLI: `ResultCode 51013: meaning; what to do`.
pub fn describe(code: i64) -> String {
    match lookup(code) {
        Some(info) if code == 0 => format!("ResultCode 0: {}", info.meaning),
        Some(info) => format!("ResultCode {code}: {}; {}", info.meaning, info.action),
        None => format!("ResultCode {code}: unknown code (see the Chat error code docs)"),
    }
}

/// [`describe`] plus the server's `ResultInfo`, only when it adds something to the table's
/// text (the server often repeats the meaning).
pub fn describe_with_info(code: i64, info: &str) -> String {
    let described = describe(code);
    let info = info.trim();
    // "meaning: detail" from the server (the emulator writes that) keeps only the detail
    let info = info
        .strip_prefix(meaning(code))
        .and_then(|rest| rest.strip_prefix(':'))
        .map_or(info, str::trim);
    if info.is_empty() || code == 0 || described.contains(info) {
        described
    } else {
        format!("{described} ({info})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_spec_is_known_once() {
        let spec = [
            50001, 50002, 50003, 50004, 50005, 51006, 51007, 51008, 51009, 51010, 51011, 51012,
            51013, 60002, 60003, 60004, 60005, 60006, 60007, 60008, 60009, 60010, 60011, 60012,
            60016, 60018, 60019, 60020, 70001, 70002, 70003, 70005, 70009, 70013, 70014, 70052,
            70107, 70402, 70500,
        ];
        for code in spec {
            assert!(lookup(code).is_some(), "{code} missing");
        }
        let mut seen: Vec<i64> = CODES.iter().map(|c| c.code).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), CODES.len(), "a code is listed twice");
    }

    #[test]
    fn retryable_codes_are_those_of_the_reliability_rules() {
        for code in [50004, 50005, 60007, 60008, 60011, 60018, 60019, 70500] {
            assert!(is_retryable(code), "{code}");
        }
        for code in [0, 50002, 51013, 70001, 70009, 99999] {
            assert!(!is_retryable(code), "{code}");
        }
    }

    #[test]
    fn result_info_is_added_only_when_it_says_something_new() {
        let plain = describe(51013);
        assert_eq!(describe_with_info(51013, ""), plain);
        assert_eq!(describe_with_info(51013, meaning(51013)), plain);
        assert_eq!(
            describe_with_info(51013, "app is Pro"),
            format!("{plain} (app is Pro)")
        );
        assert_eq!(describe_with_info(0, "OK"), describe(0));
        assert_eq!(
            describe_with_info(51009, &format!("{}: no group \"x\"", meaning(51009))),
            format!("{} (no group \"x\")", describe(51009))
        );
    }

    #[test]
    fn describe_gives_meaning_and_action() {
        assert_eq!(
            describe(51013),
            "ResultCode 51013: standard marks and groups need the Ultimate edition; custom marks still work"
        );
        assert_eq!(describe(0), "ResultCode 0: success");
        assert!(describe(12345).contains("unknown"));
    }
}
