#![doc = include_str!("../README.md")]

pub mod api;
pub mod chain;
pub use peaqos_service::client_ip;
pub mod config;
pub mod day_summaries;
pub mod error;
pub mod fx;
pub mod indexer;
pub mod leader;
pub mod machine_summaries;
pub mod partner;
pub mod scoring;
pub mod service;
pub mod store;
pub mod ui;

pub use config::McrConfig;
pub use error::{Error, Result};
pub use service::{McrService, RunningMcr};
