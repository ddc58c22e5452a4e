//! `.env` files: the one reader (`KEY=VALUE` lines, `#` comments, `export `, quotes) and the
//! one writer of the peaqOS client configuration ([`ClientEnv`]), which `peaqos init`,
//! `peaqos dev` and `peaqos-devnet` all render, from the contract address table so that no
//! address variable can be left out.
//!
//! The reader follows python-dotenv (what the official Python clients load `.env` with) line by
//! line, and the writer quotes so that both read every written value back unchanged:
//!
//! - a value made only of ASCII letters, digits and `-_.:/@,+=?&%~` (URLs, keys, addresses,
//!   plain names) is written bare; the empty value as `NAME=`;
//! - any other value is double-quoted, with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b`, `\f`,
//!   `\v` escapes (the ones python-dotenv decodes in double quotes), so `#`, spaces, quotes,
//!   `$`, `=`, backslashes and newlines all survive and every value stays on one line;
//! - refused ([`EnvValueError`]): `${`, which python-dotenv expands as a variable and has no
//!   escape for, and control characters other than those escapes (NUL cannot be in an
//!   environment variable at all).
//!
//! Reading: a bare value ends at a `#` that follows whitespace and loses its trailing
//! whitespace; a single-quoted value decodes `\\` and `\'`, a double-quoted one the escapes
//! above; after a closing quote only whitespace and a `# comment` may follow (else the line is
//! skipped, as python-dotenv skips it). Values spanning several lines are not read (the writer
//! never produces them). There is no `${VAR}` expansion (the writer never writes `${`).

use std::{borrow::Cow, collections::BTreeMap, fmt, path::Path};

use peaqos_types::ContractAddresses;

pub use peaqos_types::constants::{
    ENV_GAS_STATION_URL, ENV_MCR_API_URL, ENV_NETWORK, ENV_OWS_WALLET, ENV_PRIVATE_KEY, ENV_RPC_URL,
};

/// A `.env` file as lines of text, in order: read ones are kept verbatim, so editing one
/// variable ([`EnvFile::set`]) leaves every other line (comments, spacing) as it was.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    lines: Vec<String>,
}

/// Values may be keys: never printed.
impl fmt::Debug for EnvFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvFile")
            .field("lines", &self.lines.len())
            .finish_non_exhaustive()
    }
}

impl EnvFile {
    /// An empty file.
    pub const fn new() -> Self {
        Self { lines: Vec::new() }
    }

    /// The lines of `text`.
    pub fn parse(text: &str) -> Self {
        Self {
            lines: text.lines().map(str::to_owned).collect(),
        }
    }

    /// Reads `path`; a missing file is an empty one (other errors are returned, so an
    /// unreadable file is never mistaken for an empty one and overwritten).
    pub fn read(path: &Path) -> std::io::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(Self::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::new()),
            Err(e) => Err(e),
        }
    }

    /// Appends `# text`.
    #[must_use]
    pub fn comment(mut self, text: &str) -> Self {
        self.lines.push(format!("# {text}"));
        self
    }

    /// Appends an empty line.
    #[must_use]
    pub fn blank(mut self) -> Self {
        self.lines.push(String::new());
        self
    }

    /// Appends `name=value`, quoted as the module docs say. For values the program made (URLs,
    /// keys, addresses); a value [`quote`] refuses is still written on one line but python-dotenv
    /// may read it differently: check values from users with [`quote`] or
    /// [`ClientEnv::check`] first.
    #[must_use]
    pub fn var(mut self, name: &str, value: impl fmt::Display) -> Self {
        let value = value.to_string();
        let line = match quote(name, &value) {
            Ok(quoted) => format!("{name}={quoted}"),
            Err(_) => format!("{name}={}", double_quoted(&value)),
        };
        self.lines.push(line);
        self
    }

    /// Appends `name=value` for each pair (e.g. [`ContractAddresses::env_vars`]).
    #[must_use]
    pub fn vars<V: fmt::Display>(self, vars: impl IntoIterator<Item = (&'static str, V)>) -> Self {
        vars.into_iter()
            .fold(self, |file, (name, value)| file.var(name, value))
    }

    /// Sets `name` to `value` (quoted as the module docs say): every line that assigns it is
    /// replaced by `name=value`; when none does, the line is appended. A value that cannot be
    /// written so that python-dotenv and this reader read it back unchanged is refused, and
    /// nothing changes.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), EnvValueError> {
        let line = format!("{name}={}", quote(name, value)?);
        let mut found = false;
        for l in &mut self.lines {
            if entry(l).is_some_and(|(k, _)| k == name) {
                l.clone_from(&line);
                found = true;
            }
        }
        if !found {
            self.lines.push(line);
        }
        Ok(())
    }

    /// The value of `name` (the last assignment wins).
    pub fn get(&self, name: &str) -> Option<String> {
        self.lines
            .iter()
            .rev()
            .filter_map(|l| entry(l))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// Every variable (the last assignment of each wins).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.lines
            .iter()
            .filter_map(|l| entry(l))
            .map(|(k, v)| (k.to_owned(), v.into_owned()))
            .collect()
    }

    /// 1-based numbers of the lines that are neither blank, a comment nor `KEY=VALUE` (the
    /// reader skips them; a strict configuration file refuses them).
    pub fn invalid_lines(&self) -> impl Iterator<Item = usize> + '_ {
        self.lines.iter().enumerate().filter_map(|(i, l)| {
            let t = l.trim();
            (!t.is_empty() && !t.starts_with('#') && entry(l).is_none()).then_some(i + 1)
        })
    }

    /// The text: every line followed by a newline.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// Why a value cannot be written to a `.env` (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvValueError {
    /// The value holds `${`: python-dotenv (the official clients' reader) would expand it as a
    /// variable, and has no escape for it.
    #[error(
        "the value of {0} contains `${{`, which the official clients' .env reader would expand"
    )]
    Interpolation(String),
    /// The value holds a control character a `.env` line cannot carry (NUL, ESC, …; tab,
    /// newline and carriage return are fine: they are escaped).
    #[error("the value of {0} contains a control character a .env cannot hold")]
    ControlCharacter(String),
}

/// `value` as it is written after `name=` (see the module docs): bare when it is made of safe
/// characters, else double-quoted with escapes. `name` only names the variable in the error.
pub fn quote<'a>(name: &str, value: &'a str) -> Result<Cow<'a, str>, EnvValueError> {
    if value.contains("${") {
        return Err(EnvValueError::Interpolation(name.to_owned()));
    }
    if value
        .chars()
        .any(|c| c.is_control() && escape_of(c).is_none())
    {
        return Err(EnvValueError::ControlCharacter(name.to_owned()));
    }
    let bare = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:/@,+=?&%~".contains(c));
    Ok(if bare {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(double_quoted(value))
    })
}

/// The two-character escape python-dotenv decodes in double quotes for `c`, if any.
const fn escape_of(c: char) -> Option<char> {
    Some(match c {
        '\\' => '\\',
        '"' => '"',
        '\n' => 'n',
        '\r' => 'r',
        '\t' => 't',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\u{c}' => 'f',
        '\u{b}' => 'v',
        _ => return None,
    })
}

/// `"value"` with every character that has an escape escaped.
fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match escape_of(c) {
            Some(e) => {
                out.push('\\');
                out.push(e);
            }
            None => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whitespace as python-dotenv's `\s` sees it (Unicode whitespace, including U+001C..U+001F).
fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `(key, value)` of a `KEY=VALUE` line, read as python-dotenv reads it (see the module docs);
/// `None` for blank lines, comments, lines without `=` and lines python-dotenv skips as
/// malformed.
fn entry(line: &str) -> Option<(&str, Cow<'_, str>)> {
    let line = line.trim_start_matches(is_space);
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let line = match line.strip_prefix("export") {
        Some(rest) if rest.starts_with(is_space) => rest.trim_start_matches(is_space),
        _ => line,
    };
    let (key, rest) = if let Some(quoted) = line.strip_prefix('\'') {
        let end = quoted.find('\'').filter(|&end| end > 0)?;
        (&quoted[..end], &quoted[end + 1..])
    } else {
        let end = line
            .find(|c: char| c == '=' || c == '#' || is_space(c))
            .unwrap_or(line.len());
        (&line[..end], &line[end..])
    };
    if key.is_empty() {
        return None;
    }
    let rest = rest.trim_start_matches(is_space).strip_prefix('=')?;
    let value = rest.trim_start_matches(is_space);
    if value.len() < rest.len() && value.starts_with('#') {
        // `KEY= # comment`: an empty value.
        return Some((key, Cow::Borrowed("")));
    }
    let value = match value.chars().next() {
        Some(q @ ('\'' | '"')) => {
            let (raw, after) = quoted_span(&value[1..], q)?;
            let after = after.trim_start_matches(is_space);
            if !(after.is_empty() || after.starts_with('#')) {
                return None;
            }
            unescape(raw, q)
        }
        _ => Cow::Borrowed(unquoted(value)),
    };
    Some((key, value))
}

/// The text up to the closing `quote` (a backslash escapes any one character) and what follows
/// it; `None` without a closing quote on the line.
fn quoted_span(text: &str, quote: char) -> Option<(&str, &str)> {
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next()?;
        } else if c == quote {
            return Some((&text[..i], &text[i + c.len_utf8()..]));
        }
    }
    None
}

/// Decodes the escapes python-dotenv decodes: `\\` and `\'` in single quotes; also `\"` and
/// `\a \b \f \n \r \t \v` in double quotes. Other backslashes stay.
fn unescape(raw: &str, quote: char) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push(c);
            break;
        };
        let decoded = match (quote, next) {
            (_, '\\') => '\\',
            (_, '\'') => '\'',
            ('"', '"') => '"',
            ('"', 'a') => '\u{7}',
            ('"', 'b') => '\u{8}',
            ('"', 'f') => '\u{c}',
            ('"', 'n') => '\n',
            ('"', 'r') => '\r',
            ('"', 't') => '\t',
            ('"', 'v') => '\u{b}',
            _ => {
                out.push(c);
                out.push(next);
                continue;
            }
        };
        out.push(decoded);
    }
    Cow::Owned(out)
}

/// A bare value: cut at the first `#` that follows whitespace (with that whitespace), then
/// trailing whitespace removed.
fn unquoted(value: &str) -> &str {
    let mut prev_space = false;
    let mut cut = value.len();
    for (i, c) in value.char_indices() {
        if c == '#' && prev_space {
            cut = i;
            break;
        }
        prev_space = is_space(c);
    }
    value[..cut].trim_end_matches(is_space)
}

/// Who signs, in a [`ClientEnv`].
#[derive(Clone, PartialEq, Eq)]
pub enum EnvSigner {
    /// `PEAQOS_PRIVATE_KEY` (0x + 64 hex).
    PrivateKey(String),
    /// `PEAQOS_OWS_WALLET`: a wallet of the OWS vault.
    OwsWallet(String),
}

impl fmt::Debug for EnvSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PrivateKey(_) => f.write_str("PrivateKey(<redacted>)"),
            Self::OwsWallet(name) => f.debug_tuple("OwsWallet").field(name).finish(),
        }
    }
}

/// The peaqOS client configuration that the CLIs and SDKs (ours and the official ones) read:
///
/// ```text
/// # header lines
///
/// PEAQOS_PRIVATE_KEY=… | PEAQOS_OWS_WALLET=…
/// PEAQOS_RPC_URL=…
/// PEAQOS_MCR_API_URL=…
/// PEAQOS_NETWORK=…            (when set)
/// PEAQOS_GAS_STATION_URL=…    (when set)
///
/// # Contract Addresses (LABEL)
/// IDENTITY_REGISTRY_ADDRESS=… and the rest of ContractAddresses::env_vars(), EIP-55
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientEnv {
    /// Comment lines at the top (without the `# `).
    pub header: Vec<String>,
    /// The signer (none: no key line).
    pub signer: Option<EnvSigner>,
    /// `PEAQOS_RPC_URL`.
    pub rpc_url: String,
    /// `PEAQOS_MCR_API_URL`.
    pub mcr_api_url: String,
    /// `PEAQOS_NETWORK` (none for the devnet's `.env`: the official CLI only accepts
    /// `mainnet`/`testnet` there).
    pub network: Option<String>,
    /// `PEAQOS_GAS_STATION_URL`.
    pub gas_station_url: Option<String>,
    /// The name in `# Contract Addresses (…)`.
    pub contracts_label: String,
    /// The addresses (none: the section is empty, e.g. a chain without the stack).
    pub contracts: Option<ContractAddresses>,
}

impl ClientEnv {
    /// Checks that every value can be written so that python-dotenv reads it back unchanged
    /// (see [`quote`]); [`render`](Self::render) writes anyway, so check values that come
    /// from users (a wallet name, a URL) first.
    pub fn check(&self) -> Result<(), EnvValueError> {
        let signer = match &self.signer {
            Some(EnvSigner::PrivateKey(key)) => Some((ENV_PRIVATE_KEY, key)),
            Some(EnvSigner::OwsWallet(name)) => Some((ENV_OWS_WALLET, name)),
            None => None,
        };
        let values = [
            (ENV_RPC_URL, Some(&self.rpc_url)),
            (ENV_MCR_API_URL, Some(&self.mcr_api_url)),
            (ENV_NETWORK, self.network.as_ref()),
            (ENV_GAS_STATION_URL, self.gas_station_url.as_ref()),
        ];
        signer
            .into_iter()
            .chain(values.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))))
            .try_for_each(|(name, value)| quote(name, value).map(drop))
    }

    /// The `.env` document.
    pub fn to_env_file(&self) -> EnvFile {
        let mut file = self
            .header
            .iter()
            .fold(EnvFile::new(), |file, line| file.comment(line))
            .blank();
        file = match &self.signer {
            Some(EnvSigner::PrivateKey(key)) => file.var(ENV_PRIVATE_KEY, key),
            Some(EnvSigner::OwsWallet(name)) => file.var(ENV_OWS_WALLET, name),
            None => file,
        };
        file = file
            .var(ENV_RPC_URL, &self.rpc_url)
            .var(ENV_MCR_API_URL, &self.mcr_api_url);
        if let Some(network) = &self.network {
            file = file.var(ENV_NETWORK, network);
        }
        if let Some(url) = &self.gas_station_url {
            file = file.var(ENV_GAS_STATION_URL, url);
        }
        file = file
            .blank()
            .comment(&format!("Contract Addresses ({})", self.contracts_label));
        match &self.contracts {
            // `Address` displays EIP-55: the official SDK's batch path needs checksums.
            Some(c) => file.vars(c.env_vars()),
            None => file,
        }
    }

    /// The `.env` text.
    pub fn render(&self) -> String {
        self.to_env_file().render()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_like_dotenv() {
        let env =
            EnvFile::parse("# c\nA=1\nexport B='two words'\nC=\"x=y\"\nD=v # note\nbad line\nE=\n");
        let map = env.to_map();
        assert_eq!(map.get("A").map(String::as_str), Some("1"));
        assert_eq!(map.get("B").map(String::as_str), Some("two words"));
        assert_eq!(map.get("C").map(String::as_str), Some("x=y"));
        assert_eq!(map.get("D").map(String::as_str), Some("v"));
        assert_eq!(map.get("E").map(String::as_str), Some(""));
        assert_eq!(map.len(), 5);
        assert_eq!(env.invalid_lines().collect::<Vec<_>>(), [6]);
        assert_eq!(env.get("B").as_deref(), Some("two words"));
    }

    #[test]
    fn set_replaces_or_appends_and_keeps_other_lines() {
        let mut env = EnvFile::parse("# keep\nexport W=old\nX=1\n");
        env.set("W", "new").expect("set");
        env.set("Y", "2").expect("set");
        assert_eq!(env.render(), "# keep\nW=new\nX=1\nY=2\n");
        let mut empty = EnvFile::new();
        empty.set("W", "a").expect("set");
        assert_eq!(empty.render(), "W=a\n");
    }

    #[test]
    fn client_env_layout() {
        let env = ClientEnv {
            header: vec!["title".into()],
            signer: Some(EnvSigner::OwsWallet("w".into())),
            rpc_url: "http://rpc".into(),
            mcr_api_url: "http://mcr".into(),
            network: Some("local".into()),
            gas_station_url: None,
            contracts_label: "local".into(),
            contracts: None,
        };
        assert_eq!(
            env.render(),
            "# title\n\nPEAQOS_OWS_WALLET=w\nPEAQOS_RPC_URL=http://rpc\n\
             PEAQOS_MCR_API_URL=http://mcr\nPEAQOS_NETWORK=local\n\n# Contract Addresses (local)\n"
        );
        let key = EnvSigner::PrivateKey("0xsecret".into());
        assert!(!format!("{key:?}").contains("secret"));
    }

    /// Wallet names and other values that need quoting (issue 13 finding 17: `team #1` was cut
    /// at the `#`).
    const TRICKY: &[&str] = &[
        "team #1",
        "#start",
        "a b",
        " leading and trailing ",
        "say \"hi\"",
        "it's",
        "'single'",
        "\"double\"",
        "cost $5",
        "$HOME",
        "a=b",
        "=",
        "back\\slash",
        "ends with \\",
        "\\n is not a newline",
        "two\nlines",
        "cr\rlf",
        "tab\there",
        "café ☕",
        "",
        "plain-name_1.2",
    ];

    #[test]
    fn set_values_read_back_unchanged() {
        let mut env = EnvFile::parse("# keep\nOTHER=1\n");
        for (i, value) in TRICKY.iter().enumerate() {
            env.set(&format!("V{i}"), value).expect("writable");
        }
        let text = env.render();
        let back = EnvFile::parse(&text);
        for (i, value) in TRICKY.iter().enumerate() {
            assert_eq!(
                back.get(&format!("V{i}")).as_deref(),
                Some(*value),
                "{text}"
            );
        }
        assert_eq!(back.get("OTHER").as_deref(), Some("1"));
        assert!(text.starts_with("# keep\nOTHER=1\n"), "{text}");
        // Every value stays on its line.
        assert_eq!(text.lines().count(), 2 + TRICKY.len(), "{text}");
    }

    #[test]
    fn unwritable_values_are_refused_and_change_nothing() {
        let mut env = EnvFile::parse("W=old\n");
        for (value, code) in [
            ("a${HOME}", "`${`"),
            ("${", "`${`"),
            ("nul\0", "control character"),
            ("esc\u{1b}[31m", "control character"),
        ] {
            let err = env.set("W", value).expect_err(value);
            assert!(err.to_string().contains(code), "{value:?}: {err}");
            assert!(err.to_string().contains('W'), "{err}");
        }
        assert_eq!(env.render(), "W=old\n");
        // `$` alone is fine: only `${…}` is expanded by python-dotenv.
        env.set("W", "$5 $HOME $").expect("plain dollars");
        assert_eq!(env.get("W").as_deref(), Some("$5 $HOME $"));
    }

    #[test]
    fn plain_values_stay_bare() {
        let env = EnvFile::new()
            .var("URL", "http://127.0.0.1:8545/path?a=1&b=2")
            .var("KEY", "0xAbC123")
            .var("E", "")
            .var("N", "team #1");
        assert_eq!(
            env.render(),
            "URL=http://127.0.0.1:8545/path?a=1&b=2\nKEY=0xAbC123\nE=\nN=\"team #1\"\n"
        );
    }

    #[test]
    fn reads_what_python_dotenv_reads() {
        // Expected values from python-dotenv 1.2 (`dotenv_values`) for the same lines.
        for (line, expected) in [
            ("A=team #1", Some("team")),
            ("A=team#1", Some("team#1")),
            ("A= # only a comment", Some("")),
            ("A=#not a comment", Some("#not a comment")),
            ("A='x' # c", Some("x")),
            ("A=\"x\" # c", Some("x")),
            ("A=\"x\"y", None),
            ("A='unterminated", None),
            ("A='it\\'s \\\\ \\n'", Some("it's \\ \\n")),
            (
                "A=\"tab\\there \\\"q\\\" \\$\"",
                Some("tab\there \"q\" \\$"),
            ),
            ("  export   A = spaced value  ", Some("spaced value")),
            ("'A'=quoted key", Some("quoted key")),
            ("export=1", Some("1")), // `export` without a space after it is a key
            ("A B=1", None),
            ("A", None),
        ] {
            let got = EnvFile::parse(line).to_map();
            let key = if line.contains("export=") {
                "export"
            } else {
                "A"
            };
            assert_eq!(got.get(key).map(String::as_str), expected, "{line}");
        }
    }

    /// The interop venv's Python (`PEAQOS_INTEROP_PYTHON`, else the workspace's
    /// `.venv-interop`).
    fn interop_python() -> std::path::PathBuf {
        std::env::var_os("PEAQOS_INTEROP_PYTHON").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv-interop/bin/python"),
            std::path::PathBuf::from,
        )
    }

    #[test]
    #[ignore = "needs Python: python-dotenv from the official clients' .venv-interop"]
    fn python_dotenv_reads_the_same_values() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        let mut env = EnvFile::parse("# written by peaqos\nexport OTHER='it\\'s'\n");
        for (i, value) in TRICKY.iter().enumerate() {
            env.set(&format!("V{i}"), value).expect("writable");
        }
        std::fs::write(&path, env.render()).expect("write");
        // The official CLI calls `load_dotenv`, which loads `dotenv_values` (with `${…}`
        // interpolation on) into the environment. One `KEY HEX(VALUE)` line per variable.
        let out = std::process::Command::new(interop_python())
            .args([
                "-c",
                "import sys\n\
                 from dotenv import dotenv_values\n\
                 for k, v in dotenv_values(sys.argv[1]).items():\n    \
                 print(k, (v or '').encode().hex())",
            ])
            .arg(&path)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let unhex = |h: &str| {
            let bytes = (0..h.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&h[i..i + 2], 16).expect("hex"))
                .collect();
            String::from_utf8(bytes).expect("utf-8")
        };
        let python: BTreeMap<String, String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(' ').unwrap_or((l, ""));
                (k.to_owned(), unhex(v))
            })
            .collect();
        let ours: BTreeMap<String, String> = EnvFile::parse(&env.render()).to_map();
        assert_eq!(python, ours);
        for (i, value) in TRICKY.iter().enumerate() {
            assert_eq!(
                python.get(&format!("V{i}")).map(String::as_str),
                Some(*value)
            );
        }
        assert_eq!(python.get("OTHER").map(String::as_str), Some("it's"));
    }
}
