//! `.env` files: the one reader (`KEY=VALUE` lines, `#` comments, `export `, quotes) and the
//! one writer of the peaqOS client configuration ([`ClientEnv`]), which `peaqos init`,
//! `peaqos dev` and `peaqos-devnet` all render, from the contract address table so that no
//! address variable can be left out.

use std::{collections::BTreeMap, fmt, path::Path};

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

    /// Appends `name=value`.
    #[must_use]
    pub fn var(mut self, name: &str, value: impl fmt::Display) -> Self {
        self.lines.push(format!("{name}={value}"));
        self
    }

    /// Appends `name=value` for each pair (e.g. [`ContractAddresses::env_vars`]).
    #[must_use]
    pub fn vars<V: fmt::Display>(self, vars: impl IntoIterator<Item = (&'static str, V)>) -> Self {
        vars.into_iter()
            .fold(self, |file, (name, value)| file.var(name, value))
    }

    /// Sets `name` to `value`: every line that assigns it is replaced by `name=value`; when
    /// none does, the line is appended.
    pub fn set(&mut self, name: &str, value: &str) {
        let line = format!("{name}={value}");
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
    }

    /// The value of `name` (the last assignment wins).
    pub fn get(&self, name: &str) -> Option<String> {
        self.lines
            .iter()
            .rev()
            .filter_map(|l| entry(l))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// Every variable (the last assignment of each wins).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.lines
            .iter()
            .filter_map(|l| entry(l))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
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

/// `(key, value)` of a `KEY=VALUE` line: `export ` is allowed before the key; the value loses
/// one pair of matching quotes, or else a trailing ` # comment`.
fn entry(line: &str) -> Option<(&str, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let (key, value) = line.split_once('=')?;
    let mut value = value.trim();
    if value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')))
    {
        value = &value[1..value.len() - 1];
    } else if let Some(i) = value.find(" #") {
        value = value[..i].trim_end();
    }
    Some((key.trim(), value))
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
        env.set("W", "new");
        env.set("Y", "2");
        assert_eq!(env.render(), "# keep\nW=new\nX=1\nY=2\n");
        let mut empty = EnvFile::new();
        empty.set("W", "a");
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
}
