//! One module per subcommand.

pub(crate) mod activate;
pub(crate) mod admin;
pub(crate) mod bridge;
#[cfg(feature = "dev")]
pub(crate) mod demo;
#[cfg(feature = "dev")]
pub(crate) mod dev;
pub(crate) mod doctor;
pub(crate) mod init;
pub(crate) mod mcp;
pub(crate) mod qualify_event;
pub(crate) mod qualify_mcr;
pub(crate) mod show_machine;
pub(crate) mod show_operator;
pub(crate) mod skill;
pub(crate) mod wallet;
pub(crate) mod whoami;
