//! Configuration: `./.env` in the current directory (the official CLI searches next to its
//! install instead), then the process environment, which wins.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient, SignerSource, mcr::McrClient};
use peaqos_types::constants::REQUIRED_ADDRESS_ENV_VARS;

use crate::error::{CliError, CliResult};

/// The env var names the CLI reads (defined once, in `peaqos-types`).
pub(crate) use peaqos_types::constants::{
    ENV_GAS_STATION_URL, ENV_MCR_API_URL, ENV_NETWORK, ENV_OWS_WALLET, ENV_PRIVATE_KEY, ENV_RPC_URL,
};

/// The configuration the CLI sees: the process environment over `./.env`.
#[derive(Debug, Default, Clone)]
pub(crate) struct Env {
    dotenv: BTreeMap<String, String>,
}

impl Env {
    /// Reads `./.env` (if there is one) from the current directory.
    pub(crate) fn load() -> CliResult<Self> {
        let path = Path::new(".env");
        let dotenv = match std::fs::read_to_string(path) {
            Ok(text) => parse_dotenv(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(CliError::config(format!("cannot read .env: {e}"))),
        };
        Ok(Self { dotenv })
    }

    /// The value of `name`, empty counting as unset.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        std::env::var(name)
            .ok()
            .or_else(|| self.dotenv.get(name).cloned())
            .filter(|v| !v.trim().is_empty())
    }

    /// A required variable: missing → exit 3 with the official hint.
    pub(crate) fn require(&self, name: &str) -> CliResult<String> {
        self.get(name).ok_or_else(|| missing_env(name))
    }

    /// The MCR API URL (default `http://127.0.0.1:8000`).
    pub(crate) fn mcr_api_url(&self) -> String {
        self.get(ENV_MCR_API_URL)
            .unwrap_or_else(|| peaqos_sdk::client::DEFAULT_API_URL.to_owned())
    }

    /// An MCR API client: needs no key or contract addresses (the official CLI needs both).
    pub(crate) fn mcr(&self) -> McrClient {
        McrClient::new(http_client(), self.mcr_api_url())
    }

    /// The signing client: the OWS wallet when `PEAQOS_OWS_WALLET` is set, else
    /// `PEAQOS_PRIVATE_KEY` (the SDK's [`SignerSource`] decides); plus `PEAQOS_RPC_URL` and the
    /// six contract addresses. No signer configured: exit 3 naming `PEAQOS_PRIVATE_KEY`.
    pub(crate) fn client(&self) -> CliResult<PeaqosClient> {
        let lookup = |name: &str| self.get(name);
        if self.get(ENV_OWS_WALLET).is_none() {
            // The official order: the key, the endpoint, the six contracts.
            self.require(ENV_PRIVATE_KEY)?;
            self.require_network()?;
        }
        match SignerSource::from_lookup(lookup).map_err(invalid_config)? {
            Some(SignerSource::Wallet(wallet)) => {
                crate::signer::wallet_client(wallet, || self.network())
            }
            Some(source) => {
                let network = NetworkConfig::from_lookup(lookup).map_err(invalid_config)?;
                let signer = source.resolve().map_err(invalid_config)?;
                PeaqosClient::new(ClientConfig::new(network, signer)).map_err(invalid_config)
            }
            None => Err(missing_env(ENV_PRIVATE_KEY)),
        }
    }

    /// The network settings (no signer): `PEAQOS_RPC_URL` and the six contract addresses
    /// required, in the official order.
    pub(crate) fn network(&self) -> CliResult<NetworkConfig> {
        self.require_network()?;
        NetworkConfig::from_lookup(|name| self.get(name)).map_err(invalid_config)
    }

    fn require_network(&self) -> CliResult {
        self.require(ENV_RPC_URL)?;
        for name in REQUIRED_ADDRESS_ENV_VARS {
            self.require(name)?;
        }
        Ok(())
    }
}

/// The HTTP client for the MCR API when no SDK client is built (30 s timeout, as the SDK's).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(peaqos_sdk::client::HTTP_TIMEOUT)
        .build()
        .unwrap_or_default()
}

#[allow(clippy::needless_pass_by_value)] // used as map_err(invalid_config)
/// Exit 3: an invalid configuration value (the SDK never echoes a key).
pub(crate) fn invalid_config(err: peaqos_sdk::Error) -> CliError {
    match &err {
        peaqos_sdk::Error::Validation(v) => CliError::config(format!(
            "Invalid configuration: {} — {}",
            v.field, v.message
        ))
        .with_field(v.field.clone()),
        _ => CliError::config(format!("Failed to initialize SDK client: {err}")),
    }
}

/// Exit 3 with the official multi-line hint.
pub(crate) fn missing_env(name: &str) -> CliError {
    CliError::new(
        crate::error::ErrorCode::MissingConfig,
        format!(
            "Missing required env var: {name}\n  Add it to your .env file or set it in your \
         shell:\n    export {name}=...\n\n  Or run 'peaqos init' to generate your configuration."
        ),
    )
    .with_field(name)
}

/// Parses `.env` text with the one `.env` reader ([`peaqos_service::EnvFile`]): `KEY=VALUE`
/// lines, `#` comments, optional `export `, single or double quotes around the value.
pub(crate) fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    peaqos_service::EnvFile::parse(text).to_map()
}

/// Replaces `path` atomically with a file that is 0600 before any byte is written
/// ([`peaqos_service::write_private`]); returns its canonical path.
pub(crate) fn write_secret_file(path: &Path, contents: &str) -> CliResult<PathBuf> {
    peaqos_service::write_private(path, contents.as_bytes())
        .map_err(|e| CliError::io(&format!("cannot write {}", path.display()), &e))?;
    Ok(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
}

/// Opens `path` for writing (append or truncate), created 0600 and re-chmodded 0600.
pub(crate) fn open_private(path: &Path, append: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true);
    if append {
        options.append(true);
    } else {
        options.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}
