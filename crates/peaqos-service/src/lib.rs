#![doc = include_str!("../README.md")]

#[cfg(feature = "http")]
pub mod client_ip;
#[cfg(feature = "database")]
pub mod database;
pub mod env_file;
pub mod handle;
#[cfg(feature = "http")]
pub mod http;
pub mod private_file;
pub mod redact;
pub mod shutdown;

pub use env_file::{ClientEnv, EnvFile, EnvSigner};
pub use handle::{ServiceHandle, StopSignal};
pub use private_file::write_private;
pub use redact::{RedactedUrl, Redacting, redact_url, redact_urls_in, redacted_stderr};
pub use shutdown::{ShutdownSignals, Signal, run_until_shutdown, shutdown_signal};
