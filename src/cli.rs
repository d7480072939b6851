//! The command line (the README's "Command line" sections). Each command's work lives in its own module;
//! this file only declares the arguments and dispatches.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::ConnArgs;

/// The end of `convmark --help`: where the files are and the variables that are not flags.
const AFTER_HELP: &str = "\
Files: the config file is config.toml in the platform config dir (~/.config/convmark/ on \
Linux), or CONVMARK_CONFIG; logs, the journal and the audit log go to the platform data dir \
(~/.local/share/convmark/ on Linux), or CONVMARK_DATA_DIR. `convmark config path` prints \
where they are on this machine, `convmark config init` writes a commented config file, \
`convmark config check` checks it.

Every connection flag can also be set by the CONVMARK_* variable its help names (flags win \
over variables, variables over the config file; an empty variable counts as not set).

Exit codes: 0 success; 1 a request was sent and something failed; 2 bad input, nothing \
sent. The TUI quit by SIGINT, SIGQUIT, SIGHUP or SIGTERM with edits left unsent exits \
128 + the signal's number (130, 131, 129, 143).";

#[derive(Parser, Debug)]
#[command(
    name = "convmark",
    version,
    about = "Inspect and edit Tencent Cloud Chat conversation marks and groups",
    long_about = "Inspect and edit Tencent Cloud Chat conversation marks (the 64-bit standard mark and the custom mark) and conversation groups through the REST API. Without a command, starts the TUI against the configured app (`convmark --user alice` is `convmark tui --user alice`); `convmark demo` starts it against the embedded emulator.",
    args_conflicts_with_subcommands = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a command: the TUI's options
    #[command(flatten)]
    pub tui: TuiArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The TUI against the configured app (the default command)
    Tui(TuiArgs),
    /// The embedded emulator in-process, with demo data, and the TUI against it
    Demo(DemoArgs),
    /// The emulator alone, headless, for tests and other clients
    Serve(ServeArgs),
    /// Print a user's conversations, marks and groups
    Get(GetArgs),
    /// Change marks without the TUI
    Mark(MarkArgs),
    /// Manage a user's conversation groups
    Groups(GroupsArgs),
    /// Write a user's marks, custom marks and groups as a versioned JSON document
    Export(ExportArgs),
    /// Say what it takes to bring the server to a document (exit 0 in sync, 1 differences, 2 trouble)
    Diff(DiffArgs),
    /// Bring the server to a document with the minimal calls, after asking
    Apply(ApplyArgs),
    /// Revert a commit from the audit log where the server still holds what it wrote
    Undo(UndoArgs),
    /// Generate a UserSig, or decode and verify one
    Usersig(UsersigArgs),
    /// Where the config file and the data files are; write or check the config file
    Config(ConfigArgs),
    /// Print shell completions
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), of convmark or of one command: `convmark man | man -l -`
    Man {
        /// A command, e.g. mark: its own page, convmark-mark(1)
        command: Option<String>,
    },
}

#[derive(Args, Debug, Clone)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Subcommand, Debug, Clone)]
pub enum ConfigAction {
    /// Print where the config file, data dir, log, journal dir and audit log are, and whether each exists
    Path,
    /// Write a commented config file (mode 600) where convmark looks for it; never overwrites one
    Init,
    /// Load the config file, resolve the profile (flags and variables applied) and say what was found
    Check {
        #[command(flatten)]
        conn: Box<ConnArgs>,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct TuiArgs {
    /// Open this user's conversations right away
    #[arg(long)]
    pub user: Option<String>,
    /// Nothing can be staged or committed
    #[arg(long)]
    pub read_only: bool,
    /// Click cells and rows with the mouse
    #[arg(long)]
    pub mouse: bool,
    /// Colours for a dark or a light terminal background (beats `theme` in the config file)
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::ui::theme::Preset>,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// Open this demo user (default: the main demo user)
    #[arg(long)]
    pub user: Option<String>,
    /// Conversations of the main demo user
    #[arg(long, default_value_t = 1000)]
    pub conversations: usize,
    /// Edition of the demo app: pro answers 51013 for standard marks and groups
    #[arg(long, value_enum, default_value = "ultimate")]
    pub edition: EditionArg,
    /// Nothing can be staged or committed
    #[arg(long)]
    pub read_only: bool,
    /// Click cells and rows with the mouse
    #[arg(long)]
    pub mouse: bool,
    /// Colours for a dark or a light terminal background (beats `theme` in the config file)
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::ui::theme::Preset>,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (loopback only unless --allow-remote)
    #[arg(long, default_value = "127.0.0.1:8421")]
    pub addr: String,
    /// Listen on a non-loopback address
    #[arg(long)]
    pub allow_remote: bool,
    #[arg(long, default_value_t = 1_400_000_000)]
    pub sdkappid: u64,
    /// The app's secret key (default: a fixed demo key, printed at start)
    #[arg(long)]
    pub secret_key: Option<String>,
    /// App admin identifiers (repeatable; default: administrator)
    #[arg(long = "admin")]
    pub admins: Vec<String>,
    /// Demo data, or an empty app
    #[arg(long, value_enum, default_value = "demo")]
    pub seed: SeedArg,
    /// Ultimate allows standard marks and groups; pro answers 51013 for them
    #[arg(long, value_enum, default_value = "ultimate")]
    pub edition: EditionArg,
    /// Persist the state to this file and reload it at start
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost
    #[arg(long, requires = "cert")]
    pub tls: bool,
    /// Where to write the self-signed certificate's PEM (with --tls)
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Calls per second per app before 60007 (0: no limit)
    #[arg(long, default_value_t = 200)]
    pub rate_limit: u32,
    /// Share of calls that fail with an injected fault (0.0..=1.0)
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed of the fault sequence, for reproducible runs
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Fault kinds --fault-rate draws from (internal, timeout, bad-gateway, drop, slow,
    /// applied-drop, applied-timeout)
    #[arg(
        long,
        value_name = "K1,K2,...",
        value_delimiter = ',',
        default_value = "internal,timeout,bad-gateway,drop,slow"
    )]
    pub fault_kinds: Vec<crate::emulator::Fault>,
    /// A one-shot fault for the next call to ENDPOINT (last path segment, or *); repeatable,
    /// used in order
    #[arg(long, value_name = "ENDPOINT=KIND")]
    pub fault_next: Vec<crate::emulator::ScriptedFault>,
    /// How long the slow and applied-timeout faults stay silent, in milliseconds
    #[arg(long, value_name = "N", default_value_t = 3000)]
    pub fault_delay_ms: u64,
    /// Added latency per call, in milliseconds
    #[arg(long, alias = "latency", default_value_t = 0)]
    pub latency_ms: u64,
    /// Close a connection that sends no request, head or body for this long, in milliseconds
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub idle_timeout_ms: u64,
    /// Conversations of the main demo user (with --seed demo)
    #[arg(long, default_value_t = 1000)]
    pub conversations: usize,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedArg {
    Demo,
    None,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditionArg {
    Ultimate,
    Pro,
}

#[derive(Args, Debug, Clone)]
pub struct GetArgs {
    /// The user whose conversations to print
    #[arg(long)]
    pub user: String,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("target").required(true).multiple(true).args(["to", "group", "from"])))]
pub struct MarkArgs {
    /// The user whose conversations to mark (without it, --from takes USER CONVERSATION lines)
    #[arg(long)]
    pub user: Option<String>,
    /// A one-to-one conversation with this user (c2c_ID or bare ID; repeatable)
    #[arg(long)]
    pub to: Vec<String>,
    /// A group conversation (group ID or group_ID; repeatable)
    #[arg(long)]
    pub group: Vec<String>,
    /// A file with one conversation per line (c2c_ID, group_ID or a bare user ID), or without --user one USER CONVERSATION per line; - for stdin
    #[arg(long)]
    pub from: Option<PathBuf>,
    /// Wire indices 0..=63 to set, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub set: Vec<String>,
    /// Wire indices 0..=63 to clear, comma-separated
    #[arg(long, value_delimiter = ',')]
    pub clear: Vec<String>,
    /// New custom mark (at most 256 UTF-8 bytes; "" clears it)
    #[arg(long)]
    pub custom: Option<String>,
    /// Allow setting or clearing bits 4..=31, which are reserved for Chat's internal use
    #[arg(long)]
    pub allow_reserved: bool,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ExportArgs {
    /// The user whose marks to write (repeatable: one document with each user's part)
    #[arg(long, required = true)]
    pub user: Vec<String>,
    /// Where to write it (replaced atomically); - or none for stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
pub struct DiffArgs {
    /// The document (`convmark export` writes one); - for stdin
    pub file: PathBuf,
    /// Compare one part of the document with this user (default: each part with its own user)
    #[arg(long)]
    pub user: Option<String>,
    /// Which user's part of the document, when it holds several
    #[arg(long, value_name = "USER")]
    pub source: Option<String>,
    /// Also count conversations and groups the document does not list (they would be cleared and deleted)
    #[arg(long)]
    pub prune: bool,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ApplyArgs {
    /// The document (`convmark export` writes one); - for stdin (needs --yes)
    pub file: PathBuf,
    /// Apply without asking (without it, and without a terminal, apply refuses at once)
    #[arg(long)]
    pub yes: bool,
    /// Clear conversations the document does not list (bits, custom mark, groups) and delete groups it does not list
    #[arg(long)]
    pub prune: bool,
    /// Apply one part of the document to this user (copying marks between users)
    #[arg(long)]
    pub user: Option<String>,
    /// Which user's part of the document, when it holds several
    #[arg(long, value_name = "USER")]
    pub source: Option<String>,
    /// Allow setting or clearing bits 4..=31, which are reserved for Chat's internal use
    #[arg(long)]
    pub allow_reserved: bool,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["audit_id", "last"])))]
pub struct UndoArgs {
    /// The commit's id in the audit log (`apply` and `undo` print it, `mark --json` has it)
    #[arg(value_name = "AUDIT-ID")]
    pub audit_id: Option<String>,
    /// The user whose commit to revert (with an AUDIT-ID: only this user's part of it)
    #[arg(long)]
    pub user: Option<String>,
    /// The newest commit of --user in this app
    #[arg(long, requires = "user", conflicts_with = "audit_id")]
    pub last: bool,
    /// Revert without asking (without it, and without a terminal, undo refuses at once)
    #[arg(long)]
    pub yes: bool,
    /// Also revert conversations changed since the commit (conflicts)
    #[arg(long)]
    pub force: bool,
    /// JSON for scripts
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Args, Debug, Clone)]
pub struct GroupsArgs {
    /// The user whose groups to manage
    #[arg(long)]
    pub user: String,
    /// JSON for scripts (before or after the action)
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub action: GroupsAction,
    #[command(flatten)]
    pub conn: ConnArgs,
}

#[derive(Subcommand, Debug, Clone)]
pub enum GroupsAction {
    /// List the groups and their conversations
    List,
    /// Create a group, optionally with conversations
    Create {
        name: String,
        conversations: Vec<String>,
    },
    /// Rename a group
    Rename { old: String, new: String },
    /// Add conversations to a group
    Add {
        name: String,
        #[arg(required = true)]
        conversations: Vec<String>,
    },
    /// Remove conversations from a group
    Remove {
        name: String,
        #[arg(required = true)]
        conversations: Vec<String>,
    },
    /// Delete a group
    Delete { name: String },
}

#[derive(Args, Debug, Clone)]
#[command(args_conflicts_with_subcommands = true)]
pub struct UsersigArgs {
    #[command(subcommand)]
    pub verify: Option<UsersigVerify>,
    #[command(flatten)]
    pub gen_args: UsersigGen,
}

#[derive(Args, Debug, Clone, Default)]
pub struct UsersigGen {
    /// The app's SDKAppID
    #[arg(long, env = "CONVMARK_SDKAPPID", hide_env_values = true, value_name = "N", value_parser = crate::config::sdkappid_arg)]
    pub sdkappid: Option<String>,
    /// The app's secret key
    #[arg(long, env = "CONVMARK_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Identifier to sign for [default: administrator]
    #[arg(long, env = "CONVMARK_IDENTIFIER", hide_env_values = true)]
    pub identifier: Option<String>,
    /// Validity in seconds (default 180 days)
    #[arg(long, default_value_t = crate::api::usersig::DEFAULT_EXPIRE_SECONDS)]
    pub expire: u64,
}

#[derive(Subcommand, Debug, Clone)]
pub enum UsersigVerify {
    /// Decode a UserSig, print its document and whether it verifies (exit 0 only if it does)
    Verify {
        /// The UserSig (may be percent-encoded)
        sig: String,
        /// The app's SDKAppID
        #[arg(long, env = "CONVMARK_SDKAPPID", hide_env_values = true, value_name = "N", value_parser = crate::config::sdkappid_arg)]
        sdkappid: Option<String>,
        /// The app's secret key
        #[arg(long, env = "CONVMARK_SECRET_KEY", hide_env_values = true)]
        secret_key: Option<String>,
        /// Identifier the UserSig must be for [default: administrator]
        #[arg(long, env = "CONVMARK_IDENTIFIER", hide_env_values = true)]
        identifier: Option<String>,
    },
}

/// The connection flags of the two pairs (secret key or UserSig, region or base URL) that
/// were typed on the command line, as opposed to set by their `CONVMARK_*` variables (clap
/// gives both as one value). A typed flag beats the other kind's variable.
static TYPED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// Notes which pair flags the command line typed, from clap's matches (the command's and
/// its subcommands').
pub fn note_typed_flags(matches: &clap::ArgMatches) {
    const PAIRS: [&str; 4] = ["secret_key", "usersig", "region", "base_url"];
    let mut typed = Vec::new();
    let mut level = Some(matches);
    while let Some(m) = level {
        for id in m.ids() {
            let id = id.as_str();
            if PAIRS.contains(&id)
                && m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
            {
                typed.push(id.to_owned());
            }
        }
        level = m.subcommand().map(|(_, sub)| sub);
    }
    let _ = TYPED.set(typed);
}

/// Whether the flag of this field (`secret_key`, `usersig`, `region`, `base_url`) was
/// typed on the command line.
pub fn typed(field: &str) -> bool {
    TYPED.get().is_some_and(|t| t.iter().any(|f| f == field))
}
