#![doc = include_str!("../README.md")]

pub mod artifacts;
pub mod bindings;
pub mod deploy;
pub mod layerzero;

pub use artifacts::{Artifact, ContractName};
pub use deploy::{
    DeployConfig, DeployError, Deployment, Proxied, deploy, deploy_with_progress, place_standins,
};
